import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, JSONWebKeySet, jwtVerify, JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppConfig } from '../../config/config';
import { AppError } from '../../domain/app-error';
import { Principal, PrincipalClaimsSchema, TokenVerifier } from '../../ports/token-verifier.port';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

const JwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) });

/**
 * Verifies Symbol admin tokens: signature against the issuer's keys, issuer, audience, expiry
 * (60 s clock tolerance), then the claims this API needs. Production fetches the JWKS from a URL
 * (cached and refreshed by jose); the local stack uses its own key set from a file — the same
 * verification either way.
 */
export class JoseTokenVerifier implements TokenVerifier {
  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly issuer: string,
    private readonly audience: string,
  ) {}

  static fromConfig(config: AppConfig['auth']): JoseTokenVerifier {
    if (config.keys === 'jwks-url') {
      return new JoseTokenVerifier(createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 }), config.issuer, config.audience);
    }
    const parsed = JwksSchema.safeParse(JSON.parse(readFileSync(config.jwksFile, 'utf8')));
    if (!parsed.success) throw new AppError('configuration_invalid', 'AUTH_JWKS_FILE does not hold a JSON Web Key Set.');
    return new JoseTokenVerifier(createLocalJWKSet(parsed.data as JSONWebKeySet), config.issuer, config.audience);
  }

  async verify(token: string): Promise<Principal> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys, { issuer: this.issuer, audience: this.audience, algorithms: ALGORITHMS, clockTolerance: 60, requiredClaims: ['exp', 'sub'] }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AppError('unauthorized', 'The bearer token has expired.');
      if (error instanceof joseErrors.JOSEError) throw new AppError('unauthorized', 'The bearer token is not valid.');
      throw new AppError('dependency_unavailable', 'The token signing keys could not be read.', { cause: error });
    }
    const claims = PrincipalClaimsSchema.safeParse(payload);
    if (!claims.success) throw new AppError('unauthorized', 'The bearer token lacks the claims this API needs (sub, companies).');
    return { subject: claims.data.sub, email: claims.data.email?.toLowerCase() ?? null, companies: claims.data.companies };
  }
}
