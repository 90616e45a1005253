// Local stand-in for Microsoft's login pages, mounted under one base path: the sign-in
// (`{tenant}/oauth2/v2.0/authorize`, see sign-in.ts) and the admin-consent page:
//   GET  {base}/{organizations|common|tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state
//   POST {base}/{same}/v2.0/adminconsent  (form: client_id, redirect_uri, state, scope, tenant, decision)
// Accept → consent granted, 302 to redirect_uri?admin_consent=True&tenant=…&scope=…&state=…
// Cancel → 302 to redirect_uri?error=access_denied&error_description=AADSTS65004…&state=…
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SimulatorContext } from './context';
import { escapeHtml, pathBelow, readBody, requestUrl, sendHtml, sendRedirect, singleValuedParams } from './http-util';
import { answerFailure, callback, checkedParams, errorPage, page } from './login-page-kit';
import { handleSignInSafely, loginRoute } from './sign-in';
import type { TenantDirectory } from './tenant-directory';

const GRANTED_SCOPE = 'https://graph.microsoft.com/.default';

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
<div class="perm">Microsoft Graph — <strong>GroupMember.Read.All</strong> (Application)<small>Read all group memberships (only used when a company limits the sync to groups)</small></div>
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

/** The login stand-in (sign-in and admin consent), mounted under `basePath` (e.g. `/_local/login`, or '' at the root). */
export async function handleLogin(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, basePath: string): Promise<void> {
  try {
    const url = requestUrl(req);
    const rest = pathBelow(url.pathname, basePath);
    const route = rest === null ? null : loginRoute(rest);
    if (route === null) {
      errorPage(res, 404, 'AADSTS90033', 'The page you are looking for does not exist.');
      return;
    }
    if (route.kind === 'authorize') {
      await handleSignInSafely(ctx, req, res, basePath, route.segment);
      return;
    }
    const segment = route.segment;
    const action = `${basePath.replace(/\/+$/, '')}/${encodeURIComponent(segment)}/v2.0/adminconsent`;
    if (req.method === 'GET' || req.method === 'HEAD') {
      const checked = checkedParams(ctx, res, segment, singleValuedParams(url.searchParams), getSchema);
      if (!checked) return;
      sendHtml(res, 200, page('Permissions requested', consentForm(action, checked.data, checked.tenants)));
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
    const checked = checkedParams(ctx, res, segment, params, postSchema);
    if (!checked) return;
    const form = checked.data;
    const tenant = checked.tenants.find((t) => t.id === form.tenant);
    if (!tenant) {
      errorPage(res, 400, 'AADSTS90002', 'The selected organisation is not one of the offered tenants.');
      return;
    }
    const state: Array<[string, string]> = form.state !== undefined ? [['state', form.state]] : [];
    if (form.decision === 'accept') {
      ctx.setConsent(tenant.id, true);
      // Admin consent with `.default` grants every permission the app registration lists.
      tenant.setGroupPermission(true);
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
    answerFailure(ctx, res, err, 'login.error');
  }
}
