import { z } from 'zod';

/** Who is calling the admin API, as proven by a verified bearer token. */
export interface Principal {
  subject: string;
  email: string | null;
  /** The companies this token grants, or '*' for a platform operator. */
  companies: readonly string[] | '*';
}

export const PrincipalClaimsSchema = z.object({
  sub: z.string().min(1).max(256),
  email: z.email().max(254).optional(),
  companies: z.union([z.literal('*'), z.array(z.string().min(1).max(64)).max(10_000)]),
});

export interface TokenVerifier {
  /** Verifies signature, issuer, audience and expiry; throws AppError('unauthorized'). */
  verify(token: string): Promise<Principal>;
}
