import { mapCosmosError } from '../../../src/adapters/cosmos/cosmos-documents';
import { thrownBy } from '../../support/app-errors';

/** How a Cosmos failure becomes an AppError: what a retry may cure is `dependency_unavailable`. */
describe('mapCosmosError', () => {
  const cosmosError = (code: number | string) => Object.assign(new Error(`cosmos said ${String(code)}`), { code });

  it.each([
    [404, 'not_found'],
    [409, 'conflict'],
    [412, 'precondition_failed'],
    [408, 'dependency_unavailable'],
    [429, 'dependency_unavailable'],
    [449, 'dependency_unavailable'],
    [500, 'dependency_unavailable'],
    [503, 'dependency_unavailable'],
    ['ECONNRESET', 'dependency_unavailable'],
    ['ECONNREFUSED', 'dependency_unavailable'],
    ['TimeoutError', 'dependency_unavailable'],
  ])('%p → %s', (code, expected) => {
    const error = thrownBy(() => mapCosmosError(cosmosError(code), 'read thing'));
    expect(error.code).toBe(expected);
    expect(error.message).toContain('read thing');
  });

  it.each([
    ['a 400 (our request is wrong)', cosmosError(400)],
    ['an error without a code', new TypeError('x is undefined')],
    ['an unknown string code', cosmosError('ESOMETHING')],
  ])('rethrows %s unchanged: an unexpected failure stays unexpected', (_what, original) => {
    expect(thrownBy(() => mapCosmosError(original, 'read thing'), Error)).toBe(original);
  });
});
