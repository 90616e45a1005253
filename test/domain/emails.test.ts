import { escapeHtml, layout } from '../../src/domain/emails/html';
import { renderIntegrationConnectedEmail } from '../../src/domain/emails/integration-connected.email';

describe('e-mail rendering', () => {
  it('escapes text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = layout({ heading: '<h>', paragraphs: ['<script>alert(1)</script>'], action: { label: 'Go', url: 'https://x.example/?a=1&b="2"' } });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('href="https://x.example/?a=1&amp;b=&quot;2&quot;"');
  });

  it('renders the connection confirmation in text and HTML with the pending-list link', () => {
    const mail = renderIntegrationConnectedEmail(
      { kind: 'integration-connected', version: 1, companyId: 'acme', to: ['a@acme.example'], tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e', connectedAt: '2026-11-27T10:00:00.000Z' },
      'https://admin.example',
    );
    expect(mail.subject).toBe('Microsoft Entra ID is connected');
    expect(mail.text).toContain('https://admin.example/companies/acme/users/pending');
    expect(mail.html).toContain('href="https://admin.example/companies/acme/users/pending"');
    expect(mail.text).toContain('0f8fad5b-d9cb-469f-a165-70867728950e');
  });
});
