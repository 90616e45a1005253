// What the stand-in login pages share: the page frame, error pages, and the checks every request
// to them gets (tenant segment, client id, registered redirect URI).
import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { SimulatorContext } from './context';
import { BodyTooLargeError, escapeHtml, sendHtml } from './http-util';
import type { TenantDirectory } from './tenant-directory';

const MULTI_TENANT_SEGMENTS = new Set(['organizations', 'common']);

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

/** `banner` is trusted markup (the stand-ins' own constants). */
export function page(title: string, body: string, banner = "Local stand-in for Microsoft's admin-consent page (simulated Entra ID). Nothing here talks to Microsoft."): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>
<body><main>
<div class="banner">${banner}</div>
${body}
</main></body></html>`;
}

export function errorPage(res: ServerResponse, status: number, code: string, message: string): void {
  sendHtml(
    res,
    status,
    page('Sign in to your account', `<h1>Sorry, but we're having trouble signing you in.</h1><p class="error"><strong>${escapeHtml(code)}</strong>: ${escapeHtml(message)}</p>`),
  );
}

export type Validated = { ok: true; tenants: TenantDirectory[] } | { ok: false; status: number; code: string; message: string };

/** Shared checks: tenant segment, client id and redirect URI (never redirect to an unregistered URI). */
export function validate(ctx: SimulatorContext, segment: string, clientId: string, redirectUri: string): Validated {
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

/**
 * A page's parameters (null when one was given twice) parsed with `schema`, then the shared checks;
 * on failure the error page is sent and null returned.
 */
export function checkedParams<T extends { client_id: string; redirect_uri: string }>(
  ctx: SimulatorContext,
  res: ServerResponse,
  segment: string,
  params: Map<string, string> | null,
  schema: z.ZodType<T>,
): { data: T; tenants: TenantDirectory[] } | null {
  if (!params) {
    errorPage(res, 400, 'AADSTS90015', 'A parameter was supplied more than once.');
    return null;
  }
  const parsed = schema.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    errorPage(res, 400, 'AADSTS900144', firstIssue(parsed.error));
    return null;
  }
  const v = validate(ctx, segment, parsed.data.client_id, parsed.data.redirect_uri);
  if (!v.ok) {
    errorPage(res, v.status, v.code, v.message);
    return null;
  }
  return { data: parsed.data, tenants: v.tenants };
}

/** What a login page answers when handling a request threw: 413 for a body too large, else 500 (logged without details). */
export function answerFailure(ctx: SimulatorContext, res: ServerResponse, err: unknown, event: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof BodyTooLargeError) errorPage(res, 413, 'AADSTS90015', 'The request is too large.');
  else {
    ctx.log(event, { error: err instanceof Error ? err.name : 'unknown' });
    errorPage(res, 500, 'AADSTS90000', 'The simulator could not process the request.');
  }
}

export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.join('.') ?? '';
  return `The request is missing or has an invalid value for the parameter '${field || 'unknown'}'.`;
}

export function callback(redirectUri: string, params: Array<[string, string]>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of params) url.searchParams.append(k, v);
  return url.toString();
}

