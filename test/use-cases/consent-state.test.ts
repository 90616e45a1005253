import { signState, verifyState } from '../../src/use-cases/consent-state';

const KEY = 'k'.repeat(43);
const payload = { v: 1 as const, c: 'acme', n: 'AbCdEfGhIjKlMnOpQrStUv', x: 2_000_000_000 };

describe('consent state', () => {
  it('round-trips a valid state', () => {
    expect(verifyState(signState(payload, KEY), KEY, 1_999_999_999)).toEqual({ ok: true, payload });
  });

  it('reports expiry only when the signature is valid', () => {
    const state = signState(payload, KEY);
    expect(verifyState(state, KEY, 2_000_000_000)).toEqual({ ok: false, code: 'expired_state', payload });
    expect(verifyState(state, 'another-key-of-sufficient-length-000000000', 2_000_000_001)).toEqual({ ok: false, code: 'invalid_state' });
  });

  it.each([
    ['empty', ''],
    ['one part', 'abc'],
    ['three parts', 'a.b.c'],
    ['bad base64 signature', `${signState(payload, KEY).split('.')[0]}.!!!`],
    ['too long', 'a'.repeat(513)],
  ])('rejects a %s state', (_name, state) => {
    expect(verifyState(state, KEY, 0)).toEqual({ ok: false, code: 'invalid_state' });
  });

  it('rejects a correctly signed payload of the wrong shape', () => {
    const forged = signState({ ...payload, c: '../admin' }, KEY);
    expect(verifyState(forged, KEY, 0)).toEqual({ ok: false, code: 'invalid_state' });
  });
});
