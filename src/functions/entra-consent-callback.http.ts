import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { cookiesWithPrefix, expiredCallbackCookie } from '../http/cookies';
import { queryObject } from '../http/request';
import { redirect } from '../http/responses';
import { completeConsent, ConsentCallbackQuerySchema, consentResultUrl } from '../use-cases/complete-consent';
import { BINDING_COOKIE_PREFIX, consentRedirectUri } from '../use-cases/start-consent';

/**
 * Microsoft's redirect target for both steps of the connect flow (sign-in, then admin consent).
 * Anonymous (the browser arrives from Microsoft); trust comes from the signed, single-use state,
 * the browser-binding cookie, and the id_token validated in the sign-in step. Always answers with
 * a redirect: to Microsoft's admin consent between the steps, else to the configured admin UI —
 * never to a URL taken from the request.
 */
export const entraConsentCallback = defineHttpFunction({
  name: 'entra-consent-callback',
  methods: ['GET'],
  route: 'entra/consent/callback',
  handler: async (request, context, services) => {
    const query = ConsentCallbackQuerySchema.safeParse(queryObject(request));
    if (!query.success) return redirect(consentResultUrl(services.config.adminUiUrl, null, { status: 'error', code: 'invalid_state' }));
    const outcome = await completeConsent(services, { query: query.data, bindingCookies: cookiesWithPrefix(request, BINDING_COOKIE_PREFIX) }, contextLogger(context));
    const callbackUrl = consentRedirectUri(services.config.publicBaseUrl);
    return { ...redirect(outcome.redirectTo), cookies: outcome.clearCookies.map((name) => expiredCallbackCookie(name, callbackUrl)) };
  },
});
