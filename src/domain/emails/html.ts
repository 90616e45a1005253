/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** A minimal, client-safe HTML layout: paragraphs and one call-to-action link. */
export function layout(input: { heading: string; paragraphs: string[]; action?: { label: string; url: string } }): string {
  const body = input.paragraphs.map((p) => `<p style="margin:0 0 12px">${escapeHtml(p)}</p>`).join('');
  const action = input.action
    ? `<p style="margin:20px 0"><a href="${escapeHtml(input.action.url)}" style="background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:4px;text-decoration:none">${escapeHtml(input.action.label)}</a></p>`
    : '';
  return `<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif;color:#111;max-width:560px"><h2 style="font-size:18px">${escapeHtml(input.heading)}</h2>${body}${action}<p style="color:#666;font-size:12px">Symbol Security · Entra ID user sync</p></body></html>`;
}
