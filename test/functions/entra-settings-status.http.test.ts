import { HttpResponseInit } from '@azure/functions';
import { entraDisconnect } from '../../src/functions/entra-disconnect.http';
import { entraSettingsPatch } from '../../src/functions/entra-settings-patch.http';
import { entraStatus } from '../../src/functions/entra-status.http';
import { DEFAULT_SETTINGS } from '../../src/domain/integration-settings';
import { connect, newIntegration } from '../../src/domain/integration';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

describe('integration status, settings and disconnect', () => {
  let h: TestHarness;
  let token: string;
  beforeEach(async () => {
    h = await createTestHarness();
    token = await h.signer.sign({ companies: ['acme'] });
  });

  const status = (companyId = 'acme', t = token) => entraStatus.handle(request({ method: 'GET', path: `companies/${companyId}/entra`, params: { companyId }, token: t }), context(), h.services);
  const patch = (body: string, headers?: Record<string, string>) =>
    entraSettingsPatch.handle(request({ method: 'PATCH', path: 'companies/acme/entra/settings', params: { companyId: 'acme' }, token, body, ...(headers ? { headers } : {}) }), context(), h.services);
  const del = (companyId = 'acme') => entraDisconnect.handle(request({ method: 'DELETE', path: `companies/${companyId}/entra`, params: { companyId }, token }), context(), h.services);
  const body = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;

  it('reports not_connected with default settings for an unknown company, without storing anything', async () => {
    const response = await status();
    expect(response.status).toBe(200);
    expect(body(response)).toMatchObject({
      companyId: 'acme',
      status: 'not_connected',
      tenantId: null,
      connectedAt: null,
      lastSync: null,
      subscription: null,
      counts: { pending: 0, denied: 0, excluded: 0, held: 0, activeUsers: 0 },
      settings: DEFAULT_SETTINGS,
      notificationRecipients: [],
    });
    expect(h.integrations.docs.size).toBe(0);
  });

  it('401/403 like every company route', async () => {
    expect((await status('acme', 'nope')).status).toBe(401);
    expect((await status('globex')).status).toBe(403);
  });

  it('PATCH applies a subset, keeps the rest, and GET shows it', async () => {
    const response = await patch(JSON.stringify({ autoApprove: 'clean', exclude: { guests: true }, notifyEmails: ['Sec@Acme.example', 'sec@acme.example'], deletionThresholdPercent: 5 }));
    expect(response.status).toBe(200);
    expect(body(response)).toEqual({
      ...DEFAULT_SETTINGS,
      autoApprove: 'clean',
      exclude: { ...DEFAULT_SETTINGS.exclude, guests: true },
      notifyEmails: ['sec@acme.example'],
      deletionThresholdPercent: 5,
    });
    expect(body(await status())).toMatchObject({ status: 'not_connected', settings: body(response), notificationRecipients: ['sec@acme.example'] });
    const again = await patch(JSON.stringify({ roleAddressPatterns: ['INFO', 'noreply*'] }));
    expect(body(again)).toMatchObject({ autoApprove: 'clean', roleAddressPatterns: ['info', 'noreply*'] });
  });

  it.each([
    ['an unknown field', '{"autoApprove":"off","colour":"blue"}', 'colour'],
    ['an unknown nested field', '{"exclude":{"robots":true}}', 'exclude.robots'],
    ['a wrong enum', '{"autoApprove":"always"}', 'autoApprove'],
    ['a wrong nested type', '{"exclude":{"guests":"yes"}}', 'exclude.guests'],
    ['an out-of-range percent', '{"deletionThresholdPercent":101}', 'deletionThresholdPercent'],
    ['a fractional minimum', '{"deletionThresholdMinimum":1.5}', 'deletionThresholdMinimum'],
    ['a bad e-mail', '{"notifyEmails":["not-an-email"]}', 'notifyEmails.0'],
    ['a bad pattern', '{"roleAddressPatterns":["in fo"]}', 'roleAddressPatterns.0'],
  ])('PATCH 400 naming the field for %s', async (_name, json, field) => {
    const response = await patch(json);
    expect(response.status).toBe(400);
    expect(body(response)).toMatchObject({ code: 'validation_failed' });
    expect((body(response).errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    expect(h.integrations.docs.size).toBe(0);
  });

  it('PATCH rejects non-objects, malformed JSON, empty and oversized bodies', async () => {
    for (const bad of ['[]', '"x"', 'null', '{"autoApprove":']) {
      const response = await patch(bad);
      expect(response.status).toBe(400);
    }
    expect((await patch('')).status).toBe(400);
    expect((await patch(JSON.stringify({ roleAddressPatterns: Array.from({ length: 5000 }, (_, i) => `role${i}`) }))).status).toBe(413);
    expect(h.integrations.docs.size).toBe(0);
  });

  it('DELETE disconnects (idempotently) and keeps settings', async () => {
    const connected = connect(newIntegration('acme', h.clock.now().toISOString()), {
      tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      admin: { subject: 's', email: 'a@acme.example' },
      nowIso: h.clock.now().toISOString(),
      newConnectionId: 'c1',
    });
    await h.integrations.save({ ...connected.integration, settings: { ...DEFAULT_SETTINGS, autoApprove: 'matched' } }, null);
    expect((await del()).status).toBe(204);
    expect(body(await status())).toMatchObject({ status: 'disconnected', tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e', settings: { autoApprove: 'matched' } });
    const writes = h.integrations.writes;
    expect((await del()).status).toBe(204);
    expect(h.integrations.writes).toBe(writes);
    expect((await del('acme')).status).toBe(204);
  });

  it('DELETE of a never-connected company is a harmless 204', async () => {
    expect((await del()).status).toBe(204);
    expect(h.integrations.docs.size).toBe(0);
  });
});
