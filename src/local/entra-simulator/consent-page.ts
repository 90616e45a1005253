// Local stand-in for Microsoft's admin-consent page:
//   GET  {base}/{organizations|common|tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state
//   POST {base}/{same}/v2.0/adminconsent  (form: client_id, redirect_uri, state, scope, tenant, decision)
// Accept → consent granted, 302 to redirect_uri?admin_consent=True&tenant=…&scope=…&state=…
// Cancel → 302 to redirect_uri?error=access_denied&error_description=AADSTS65004…&state=…
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SimulatorContext } from './context';
import { BodyTooLargeError, escapeHtml, pathBelow, readBody, requestUrl, sendHtml, sendRedirect, singleValuedParams } from './http-util';
import type { TenantDirectory } from './tenant-directory';

const GRANTED_SCOPE = 'https://graph.microsoft.com/.default';
const MULTI_TENANT_SEGMENTS = new Set(['organizations', 'common']);

const getSchema = z.object({
  client_id: z.string().min(1).max(256),
  redirect_uri: z.string().min(1).max(2048),
  scope: z.string().min(1).max(2048),
  state: z.string().max(4096).optional(),
});

const postSchema = getSchema.extend({
  scope: z.string().max(2048).optional(),
  tenant: z.string().min(1).max(256),
  decision: z.enum(['accept', 'cancel']),
});

const PAGE_STYLE = `
  body { font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; margin: 0; color: #1b1b1b; }
  main { max-width: 460px; margin: 48px auto; background: #fff; padding: 32px 40px; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
  .banner { background: #fff4ce; border: 1px solid #e5c76b; padding: 8px 12px; font-size: 13px; margin-bottom: 20px; }
  h1 { font-size: 22px; font-weight: 600; margin: 0 0 12px; }
  .perm { border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; padding: 12px 0; margin: 16px 0; }
  .perm small { color: #555; display: block; }
  fieldset { border: 0; padding: 0; margin: 16px 0; }
  label { display: block; padding: 4px 0; }
  .buttons { text-align: right; margin-top: 24px; }
  button { min-width: 100px; padding: 6px 12px; margin-left: 8px; border: 1px solid #8a8a8a; background: #fff; cursor: pointer; }
  button.primary { background: #0067b8; color: #fff; border-color: #0067b8; }
  .error { color: #a80000; }
  code { word-break: break-all; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>
<body><main>
<div class="banner">Local stand-in for Microsoft's admin-consent page (simulated Entra ID). Nothing here talks to Microsoft.</div>
${body}
</main></body></html>`;
}

function errorPage(res: ServerResponse, status: number, code: string, message: string): void {
  sendHtml(
    res,
    status,
    page('Sign in to your account', `<h1>Sorry, but we're having trouble signing you in.</h1><p class="error"><strong>${escapeHtml(code)}</strong>: ${escapeHtml(message)}</p>`),
  );
}

type Validated = { ok: true; tenants: TenantDirectory[] } | { ok: false; status: number; code: string; message: string };

/** Shared checks: tenant segment, client id and redirect URI (never redirect to an unregistered URI). */
function validate(ctx: SimulatorContext, segment: string, clientId: string, redirectUri: string): Validated {
  const tenants = MULTI_TENANT_SEGMENTS.has(segment.toLowerCase()) ? [...ctx.tenants.values()] : [ctx.findTenant(segment)].filter((t) => t !== undefined);
  if (tenants.length === 0) return { ok: false, status: 400, code: 'AADSTS90002', message: `Tenant '${segment}' not found.` };
  if (clientId !== ctx.clientId) {
    return {
      ok: false,
      status: 400,
      code: 'AADSTS700016',
      message: `Application with identifier '${clientId}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant.`,
    };
  }
  if (!ctx.allowedRedirectUris.includes(redirectUri)) {
    return {
      ok: false,
      status: 400,
      code: 'AADSTS50011',
      message: `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
    };
  }
  return { ok: true, tenants };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.join('.') ?? '';
  return `The request is missing or has an invalid value for the parameter '${field || 'unknown'}'.`;
}

function callback(redirectUri: string, params: Array<[string, string]>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of params) url.searchParams.append(k, v);
  return url.toString();
}

function consentForm(action: string, p: z.infer<typeof getSchema>, tenants: TenantDirectory[]): string {
  const hidden = (name: string, value: string): string => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const radios = tenants
    .map(
      (t, i) =>
        `<label><input type="radio" name="tenant" value="${escapeHtml(t.id)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(t.name)} <small>(${escapeHtml(t.domain)} · ${escapeHtml(t.id)})</small></label>`,
    )
    .join('\n');
  return `<h1>Permissions requested</h1>
<p><strong>${escapeHtml(p.client_id)}</strong> (Symbol Entra Sync, local) wants to:</p>
<div class="perm">Microsoft Graph — <strong>User.Read.All</strong> (Application)<small>Read all users' full profiles</small></div>
<p>Accepting grants this permission for the whole organisation you choose below. Requested scope: <code>${escapeHtml(p.scope)}</code></p>
<form method="post" action="${escapeHtml(action)}">
${hidden('client_id', p.client_id)}
${hidden('redirect_uri', p.redirect_uri)}
${hidden('scope', p.scope)}
${p.state !== undefined ? hidden('state', p.state) : ''}
<fieldset><legend>Consent on behalf of the organisation:</legend>
${radios}
</fieldset>
<div class="buttons"><button type="submit" name="decision" value="cancel">Cancel</button><button class="primary" type="submit" name="decision" value="accept">Accept</button></div>
</form>`;
}

/** The consent stand-in, mounted under `basePath` (e.g. `/_local/login`, or '' at the root). */
export async function handleLogin(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, basePath: string): Promise<void> {
  try {
    const url = requestUrl(req);
    const rest = pathBelow(url.pathname, basePath);
    const match = rest === null ? null : /^\/([^/]+)\/v2\.0\/adminconsent\/?$/.exec(rest);
    const segment = match?.[1];
    if (segment === undefined) {
      errorPage(res, 404, 'AADSTS90033', 'The page you are looking for does not exist.');
      return;
    }
    const action = `${basePath.replace(/\/+$/, '')}/${encodeURIComponent(segment)}/v2.0/adminconsent`;
    if (req.method === 'GET' || req.method === 'HEAD') {
      const params = singleValuedParams(url.searchParams);
      if (!params) {
        errorPage(res, 400, 'AADSTS90015', 'A query parameter was supplied more than once.');
        return;
      }
      const parsed = getSchema.safeParse(Object.fromEntries(params));
      if (!parsed.success) {
        errorPage(res, 400, 'AADSTS900144', firstIssue(parsed.error));
        return;
      }
      const v = validate(ctx, segment, parsed.data.client_id, parsed.data.redirect_uri);
      if (!v.ok) {
        errorPage(res, v.status, v.code, v.message);
        return;
      }
      sendHtml(res, 200, page('Permissions requested', consentForm(action, parsed.data, v.tenants)));
      return;
    }
    if (req.method !== 'POST') {
      errorPage(res, 405, 'AADSTS900561', 'The endpoint only accepts GET and POST requests.');
      return;
    }
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      errorPage(res, 400, 'AADSTS900144', 'The consent form must be posted as application/x-www-form-urlencoded.');
      return;
    }
    const params = singleValuedParams(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')));
    if (!params) {
      errorPage(res, 400, 'AADSTS90015', 'A form field was supplied more than once.');
      return;
    }
    const parsed = postSchema.safeParse(Object.fromEntries(params));
    if (!parsed.success) {
      errorPage(res, 400, 'AADSTS900144', firstIssue(parsed.error));
      return;
    }
    const form = parsed.data;
    const v = validate(ctx, segment, form.client_id, form.redirect_uri);
    if (!v.ok) {
      errorPage(res, v.status, v.code, v.message);
      return;
    }
    const tenant = v.tenants.find((t) => t.id === form.tenant);
    if (!tenant) {
      errorPage(res, 400, 'AADSTS90002', 'The selected organisation is not one of the offered tenants.');
      return;
    }
    const state: Array<[string, string]> = form.state !== undefined ? [['state', form.state]] : [];
    if (form.decision === 'accept') {
      ctx.setConsent(tenant.id, true);
      ctx.log('consent.page_accepted', { tenantId: tenant.id });
      sendRedirect(res, callback(form.redirect_uri, [['admin_consent', 'True'], ['tenant', tenant.id], ['scope', GRANTED_SCOPE], ...state]));
    } else {
      ctx.log('consent.page_declined', { tenantId: tenant.id });
      sendRedirect(
        res,
        callback(form.redirect_uri, [['error', 'access_denied'], ['error_description', 'AADSTS65004: User declined to consent to access the app.'], ...state]),
      );
    }
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof BodyTooLargeError) errorPage(res, 413, 'AADSTS90015', 'The request is too large.');
    else {
      ctx.log('login.error', { error: err instanceof Error ? err.name : 'unknown' });
      errorPage(res, 500, 'AADSTS90000', 'The simulator could not process the request.');
    }
  }
}
