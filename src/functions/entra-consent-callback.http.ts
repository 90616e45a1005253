import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { queryObject } from '../http/request';
import { redirect } from '../http/responses';
import { completeConsent, ConsentCallbackQuerySchema, consentResultUrl } from '../use-cases/complete-consent';

/**
 * Microsoft's redirect target after admin consent. Anonymous (the browser arrives from
 * Microsoft); trust comes from the signed, single-use state only. Always answers with a redirect
 * to the configured admin UI, never to a URL taken from the request.
 */
export const entraConsentCallback = defineHttpFunction({
  name: 'entra-consent-callback',
  methods: ['GET'],
  route: 'entra/consent/callback',
  handler: async (request, context, services) => {
    const query = ConsentCallbackQuerySchema.safeParse(queryObject(request));
    if (!query.success) return redirect(consentResultUrl(services.config.adminUiUrl, null, { status: 'error', code: 'invalid_state' }));
    const outcome = await completeConsent(services, query.data, contextLogger(context));
    return redirect(outcome.redirectTo);
  },
});
