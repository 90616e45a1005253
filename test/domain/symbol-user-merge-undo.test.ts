import { SymbolUser } from '../../src/domain/symbol-user';
import { followDirectory, latestMerge, mergeLink, mergeSnapshot, setActive, undoMerge } from '../../src/domain/symbol-user-merge';
import { person } from './directory/fixtures';

const ENTRA = 'e-1';
const MERGED_AT = '2026-11-01T10:00:00.000Z';
const DAY = 86_400_000;

/** A user added by hand before the directory knew it: inactive, with training data. */
function handAdded(overrides: Partial<SymbolUser> = {}): SymbolUser {
  return {
    id: 's-1', companyId: 'acme', email: 'ADELE.VANCE@contoso.example', emailKey: 'adele.vance@contoso.example', givenName: 'Hand', surname: 'Added', displayName: 'Hand Added',
    jobTitle: null, department: 'Old dept', officeLocation: null, mobilePhone: null, country: null, city: null, employeeId: null, managerEntraId: null, entraObjectId: null,
    status: 'inactive', deactivatedAt: '2026-06-01T00:00:00.000Z', source: 'manual', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z',
    customFields: { trainingAssignments: '7' }, links: [], ...overrides,
  };
}

/** What approving the directory user does to it: follow the directory, activate, add the merge link. */
function merged(before = handAdded()): SymbolUser {
  const followed = setActive(followDirectory(before, ENTRA, person(), MERGED_AT).user, true, MERGED_AT);
  const link = mergeLink(before, followed, { entraObjectId: ENTRA, nowIso: MERGED_AT, by: 'admin-1', merged: true });
  return { ...followed, links: [...before.links, link] };
}

const at = (days: number) => new Date(Date.parse(MERGED_AT) + days * DAY).toISOString();

describe('the merge link', () => {
  it('records each field the merge changed, the status it reactivated, and the whole user as it was', () => {
    const link = merged().links[0];
    expect(link?.changes).toMatchObject({
      givenName: { before: 'Hand', after: 'Adele' },
      email: { before: 'ADELE.VANCE@contoso.example', after: 'Adele.Vance@contoso.example' },
      entraObjectId: { before: null, after: ENTRA },
      status: { before: 'inactive', after: 'active' },
      deactivatedAt: { before: '2026-06-01T00:00:00.000Z', after: null },
    });
    expect(link?.changedFields).toEqual(Object.keys(link?.changes ?? {}));
    expect(link?.previous).toEqual(mergeSnapshot(handAdded()));
    expect(link?.undone).toBeNull();
  });

  it('a link that is not a merge (a user created from the directory) keeps no snapshot', () => {
    const created = mergeLink(handAdded(), handAdded(), { entraObjectId: ENTRA, nowIso: MERGED_AT, by: 'a', merged: false });
    expect(created.previous).toBeNull();
  });
});

describe('undoing a merge', () => {
  it('gives back every merge-owned field as it was before, also the ones the directory changed later, and drops the link', () => {
    // Later syncs changed fields the merge had not changed (the job title) and ones it had (the department).
    const later = followDirectory(merged(), ENTRA, person({ jobTitle: 'CTO', department: 'Board' }), at(3)).user;
    const outcome = undoMerge(later, { nowIso: at(5), by: 'admin-2' });
    if (outcome.kind !== 'undone') throw new Error(outcome.kind);
    expect(mergeSnapshot(outcome.user)).toEqual(mergeSnapshot(handAdded()));
    expect(outcome.user).toMatchObject({ id: 's-1', source: 'manual', createdAt: '2025-01-01T00:00:00.000Z', customFields: { trainingAssignments: '7' }, emailKey: 'adele.vance@contoso.example', updatedAt: at(5) });
    expect(outcome.user.links[0]?.undone).toEqual({ at: at(5), by: 'admin-2' });
    expect(outcome.restored).toMatchObject({ givenName: { before: 'Adele', after: 'Hand' }, jobTitle: { before: 'CTO', after: null }, entraObjectId: { before: ENTRA, after: null }, status: { before: 'active', after: 'inactive' } });
    expect(outcome.emailKept).toBe(false);
  });

  it.each([
    [0, 'undone'],
    [30, 'undone'],
    [30.0001, 'expired'],
  ] as const)('%s days after the merge: %s', (days, kind) => {
    expect(undoMerge(merged(), { nowIso: at(days), by: 'a' }).kind).toBe(kind);
  });

  it('says when it expired', () => {
    expect(undoMerge(merged(), { nowIso: at(31), by: 'a' })).toMatchObject({ kind: 'expired', undoableUntil: at(30) });
  });

  it('a user never merged has nothing to undo; an undone merge is undone (also after 30 days)', () => {
    expect(undoMerge(handAdded(), { nowIso: at(1), by: 'a' })).toEqual({ kind: 'not_merged' });
    const outcome = undoMerge(merged(), { nowIso: at(1), by: 'a' });
    if (outcome.kind !== 'undone') throw new Error(outcome.kind);
    expect(undoMerge(outcome.user, { nowIso: at(2), by: 'a' }).kind).toBe('already_undone');
    expect(undoMerge(outcome.user, { nowIso: at(90), by: 'a' }).kind).toBe('already_undone');
    expect(latestMerge(outcome.user)?.link.undone).not.toBeNull();
  });

  it('undoes the latest merge: merged, undone, merged again → the second merge', () => {
    const first = undoMerge(merged(), { nowIso: at(1), by: 'a' });
    if (first.kind !== 'undone') throw new Error(first.kind);
    const again = merged(first.user);
    const second = undoMerge(again, { nowIso: at(2), by: 'b' });
    if (second.kind !== 'undone') throw new Error(second.kind);
    expect(second.user.links.map((l) => l.undone?.by)).toEqual(['a', 'b']);
    expect(mergeSnapshot(second.user)).toEqual(mergeSnapshot(first.user));
  });

  it('keeps the current address when asked (the old one belongs to another user by now)', () => {
    const later = followDirectory(merged(), ENTRA, person({ mail: 'renamed@contoso.example' }), at(2)).user;
    const outcome = undoMerge(later, { nowIso: at(3), by: 'a', keepEmail: true });
    if (outcome.kind !== 'undone') throw new Error(outcome.kind);
    expect(outcome.user).toMatchObject({ email: 'renamed@contoso.example', emailKey: 'renamed@contoso.example', givenName: 'Hand', entraObjectId: null });
    expect(outcome.restored.email).toBeUndefined();
    expect(outcome.emailKept).toBe(true);
  });

  it('a link recorded before snapshots existed gives back what its changes recorded, and unlinks', () => {
    const withSnapshot = merged();
    const legacyLink = { ...withSnapshot.links[0]!, previous: null, changes: { givenName: { before: 'Hand', after: 'Adele' }, email: { before: 'ADELE.VANCE@contoso.example', after: 'Adele.Vance@contoso.example' }, entraObjectId: { before: null, after: ENTRA } } };
    const legacy = { ...withSnapshot, links: [legacyLink] };
    const outcome = undoMerge(legacy, { nowIso: at(1), by: 'a' });
    if (outcome.kind !== 'undone') throw new Error(outcome.kind);
    expect(outcome.user).toMatchObject({ givenName: 'Hand', email: 'ADELE.VANCE@contoso.example', entraObjectId: null, surname: 'Vance', status: 'active' });
  });
});
