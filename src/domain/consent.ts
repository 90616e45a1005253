import { z } from 'zod';
import { CompanyIdSchema } from './company-id';
import { AdminIdentitySchema } from './integration';

/**
 * What a consent `state` carries. It travels through Microsoft's pages in the browser, so it
 * holds no personal data: only the company, a nonce and the expiry. Who asked is kept server-side
 * in the nonce record, which a callback consumes exactly once.
 */
export const ConsentStatePayloadSchema = z
  .object({
    v: z.literal(1),
    c: CompanyIdSchema,
    n: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    /** Expiry, seconds since the epoch. */
    x: z.number().int().positive(),
  })
  .strict();
export type ConsentStatePayload = z.infer<typeof ConsentStatePayloadSchema>;

export const ConsentNonceSchema = z
  .object({
    nonce: z.string().min(16).max(64),
    companyId: CompanyIdSchema,
    requestedBy: AdminIdentitySchema,
    issuedAt: z.iso.datetime({ offset: true }),
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type ConsentNonce = z.infer<typeof ConsentNonceSchema>;

/** The application permission this product asks for, and nothing more (least privilege). */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

export function adminConsentUrl(input: { loginBaseUrl: string; clientId: string; redirectUri: string; state: string }): string {
  const url = new URL(`${input.loginBaseUrl.replace(/\/+$/, '')}/organizations/v2.0/adminconsent`);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('scope', GRAPH_DEFAULT_SCOPE);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', input.state);
  return url.toString();
}
