import { Services } from '../app/services';
import { adminConsentUrl } from '../domain/consent';
import { Principal } from '../ports/token-verifier.port';
import { signState } from './consent-state';

export interface StartConsentResult {
  consentUrl: string;
  expiresAt: string;
}

export function consentRedirectUri(publicBaseUrl: string): string {
  return `${publicBaseUrl}/api/entra/consent/callback`;
}

/**
 * Issues a single-use, short-lived, signed `state` bound to the company, records its nonce with
 * who asked, and builds Microsoft's admin-consent URL.
 */
export async function startConsent(
  services: Pick<Services, 'config' | 'clock' | 'ids' | 'secrets' | 'consentNonces'>,
  input: { companyId: string; principal: Principal },
): Promise<StartConsentResult> {
  const { config, clock, ids, secrets, consentNonces } = services;
  const now = clock.now();
  const expires = new Date(now.getTime() + config.consentStateTtlSeconds * 1000);
  const nonce = ids.token(24);
  await consentNonces.put({
    nonce,
    companyId: input.companyId,
    requestedBy: { subject: input.principal.subject, email: input.principal.email },
    issuedAt: now.toISOString(),
    expiresAt: expires.toISOString(),
  });
  const state = signState({ v: 1, c: input.companyId, n: nonce, x: Math.floor(expires.getTime() / 1000) }, await secrets.get('state-signing-key'));
  return {
    consentUrl: adminConsentUrl({ loginBaseUrl: config.entra.loginBaseUrl, clientId: config.entra.clientId, redirectUri: consentRedirectUri(config.publicBaseUrl), state }),
    expiresAt: expires.toISOString(),
  };
}
