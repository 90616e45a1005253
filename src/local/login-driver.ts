/**
 * Drives the local stand-in of Microsoft's login pages the way a browser does: load a page, read
 * its form, submit it, and return where Microsoft redirects (the app's callback URL), keeping the
 * flow's cookie like a browser. One place for "what a person does at Microsoft": `npm run
 * connect`, the tests of the connect flow and the benchmarks all do it the same way. Local only:
 * it understands the stand-in's pages, not Microsoft's.
 */
import { z } from 'zod';

export type PersonaRole = 'Global Administrator' | 'User Administrator' | 'No admin role';

interface HtmlForm {
  action: string;
  fields: Record<string, string>;
  radios: Array<{ name: string; value: string; label: string }>;
}

const unescape = (value: string): string => value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');

export function parseForm(html: string, pageUrl: string): HtmlForm {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`the page has no form:\n${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1] ?? ''] = unescape(m[2] ?? '');
  const radios = [...html.matchAll(/<label><input type="radio" name="([^"]+)" value="([^"]+)"[^>]*>(.*?)<\/label>/g)].map((m) => ({
    name: m[1] ?? '',
    value: unescape(m[2] ?? ''),
    label: unescape((m[3] ?? '').replace(/<[^>]+>/g, '')).trim(),
  }));
  return { action: new URL(unescape(action), pageUrl).toString(), fields, radios };
}

async function loadForm(url: string): Promise<HtmlForm> {
  const page = await fetch(url, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`${url} answered ${String(page.status)}:\n${html.slice(0, 500)}`);
  return parseForm(html, url);
}

async function submit(form: HtmlForm, values: Record<string, string>): Promise<string> {
  const response = await fetch(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form.fields, ...values }).toString(),
    redirect: 'manual',
  });
  const location = response.headers.get('location');
  if (response.status !== 302 || location === null) throw new Error(`the form answered ${String(response.status)}: ${(await response.text()).slice(0, 500)}`);
  return location;
}

/** Microsoft's sign-in page: pick the simulated person with this role in this tenant. Returns the callback URL. */
export async function signInAs(authorizeUrl: string, who: { tenant: string; role: PersonaRole }, decision: 'sign_in' | 'cancel' = 'sign_in'): Promise<string> {
  const form = await loadForm(authorizeUrl);
  const person = form.radios.find((r) => r.name === 'person' && r.label.includes(`— ${who.role}, ${who.tenant}`));
  if (!person) throw new Error(`no ${who.role} of ${who.tenant} on the sign-in page: ${form.radios.map((r) => r.label).join(' | ')}`);
  return submit(form, { person: person.value, decision });
}

/** Microsoft's admin-consent page: accept or cancel. Returns the callback URL. */
export async function answerConsent(consentUrl: string, decision: 'accept' | 'cancel' = 'accept'): Promise<{ callbackUrl: string; tenants: string[] }> {
  const form = await loadForm(consentUrl);
  const tenants = form.radios.filter((r) => r.name === 'tenant').map((r) => r.value);
  const callbackUrl = await submit(form, { tenant: tenants[0] ?? '', decision });
  return { callbackUrl, tenants };
}

/** Adds the cookies a response sets to a jar (an expired one is removed), as a browser would. */
export function cookieHeader(response: Response, jar: Map<string, string> = new Map<string, string>()): Map<string, string> {
  for (const line of response.headers.getSetCookie()) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name);
    else jar.set(name, pair.slice(eq + 1).trim());
  }
  return jar;
}

/** The jar as a `Cookie` request header. */
export function cookieString(jar: ReadonlyMap<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/**
 * The whole connect flow through a running stack, as the admin's browser does it: connect (which
 * sets the flow's cookie), Microsoft's sign-in as `who`, our callback, Microsoft's admin consent,
 * our callback again. Returns the admin UI URL the flow lands on and the tenant that consented.
 */
export async function connectThroughMicrosoft(
  stackUrl: string,
  token: string,
  companyId: string,
  who: { tenant: string; role: PersonaRole } = { tenant: 'Contoso', role: 'Global Administrator' },
): Promise<{ landing: URL; tenantId: string | null }> {
  const connect = await fetch(`${stackUrl}/api/companies/${companyId}/entra/connect`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (connect.status !== 200) throw new Error(`connect answered ${String(connect.status)}: ${await connect.text()}`);
  const jar = cookieHeader(connect);
  const { consentUrl } = z.object({ consentUrl: z.url() }).parse(await connect.json());
  const arrive = async (callbackUrl: string): Promise<string> => {
    const response = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: cookieString(jar) } });
    cookieHeader(response, jar);
    const location = response.headers.get('location');
    if (response.status !== 302 || location === null) throw new Error(`the callback answered ${String(response.status)}`);
    return location;
  };
  const afterSignIn = await arrive(await signInAs(consentUrl, who));
  if (!afterSignIn.includes('/v2.0/adminconsent')) return { landing: new URL(afterSignIn), tenantId: null };
  const { callbackUrl, tenants } = await answerConsent(afterSignIn);
  return { landing: new URL(await arrive(callbackUrl)), tenantId: tenants[0] ?? null };
}
