import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';
import { z } from 'zod';

/**
 * The local stack's token issuer: one ES256 key pair under `.local/keys/`. `npm run token` signs
 * with the private key; the stack verifies with the public JWKS exactly as production verifies
 * Symbol's tokens (signature, issuer, audience, expiry, companies claim).
 */
export const LOCAL_ISSUER = 'https://identity.symbol.local';
export const LOCAL_AUDIENCE = 'symbol-entra-sync';

const KeyFileSchema = z.object({ kid: z.string(), privateJwk: z.looseObject({ kty: z.string() }), publicJwk: z.looseObject({ kty: z.string() }) });
interface KeyFile {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface LocalKeys {
  kid: string;
  privateJwk: JWK;
  jwksFile: string;
}

export async function ensureLocalKeys(dataDir: string): Promise<LocalKeys> {
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, 'token-signing-key.json');
  let stored: KeyFile;
  try {
    stored = KeyFileSchema.parse(JSON.parse(readFileSync(keyFile, 'utf8')));
  } catch {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `local-${Date.now().toString(36)}`;
    const candidate: KeyFile = { kid, privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
    try {
      // 'wx': if `npm start` and `npm run token` race, one key wins and both use it.
      writeFileSync(keyFile, JSON.stringify(candidate), { flag: 'wx', mode: 0o600 });
      stored = candidate;
    } catch {
      stored = KeyFileSchema.parse(JSON.parse(readFileSync(keyFile, 'utf8')));
    }
  }
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...stored.publicJwk, kid: stored.kid, alg: 'ES256', use: 'sig' }] }));
  return { kid: stored.kid, privateJwk: stored.privateJwk, jwksFile };
}

export async function signLocalToken(
  keys: LocalKeys,
  claims: { subject: string; email?: string; companies: string[] | '*'; ttlSeconds?: number; issuer?: string; audience?: string; expiresAt?: Date },
): Promise<string> {
  const key = await importJWK(keys.privateJwk, 'ES256');
  const jwt = new SignJWT({ companies: claims.companies, ...(claims.email ? { email: claims.email } : {}) })
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: 'JWT' })
    .setIssuer(claims.issuer ?? LOCAL_ISSUER)
    .setAudience(claims.audience ?? LOCAL_AUDIENCE)
    .setSubject(claims.subject)
    .setIssuedAt()
    .setExpirationTime(claims.expiresAt ?? `${claims.ttlSeconds ?? 12 * 3600}s`);
  return jwt.sign(key);
}
