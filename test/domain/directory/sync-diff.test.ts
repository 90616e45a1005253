import { parseDeltaItem } from '../../../src/domain/directory/delta-item';
import { DirectoryUserRecord } from '../../../src/domain/directory/directory-user';
import { applyRemoval, Decision, deletionGuardHolds, diffPage } from '../../../src/domain/directory/sync-diff';
import { ctx, graphUser, NOW, person, record, stored } from './fixtures';

const U = 'u-1';
const only = (decisions: Decision[]) => {
  expect(decisions).toHaveLength(1);
  return decisions[0] as Decision;
};
const put = (d: Decision) => {
  if (d.kind !== 'put') throw new Error(`expected put, got ${d.kind}`);
  return d;
};

describe('sync diff: new users', () => {
  it.each([
    ['a clean person → pending, no flags', person(), {}, { status: 'pending', flags: [], counter: 'newPending', effect: null }],
    ['a guest → pending, flagged', person({ userType: 'Guest' }), {}, { status: 'pending', flags: ['guest'], counter: 'newPending', effect: null }],
    ['a guest with guests excluded → excluded', person({ userType: 'Guest' }), { exclude: { guests: true, disabled: false, unlicensed: false, roleAddresses: false } }, { status: 'excluded', flags: ['guest'], counter: 'excluded', effect: null }],
    ['a shared mailbox with unlicensed excluded → excluded', person({ mail: 'info@contoso.example', licensed: false, accountEnabled: false }), { exclude: { guests: false, disabled: false, unlicensed: true, roleAddresses: false } }, { status: 'excluded', counter: 'excluded', effect: null }],
    ['a clean person with autoApprove clean → approved', person(), { autoApprove: 'clean' as const }, { status: 'approved', counter: 'autoApproved', effect: { kind: 'approve' } }],
    ['a flagged person with autoApprove clean → pending', person({ licensed: false }), { autoApprove: 'clean' as const }, { status: 'pending', flags: ['unlicensed'], counter: 'newPending', effect: null }],
  ])('%s', (_name, attributes, settings, expected) => {
    const { decisions, newPending } = diffPage([parseDeltaItem(graphUser(U, attributes))], new Map(), ctx({ settings }));
    const d = put(only(decisions));
    expect(d.expectedEtag).toBeNull();
    expect(d.record).toMatchObject({ id: U, companyId: 'acme', status: expected.status, firstSeenAt: NOW, symbolUserId: null, ...('flags' in expected ? { flags: expected.flags } : {}) });
    expect(d.counter).toBe(expected.counter);
    expect(d.effect).toEqual(expected.effect);
    expect(newPending).toEqual(expected.counter === 'newPending' ? ['Adele Vance'] : []);
  });

  it('autoApprove matched: approves a user whose secondary address belongs to a Symbol user, case-insensitively', () => {
    const symbolEmails = new Set(['adele@contoso.onmicrosoft.com']);
    const d = put(only(diffPage([parseDeltaItem(graphUser(U, person({ licensed: false })))], new Map(), ctx({ settings: { autoApprove: 'matched' }, symbolEmails })).decisions));
    expect(d.record.status).toBe('approved');
    expect(d.counter).toBe('autoApproved');
    // plus-addressing is not folded: adele+x@ is a different address
    const other = put(only(diffPage([parseDeltaItem(graphUser(U, person({ mail: 'adele+x@contoso.example', userPrincipalName: 'adele+x@contoso.example', proxyAddresses: [], otherMails: [] })))], new Map(), ctx({ settings: { autoApprove: 'matched' }, symbolEmails: new Set(['adele.vance@contoso.example']) })).decisions));
    expect(other.record.status).toBe('pending');
  });

  it('a full round marks every new user with the round', () => {
    const d = put(only(diffPage([parseDeltaItem(graphUser(U, person()))], new Map(), ctx({ roundId: 'round-9' })).decisions));
    expect(d.record.seenRound).toBe('round-9');
  });
});

describe('sync diff: known users', () => {
  const updated = (attrs: Partial<ReturnType<typeof person>>) => parseDeltaItem({ id: U, ...attrs });

  it('an unchanged user costs no write', () => {
    const d = only(diffPage([parseDeltaItem(graphUser(U, person()))], stored(record(U)), ctx()).decisions);
    expect(d).toEqual({ kind: 'unchanged', id: U, counter: 'unchanged' });
  });

  it('an unchanged user in a full round costs no write either (its id goes into the round’s seen chunks)', () => {
    const d = only(diffPage([parseDeltaItem(graphUser(U, person()))], stored(record(U, { seenRound: 'old' })), ctx({ roundId: 'r2' })).decisions);
    expect(d).toEqual({ kind: 'unchanged', id: U, counter: 'unchanged' });
  });

  it.each<[string, Partial<DirectoryUserRecord>, Record<string, unknown>, { status: string; counter: string | null; effect: unknown; extra?: Partial<DirectoryUserRecord> }]>([
    ['pending, title changed → snapshot updated', {}, { jobTitle: 'Director' }, { status: 'pending', counter: 'updated', effect: null }],
    ['pending, now a guest while guests are excluded → excluded', {}, { userType: 'Guest' }, { status: 'excluded', counter: 'excluded', effect: null }],
    ['denied, title changed → stays denied, snapshot updated', { status: 'denied' }, { jobTitle: 'Director' }, { status: 'denied', counter: 'updated', effect: null }],
    ['approved, department changed → Symbol user updated', { status: 'approved', symbolUserId: 's-1' }, { department: 'Sales' }, { status: 'approved', counter: 'updated', effect: { kind: 'update', symbolUserId: 's-1' } }],
    ['approved, renamed in Entra → same Symbol user follows', { status: 'approved', symbolUserId: 's-1' }, { mail: 'adele.smith@contoso.example', userPrincipalName: 'adele.smith@contoso.example', surname: 'Smith' }, { status: 'approved', counter: 'updated', effect: { kind: 'update', symbolUserId: 's-1' } }],
    ['approved, disabled → removal pending (applied after the guard)', { status: 'approved', symbolUserId: 's-1' }, { accountEnabled: false }, { status: 'approved', counter: 'updated', effect: null, extra: { pendingRemoval: { reason: 'disabled', runId: 'run-2', detectedAt: NOW }, deactivated: null } }],
    ['approved and deactivated, re-enabled → reactivated', { status: 'approved', symbolUserId: 's-1', deactivated: { reason: 'disabled', at: NOW }, attributes: person({ accountEnabled: false }) }, { accountEnabled: true }, { status: 'approved', counter: 'updated', effect: { kind: 'reactivate', symbolUserId: 's-1' }, extra: { deactivated: null } }],
    ['approved with a held removal, seen again → removal cleared', { status: 'approved', symbolUserId: 's-1', pendingRemoval: { reason: 'not_seen', runId: 'run-1', detectedAt: NOW } }, {}, { status: 'approved', counter: null, effect: null, extra: { pendingRemoval: null } }],
  ])('%s', (_name, current, changes, expected) => {
    const base = record(U, current, current.attributes ?? person());
    const d = put(only(diffPage([updated(changes)], stored(base), ctx({ settings: { exclude: { guests: true, disabled: false, unlicensed: false, roleAddresses: false } } })).decisions));
    expect(d.expectedEtag).toBe(`etag-${U}`);
    expect(d.record.status).toBe(expected.status);
    expect(d.counter).toBe(expected.counter);
    expect(d.effect).toEqual(expected.effect);
    expect(d.record.firstSeenAt).toBe(base.firstSeenAt);
    if (expected.extra) expect(d.record).toMatchObject(expected.extra);
  });

  it('excluded, then the settings no longer exclude it → new pending for the admin', () => {
    const base = record(U, { status: 'excluded', flags: ['guest'] }, person({ userType: 'Guest' }));
    const { decisions, newPending } = diffPage([updated({ jobTitle: 'Consultant' })], stored(base), ctx());
    expect(put(only(decisions))).toMatchObject({ counter: 'newPending', record: { status: 'pending', flags: ['guest'] } });
    expect(newPending).toEqual(['Adele Vance']);
  });

  it('an excluded user still excluded and unchanged is counted as excluded', () => {
    const base = record(U, { status: 'excluded', flags: ['guest'] }, person({ userType: 'Guest' }));
    const d = only(diffPage([parseDeltaItem(graphUser(U, person({ userType: 'Guest' })))], stored(base), ctx({ settings: { exclude: { guests: true, disabled: false, unlicensed: false, roleAddresses: false } } })).decisions);
    expect(d).toMatchObject({ kind: 'unchanged', counter: 'excluded' });
  });
});

describe('sync diff: removals', () => {
  it.each<[string, Partial<DirectoryUserRecord>, 'deleted' | 'changed', Decision['kind'], Partial<DirectoryUserRecord> | null]>([
    ['pending, hard-deleted → entry removed', {}, 'deleted', 'delete', null],
    ['pending, soft-deleted → entry removed', {}, 'changed', 'delete', null],
    ['excluded, deleted → entry removed', { status: 'excluded' }, 'deleted', 'delete', null],
    ['denied, soft-deleted → kept (a restore must not re-propose it)', { status: 'denied' }, 'changed', 'unchanged', null],
    ['denied, hard-deleted → removed', { status: 'denied' }, 'deleted', 'delete', null],
    ['approved, deleted → removal pending', { status: 'approved', symbolUserId: 's-1' }, 'deleted', 'put', { pendingRemoval: { reason: 'deleted', runId: 'run-2', detectedAt: NOW } }],
    ['approved, soft-deleted → removal pending', { status: 'approved', symbolUserId: 's-1' }, 'changed', 'put', { pendingRemoval: { reason: 'soft_deleted', runId: 'run-2', detectedAt: NOW } }],
    ['approved, already deactivated → nothing', { status: 'approved', symbolUserId: 's-1', deactivated: { reason: 'disabled', at: NOW } }, 'deleted', 'unchanged', null],
  ])('%s', (_name, current, reason, kind, expectedRecord) => {
    const d = only(diffPage([parseDeltaItem({ id: U, '@removed': { reason } })], stored(record(U, current)), ctx()).decisions);
    expect(d.kind).toBe(kind);
    if (d.kind === 'delete') expect(d).toEqual({ kind: 'delete', id: U, expectedEtag: `etag-${U}`, counter: 'removed' });
    if (expectedRecord) expect(put(d).record).toMatchObject(expectedRecord);
  });

  it('a removal of a user we never stored changes nothing', () => {
    expect(only(diffPage([parseDeltaItem({ id: 'ghost', '@removed': { reason: 'deleted' } })], new Map(), ctx()).decisions)).toMatchObject({ kind: 'unchanged' });
  });

  it('applying a removal deactivates the Symbol user and keeps the record', () => {
    const r = record(U, { status: 'approved', symbolUserId: 's-1', pendingRemoval: { reason: 'deleted', runId: 'run-2', detectedAt: NOW } });
    const applied = applyRemoval(r, '2026-11-27T11:00:00.000Z');
    expect(applied.deactivateSymbolUserId).toBe('s-1');
    expect(applied.record).toMatchObject({ status: 'approved', pendingRemoval: null, deactivated: { reason: 'deleted', at: '2026-11-27T11:00:00.000Z' } });
  });
});

describe('sync diff: replays and duplicates', () => {
  it('the same new user twice in a page → one create, counted once', () => {
    const item = parseDeltaItem(graphUser(U, person()));
    const { decisions, newPending } = diffPage([item, item], new Map(), ctx());
    expect(put(only(decisions))).toMatchObject({ expectedEtag: null, counter: 'newPending' });
    expect(newPending).toHaveLength(1);
  });

  it('new then updated in one page → one create with the latest attributes', () => {
    const { decisions } = diffPage([parseDeltaItem(graphUser(U, person())), parseDeltaItem({ id: U, jobTitle: 'CEO' })], new Map(), ctx());
    expect(put(only(decisions))).toMatchObject({ expectedEtag: null, counter: 'newPending', record: { attributes: { jobTitle: 'CEO' } } });
  });

  it('new then removed in one page → nothing at all', () => {
    const { decisions, newPending } = diffPage([parseDeltaItem(graphUser(U, person())), parseDeltaItem({ id: U, '@removed': { reason: 'deleted' } })], new Map(), ctx());
    expect(only(decisions).kind).toBe('unchanged');
    expect(newPending).toEqual([]);
  });

  it('replaying a page that was already applied is a no-op', () => {
    const items = [parseDeltaItem(graphUser(U, person())), parseDeltaItem(graphUser('u-2', person({ mail: 'b@contoso.example' })))];
    const first = diffPage(items, new Map(), ctx());
    const afterFirst = stored(...first.decisions.map((d) => put(d).record));
    const replay = diffPage(items, afterFirst, ctx());
    expect(replay.decisions.every((d) => d.kind === 'unchanged')).toBe(true);
    expect(replay.newPending).toEqual([]);
  });

  it('invalid items are reported and do not stop the page', () => {
    const { decisions } = diffPage([parseDeltaItem({ id: 'bad', mail: 5 }), parseDeltaItem(graphUser(U, person()))], new Map(), ctx());
    expect(decisions.map((d) => d.kind).sort()).toEqual(['invalid', 'put']);
  });
});

describe('deletion guard', () => {
  const settings = { deletionThresholdPercent: 20, deletionThresholdMinimum: 10 };
  it.each([
    [0, 100, false],
    [9, 20, false],
    [10, 100, false],
    [21, 100, true],
    [20, 100, false],
    [10, 40, true],
    [500, 1000, true],
  ])('%i removals of %i active users → hold %s', (removals, active, hold) => {
    expect(deletionGuardHolds(removals, active, settings)).toBe(hold);
  });

  it('a minimum of 0 and 0 % holds any removal; 100 % never holds', () => {
    expect(deletionGuardHolds(1, 1000, { deletionThresholdPercent: 0, deletionThresholdMinimum: 0 })).toBe(true);
    expect(deletionGuardHolds(1000, 1000, { deletionThresholdPercent: 100, deletionThresholdMinimum: 0 })).toBe(false);
  });
});
