import { z } from 'zod';
import { defineHttpFunction } from '../app/function-registry';
import { authorizeCompany } from '../http/authorize';
import { callbackCookie } from '../http/cookies';
import { readJsonBody } from '../http/request';
import { ok } from '../http/responses';
import { consentRedirectUri, startConsent } from '../use-cases/start-consent';

/** The call takes no options today; a body, if sent, must be an empty object. */
const ConnectBodySchema = z.object({}).strict().optional();

/**
 * Starts connecting the company. The answer sets the flow's browser-binding cookie, so the admin
 * UI must call this from the browser that will then open `consentUrl` (same-site, with
 * credentials), not from a server.
 */
export const entraConnect = defineHttpFunction({
  name: 'entra-connect',
  methods: ['POST'],
  route: 'companies/{companyId}/entra/connect',
  handler: async (request, _context, services) => {
    const { principal, companyId } = await authorizeCompany(request, services.tokens);
    await readJsonBody(request, ConnectBodySchema, { optional: true, maxBytes: 1024 });
    const { consentUrl, expiresAt, binding } = await startConsent(services, { companyId, principal });
    return { ...ok({ consentUrl, expiresAt }), cookies: [callbackCookie({ ...binding, callbackUrl: consentRedirectUri(services.config.publicBaseUrl) })] };
  },
});
