import { ConsentStatePayload } from '../../src/domain/consent';
import { digestsEqual, pkceChallenge, shortDigest, signState, verifyState } from '../../src/use-cases/consent-state';

const KEY = 'k'.repeat(43);
const PREVIOUS = 'p'.repeat(43);
const payload: ConsentStatePayload = { v: 2, c: 'acme', n: 'AbCdEfGhIjKlMnOpQrStUv', s: 'signin', b: shortDigest('cookie'), u: shortDigest('user-1'), x: 2_000_000_000 };

describe('consent state', () => {
  it('round-trips a valid state of each step', () => {
    expect(verifyState(signState(payload, KEY), [KEY], 1_999_999_999)).toEqual({ ok: true, payload });
    const consent: ConsentStatePayload = { ...payload, s: 'consent', t: '0f8fad5b-d9cb-469f-a165-70867728950e' };
    expect(verifyState(signState(consent, KEY), [KEY], 1_999_999_999)).toEqual({ ok: true, payload: consent });
  });

  it('accepts a state signed with any key of the ring (rotation), and none other', () => {
    const old = signState(payload, PREVIOUS);
    expect(verifyState(old, [KEY, PREVIOUS], 0)).toMatchObject({ ok: true });
    expect(verifyState(old, [KEY], 0)).toEqual({ ok: false, code: 'invalid_state' });
    expect(verifyState(old, [], 0)).toEqual({ ok: false, code: 'invalid_state' });
  });

  it('reports expiry only when the signature is valid', () => {
    const state = signState(payload, KEY);
    expect(verifyState(state, [KEY], 2_000_000_000)).toEqual({ ok: false, code: 'expired_state', payload });
    expect(verifyState(state, ['another-key-of-sufficient-length-000000000'], 2_000_000_001)).toEqual({ ok: false, code: 'invalid_state' });
  });

  it.each([
    ['empty', ''],
    ['one part', 'abc'],
    ['three parts', 'a.b.c'],
    ['bad base64 signature', `${signState(payload, KEY).split('.')[0]}.!!!`],
    ['too long', 'a'.repeat(513)],
  ])('rejects a %s state', (_name, state) => {
    expect(verifyState(state, [KEY], 0)).toEqual({ ok: false, code: 'invalid_state' });
  });

  it.each([
    ['a company id that is not one', { ...payload, c: '../admin' }],
    ['a sign-in step that names a tenant', { ...payload, t: '0f8fad5b-d9cb-469f-a165-70867728950e' }],
    ['a consent step without a tenant', { ...payload, s: 'consent' as const }],
    ['a version-1 state', { v: 1, c: 'acme', n: payload.n, x: payload.x }],
  ])('rejects a correctly signed payload with %s', (_name, forged) => {
    expect(verifyState(signState(forged as ConsentStatePayload, KEY), [KEY], 0)).toEqual({ ok: false, code: 'invalid_state' });
  });

  it('digests: short, stable, compared in constant time; PKCE S256 per RFC 7636', () => {
    expect(shortDigest('x')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(digestsEqual(shortDigest('x'), shortDigest('x'))).toBe(true);
    expect(digestsEqual(shortDigest('x'), shortDigest('y'))).toBe(false);
    expect(digestsEqual('', '')).toBe(false);
    // RFC 7636, appendix B.
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});
