import { mergeAttributes, parseDeltaItem } from '../../../src/domain/directory/delta-item';
import { graphUser, person } from './fixtures';

const ID = '0F8FAD5B-D9CB-469F-A165-70867728950E';

describe('parsing delta items', () => {
  it('reads a full user: strings trimmed, empty → null, licences → licensed, manager@delta → managerId', () => {
    const item = parseDeltaItem({ ...graphUser(ID, person({ managerId: 'ABC' })), jobTitle: '  ', department: ' Retail ' });
    expect(item).toMatchObject({ kind: 'user', id: ID.toLowerCase() });
    if (item.kind !== 'user') return;
    expect(item.changes).toMatchObject({ jobTitle: null, department: 'Retail', licensed: true, managerId: 'abc', accountEnabled: true });
  });

  it('keeps only the properties present in a partial update (absent = unchanged)', () => {
    const item = parseDeltaItem({ id: ID, jobTitle: 'CTO' });
    expect(item).toEqual({ kind: 'user', id: ID.toLowerCase(), changes: { jobTitle: 'CTO' } });
    if (item.kind !== 'user') return;
    const merged = mergeAttributes(person(), item.changes);
    expect(merged).toEqual(person({ jobTitle: 'CTO' }));
  });

  it('reads a cleared value as null (cleared ≠ absent)', () => {
    const item = parseDeltaItem({ id: ID, department: null, assignedLicenses: [] });
    expect(item).toMatchObject({ changes: { department: null, licensed: false } });
  });

  it('reads a removed manager as managerId null', () => {
    expect(parseDeltaItem({ id: ID, 'manager@delta': [{ id: 'm1', '@removed': { reason: 'deleted' } }] })).toMatchObject({ changes: { managerId: null } });
  });

  it.each([
    ['changed', 'soft_deleted'],
    ['deleted', 'deleted'],
  ])('@removed reason %s → %s', (reason, expected) => {
    expect(parseDeltaItem({ id: ID, '@removed': { reason } })).toEqual({ kind: 'removed', id: ID.toLowerCase(), reason: expected });
  });

  it.each([
    ['no id', { displayName: 'x' }, null],
    ['a number for a string', { id: 'u1', mail: 42 }, 'u1'],
    ['a string for a boolean', { id: 'u1', accountEnabled: 'yes' }, 'u1'],
    ['not an object', 'hello', null],
    ['an absurdly long name', { id: 'u1', displayName: 'x'.repeat(10_000) }, 'u1'],
  ])('flags %s as invalid without throwing', (_name, raw, id) => {
    const item = parseDeltaItem(raw);
    expect(item.kind).toBe('invalid');
    if (item.kind === 'invalid') expect(item.id).toBe(id);
  });
});

describe('attribute hash', () => {
  it('is stable, and changes with any synced attribute (including list order and null vs empty)', async () => {
    const { attributesHash } = await import('../../../src/domain/directory/fingerprint-hash');
    const base = person();
    expect(attributesHash(base)).toBe(attributesHash({ ...base }));
    const variants = [
      person({ jobTitle: 'X' }),
      person({ accountEnabled: false }),
      person({ licensed: false }),
      person({ managerId: 'm' }),
      person({ otherMails: [] }),
      person({ proxyAddresses: [...base.proxyAddresses].reverse() }),
      person({ officeLocation: '' }),
      person({ givenName: null }),
    ];
    const hashes = new Set([attributesHash(base), ...variants.map(attributesHash)]);
    expect(hashes.size).toBe(variants.length + 1);
  });
});
