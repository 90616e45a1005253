import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConsentStatePayload, ConsentStatePayloadSchema } from '../domain/consent';

/**
 * The consent `state`: `base64url(json payload) "." base64url(HMAC-SHA256(payload))`. The key is
 * the `state-signing-key` secret. Verification is constant-time and reveals only a code.
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

export function verifyState(state: string, key: string, nowSeconds: number): StateVerification {
  if (state.length > MAX_STATE_LENGTH) return { ok: false, code: 'invalid_state' };
  const parts = state.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, code: 'invalid_state' };
  const [body, signature] = parts as [string, string];
  const expected = Buffer.from(mac(body, key), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, code: 'invalid_state' };
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

function mac(body: string, key: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}
