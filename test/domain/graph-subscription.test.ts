import { coalescingWindow, GraphNotificationBatchSchema, lifecycleEventOf, needsRenewal, subscriptionExpiry, subscriptionUrls, SUBSCRIPTION_LIFETIME_MINUTES } from '../../src/domain/graph-subscription';
import { reconcileMode, spreadOffsetMs, syncUnderway } from '../../src/domain/reconciliation';
import { SyncState } from '../../src/domain/sync-state';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('subscriptions: pure rules', () => {
  it('asks for just under Graph’s 41,760-minute maximum', () => {
    expect(subscriptionExpiry(NOW)).toBe(new Date(NOW + 41_700 * 60_000).toISOString());
    expect(SUBSCRIPTION_LIFETIME_MINUTES).toBeLessThan(41_760);
  });

  it.each([
    ['expires in 3 days', NOW + 3 * DAY, false],
    ['expires in 49 hours', NOW + 49 * HOUR, false],
    ['expires in 48 hours', NOW + 48 * HOUR, true],
    ['expires in an hour', NOW + HOUR, true],
    ['expired', NOW - HOUR, true],
  ])('needsRenewal: %s → %s', (_name, at, expected) => {
    expect(needsRenewal(new Date(at).toISOString(), NOW)).toBe(expected);
  });
  it('needsRenewal: an unreadable expiry is renewed', () => {
    expect(needsRenewal('not a date', NOW)).toBe(true);
  });

  it('builds the webhook URLs from the public base (trailing slashes ignored)', () => {
    expect(subscriptionUrls('https://func.example.net/')).toEqual({ notificationUrl: 'https://func.example.net/api/graph/notifications', lifecycleNotificationUrl: 'https://func.example.net/api/graph/lifecycle' });
  });

  it.each([
    [NOW, 10, NOW / 10_000, NOW + 10_000],
    [NOW + 9_999, 10, NOW / 10_000, NOW + 10_000],
    [NOW + 10_000, 10, NOW / 10_000 + 1, NOW + 20_000],
    [NOW + 1, 60, Math.floor((NOW + 1) / 60_000), (Math.floor((NOW + 1) / 60_000) + 1) * 60_000],
  ])('coalescingWindow(%i, %is): bucket and the end of the window', (at, seconds, bucket, due) => {
    expect(coalescingWindow(at, seconds)).toEqual({ bucket, dueAt: new Date(due) });
  });

  it.each([
    ['reauthorizationRequired', 'reauthorizationRequired'],
    ['subscriptionRemoved', 'subscriptionRemoved'],
    ['missed', 'missed'],
    ['somethingNew', null],
    [undefined, null],
  ])('lifecycleEventOf(%s) → %s', (value, expected) => {
    expect(lifecycleEventOf(value)).toBe(expected);
  });

  it('notification batches keep the fields we act on and drop the ones Graph may add', () => {
    const parsed = GraphNotificationBatchSchema.parse({ value: [{ subscriptionId: 's', clientState: 'c', tenantId: 't', encryptedContent: { data: 'x' }, resourceData: { id: 'u' } }], validationTokens: ['x'] });
    expect(parsed).toEqual({ value: [{ subscriptionId: 's', clientState: 'c', tenantId: 't' }] });
    expect(GraphNotificationBatchSchema.safeParse({ value: [] }).success).toBe(false);
    expect(GraphNotificationBatchSchema.safeParse({ value: [{ subscriptionId: '' }] }).success).toBe(false);
  });
});

describe('reconciliation: pure rules', () => {
  const state = (overrides: Partial<SyncState> = {}): SyncState => ({ companyId: 'acme', connectionId: 'c1', deltaLink: 'https://graph/delta', lastFullRoundAt: new Date(NOW - DAY).toISOString(), removalsOutstanding: false, replacedConnection: false, round: null, updatedAt: new Date(NOW).toISOString(), ...overrides });

  it.each([
    ['never synced', null, 'full'],
    ['another connection', state({ connectionId: 'c0' }), 'full'],
    ['no delta cursor', state({ deltaLink: null }), 'full'],
    ['never a full round', state({ lastFullRoundAt: null }), 'full'],
    ['full round 8 days ago', state({ lastFullRoundAt: new Date(NOW - 8 * DAY).toISOString() }), 'full'],
    ['full round exactly 7 days ago', state({ lastFullRoundAt: new Date(NOW - 7 * DAY).toISOString() }), 'full'],
    ['full round 6 days ago', state({ lastFullRoundAt: new Date(NOW - 6 * DAY).toISOString() }), 'delta'],
    ['full round yesterday', state(), 'delta'],
  ])('reconcileMode: %s → %s', (_name, s, expected) => {
    expect(reconcileMode(s, 'c1', NOW, 7)).toBe(expected);
  });

  const last = (status: 'queued' | 'running' | 'succeeded' | 'failed' | 'held', agoMs: number) => ({ runId: 'r', status, trigger: 'manual', mode: 'delta' as const, queuedAt: new Date(NOW - agoMs).toISOString(), finishedAt: null });
  it.each([
    ['no sync yet', null, false],
    ['queued a minute ago', last('queued', 60_000), true],
    ['running for an hour', last('running', HOUR), true],
    ['"running" for 3 hours (presumed lost)', last('running', 3 * HOUR), false],
    ['succeeded', last('succeeded', 60_000), false],
    ['failed', last('failed', 60_000), false],
  ])('syncUnderway: %s → %s', (_name, lastSync, expected) => {
    expect(syncUnderway(lastSync, NOW)).toBe(expected);
  });

  it('spreadOffsetMs stays inside the window', () => {
    expect(spreadOffsetMs(123_456_789, 0)).toBe(0);
    expect(spreadOffsetMs(1_800_000 + 5, 1_800_000)).toBe(5);
    expect(spreadOffsetMs(-7, 1_000)).toBe(7);
  });
});
