import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConsentStatePayload, ConsentStatePayloadSchema } from '../domain/consent';
import { SecretStore } from '../ports/secret-store.port';

/**
 * The consent `state`: `base64url(json payload) "." base64url(HMAC-SHA256(payload))`, keyed by
 * the `state-signing-key` secret. Verification is constant-time and reveals only a code. During a
 * key rotation `state-signing-key-previous` is accepted too (for one state lifetime), so flows
 * started just before the rotation still complete.
 */
export function signState(payload: ConsentStatePayload, key: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(body, key)}`;
}

export type StateVerification =
  | { ok: true; payload: ConsentStatePayload }
  /** Signature fine but too old: the company id is trustworthy, the state is not usable. */
  | { ok: false; code: 'expired_state'; payload: ConsentStatePayload }
  | { ok: false; code: 'invalid_state' };

export const MAX_STATE_LENGTH = 512;

export function verifyState(state: string, keys: readonly string[], nowSeconds: number): StateVerification {
  if (state.length > MAX_STATE_LENGTH) return { ok: false, code: 'invalid_state' };
  const parts = state.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, code: 'invalid_state' };
  const [body, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  // Every key is tried, so the time taken does not say which one matched.
  let signed = false;
  for (const key of keys) {
    const expected = Buffer.from(mac(body, key), 'base64url');
    if (given.length === expected.length && timingSafeEqual(given, expected)) signed = true;
  }
  if (!signed) return { ok: false, code: 'invalid_state' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'invalid_state' };
  }
  const parsed = ConsentStatePayloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, code: 'invalid_state' };
  if (parsed.data.x <= nowSeconds) return { ok: false, code: 'expired_state', payload: parsed.data };
  return { ok: true, payload: parsed.data };
}

/** The key that signs new states, and every key a state may have been signed with. */
export async function stateKeys(secrets: Pick<SecretStore, 'get' | 'find'>): Promise<{ current: string; accepted: string[] }> {
  const [current, previous] = await Promise.all([secrets.get('state-signing-key'), secrets.find('state-signing-key-previous')]);
  return { current, accepted: previous && previous !== current ? [current, previous] : [current] };
}

/** base64url of the first 16 bytes of SHA-256: how a state refers to a value it must not carry. */
export function shortDigest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest().subarray(0, 16).toString('base64url');
}

/** Constant-time comparison of two short digests. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64url');
  const y = Buffer.from(b, 'base64url');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** RFC 7636 S256: base64url(SHA-256(verifier)). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function mac(body: string, key: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}
