import { describe, expect, it } from 'vitest';
import { type Settings, SettingsSchema, SyncRunSchema } from '../src/api/schemas';
import { groupName, knowsGroupName, rememberGroupNames } from '../src/logic/group-names';
import { firstCategory, isPreviewCategory, previewCounts, previewStage } from '../src/logic/preview';
import { REVIEW_TABS, reviewTab, tabLabel } from '../src/logic/review-tabs';
import { previewSummary, runKindLabel } from '../src/logic/runs';
import { changeLine, patchFor, settingsDiff, settingValue } from '../src/logic/settings-changes';
import { fieldErrors, toForm, toPatch } from '../src/logic/settings-form';
import { groupSearchErrorText, reasonIntent, reasonLabel, scopeStateMessage, splitReasons } from '../src/logic/words';
import { MemoryStore } from './memory-store';

const PILOT = '6a0c1e2f-0000-4000-8000-000000000001';
const SALES = '6a0c1e2f-0000-4000-8000-000000000002';

/** Settings as the API answers them before scope existed: the console fills in the defaults. */
const CURRENT: Settings = SettingsSchema.parse({
  autoApprove: 'off',
  exclude: { guests: false, disabled: false, unlicensed: false, roleAddresses: false },
  roleAddressPatterns: ['info'],
  notifyEmails: [],
  deletionThresholdPercent: 20,
  deletionThresholdMinimum: 10,
});

describe('the scope in the settings form', () => {
  it('defaults to everyone and importing on connect when the API does not say', () => {
    expect(CURRENT.scope).toEqual({ groups: [], domains: [] });
    expect(CURRENT.importOnConnect).toBe(true);
  });

  it('sends the picked groups, the domains as typed (one per line, a leading @ dropped) and importOnConnect', () => {
    const form = { ...toForm(CURRENT), scopeGroups: [PILOT, SALES], scopeDomains: '@contoso.com\n\n fabrikam.com , ', importOnConnect: false };
    expect(toPatch(form)).toMatchObject({ scope: { groups: [PILOT, SALES], domains: ['contoso.com', 'fabrikam.com'] }, importOnConnect: false });
  });

  it('puts the API’s scope errors at the scope fields, also when they come from a preview’s body', () => {
    const form = { ...toForm(CURRENT), scopeGroups: [PILOT], scopeDomains: 'contoso.com\nnot a domain', notifyEmails: 'x' };
    expect(
      fieldErrors(
        [
          { field: 'scope.domains.1', message: 'must be a domain name such as contoso.com' },
          { field: 'settings.scope.groups', message: 'Too big: expected array to have <=20 items' },
          { field: 'settings.scope.groups.0', message: 'Invalid UUID' },
          { field: 'settings.notifyEmails.0', message: 'Invalid email address' },
          { field: 'importOnConnect', message: 'Invalid input: expected boolean' },
          { field: 'scope.colour', message: 'is not a known field' },
        ],
        form,
      ),
    ).toEqual({
      scopeDomains: '"not a domain": must be a domain name such as contoso.com',
      scopeGroups: 'Too big: expected array to have <=20 items; Group 1: Invalid UUID',
      notifyEmails: '"x": Invalid email address',
      importOnConnect: 'Invalid input: expected boolean',
      form: 'is not a known field',
    });
  });
});

describe('settings as changes', () => {
  const names = (id: string) => (id === PILOT ? 'Security Awareness Pilot' : id);

  it('lists what differs, setting by setting, in words (an empty scope is everyone)', () => {
    const proposed: Settings = { ...CURRENT, exclude: { ...CURRENT.exclude, guests: true }, scope: { groups: [PILOT], domains: [] }, importOnConnect: false };
    const changes = settingsDiff(CURRENT, proposed);
    expect(changes.map((c) => c.path)).toEqual(['exclude.guests', 'scope.groups', 'importOnConnect']);
    expect(changes.map((c) => changeLine(c.path, c.before, c.after, names))).toEqual([
      'Exclude guests: no → yes',
      'Scope: members of the groups: everyone → Security Awareness Pilot',
      'Start the first import on connect: yes → no',
    ]);
    expect(settingsDiff(proposed, proposed)).toEqual([]);
  });

  it('turns the difference into the PATCH that applies it, with only what differs', () => {
    const proposed: Settings = { ...CURRENT, autoApprove: 'clean', exclude: { ...CURRENT.exclude, guests: true }, scope: { groups: [], domains: ['contoso.com'] } };
    expect(patchFor(CURRENT, proposed)).toEqual({ autoApprove: 'clean', exclude: { guests: true }, scope: { domains: ['contoso.com'] } });
    expect(patchFor(CURRENT, CURRENT)).toEqual({});
  });

  it('says values as people read them', () => {
    expect(settingValue('autoApprove', 'clean_or_matched')).toBe('Either of the two');
    expect(settingValue('notifyEmails', [])).toBe('none');
    expect(settingValue('scope.domains', [])).toBe('everyone');
    expect(settingValue('scope.groups', [PILOT, SALES], names)).toBe(`Security Awareness Pilot, ${SALES}`);
    expect(settingValue('deletionThresholdPercent', null)).toBe('—');
  });
});

describe('group names remembered for the tab', () => {
  it('names groups it has seen, shortens the id of others, and ignores names not read yet', () => {
    const store = new MemoryStore();
    expect(groupName(store, PILOT)).toBe('Group 6a0c1e2f…');
    rememberGroupNames(store, [{ id: PILOT, displayName: 'Security Awareness Pilot' }, { id: SALES, displayName: null }]);
    expect(groupName(store, PILOT)).toBe('Security Awareness Pilot');
    expect([knowsGroupName(store, PILOT), knowsGroupName(store, SALES)]).toEqual([true, false]);
    rememberGroupNames(store, [{ id: PILOT, displayName: 'Pilot (renamed)' }]);
    expect(groupName(store, PILOT)).toBe('Pilot (renamed)');
  });

  it('keeps the 500 latest and survives a store it cannot read', () => {
    const store = new MemoryStore();
    rememberGroupNames(store, Array.from({ length: 501 }, (_, i) => ({ id: `g-${String(i)}`, displayName: `Group ${String(i)}` })));
    expect([knowsGroupName(store, 'g-0'), knowsGroupName(store, 'g-1'), knowsGroupName(store, 'g-500')]).toEqual([false, true, true]);
    store.setItem('symbol-console-group-names', '{not json');
    expect(groupName(store, 'g-1')).toBe('Group g-1…');
    rememberGroupNames(store, [{ id: PILOT, displayName: 'Pilot' }]);
    expect(groupName(store, PILOT)).toBe('Pilot');
  });
});

describe('the scope’s state in words', () => {
  it.each([
    ['everyone', 'info', /every user of the directory is synced/],
    ['applied', 'success', /last sync applied this scope/],
    ['pending', 'warning', /next sync applies it/],
    ['groups_unreadable', 'error', /GroupMember\.Read\.All.*Reconnect/],
    ['something_new', 'info', /something_new/],
  ])('%s', (state, intent, text) => {
    const message = scopeStateMessage({ state, untrackedGroups: 0 });
    expect(message.intent).toBe(intent);
    expect(message.text).toMatch(text);
  });

  it('says when nested groups are too deep to follow', () => {
    expect(scopeStateMessage({ state: 'applied', untrackedGroups: 3 }).text).toMatch(/3 nested groups are too deep to follow/);
  });

  it('explains why groups cannot be searched', () => {
    expect(groupSearchErrorText('not_connected', 'x')).toMatch(/Connect Entra ID first/);
    expect(groupSearchErrorText('group_permission_missing', 'x')).toMatch(/GroupMember\.Read\.All/);
    expect(groupSearchErrorText('validation_failed', 'search is too long')).toBe('search is too long');
  });
});

describe('reasons', () => {
  it('labels each rule short, and flags by their own label', () => {
    expect(reasonLabel('scope.out_of_groups')).toBe('Outside the scope’s groups');
    expect(reasonLabel('excluded.guests')).toBe('Excluded: guest');
    expect(reasonLabel('deactivated.out_of_scope')).toBe('Deactivated: left the sync scope');
    expect(reasonLabel('removed.deleted')).toBe('Leaves the list: deleted');
    expect(reasonLabel('guest')).toBe('Guest');
    expect(reasonLabel('brand.new')).toBe('brand.new');
  });

  it('colours what keeps a user out or takes them away', () => {
    expect(['scope.groups_unreadable', 'deactivated.deleted', 'removed.not_seen'].map(reasonIntent)).toEqual(['error', 'error', 'error']);
    expect(['excluded.guests', 'scope.out_of_domains', 'denied.admin', 'pending.never_auto'].map(reasonIntent)).toEqual(['warning', 'warning', 'warning', 'warning']);
    expect(['approved.admin', 'auto_approved.clean', 'merged.address'].map(reasonIntent)).toEqual(['success', 'success', 'success']);
    expect(reasonIntent('pending.review')).toBe('info');
  });

  it('splits an entry’s reasons into its flags and the rules that decided', () => {
    const reasons = [
      { code: 'guest', text: 'Guest account' },
      { code: 'excluded.guests', text: 'Excluded: a guest account' },
      { code: 'scope.out_of_groups', text: 'Out of scope' },
    ];
    expect(splitReasons(reasons)).toEqual({ flags: [reasons[0]], rules: [reasons[1], reasons[2]] });
  });
});

function run(overrides: Record<string, unknown>) {
  return SyncRunSchema.parse({ runId: 'r1', trigger: 'manual', mode: 'full', status: 'succeeded', queuedAt: '2026-11-27T10:00:00.000Z', startedAt: null, finishedAt: null, counts: {}, error: null, ...overrides });
}

describe('previews', () => {
  const settings = { ...CURRENT };

  it('lists merged auto-approvals apart, and held deactivations as deactivations', () => {
    const preview = run({ dryRun: true, counts: { scanned: 100, newPending: 5, autoApproved: 7, excluded: 80, updated: 1, removed: 2, deactivated: 0, held: 12 }, preview: { merged: 3, wouldHold: true, proposedSettings: true, settings } });
    expect(previewCounts(preview)).toEqual({ newPending: 5, autoApproved: 4, merged: 3, updated: 1, deactivated: 12, excluded: 80, removed: 2 });
    const released = run({ dryRun: true, counts: { deactivated: 2, held: 0 }, preview: { merged: 0, wouldHold: false, proposedSettings: false, settings } });
    expect(previewCounts(released).deactivated).toBe(2);
  });

  it('opens the first category that lists anybody', () => {
    expect(firstCategory({ newPending: 0, autoApproved: 0, merged: 0, updated: 0, deactivated: 0, excluded: 9, removed: 1 })).toBe('excluded');
    expect(firstCategory({ newPending: 0, autoApproved: 0, merged: 0, updated: 0, deactivated: 0, excluded: 0, removed: 0 })).toBe('newPending');
    expect([isPreviewCategory('merged'), isPreviewCategory('everyone')]).toEqual([true, false]);
  });

  it('knows where a preview stands, and that a sync is none', () => {
    expect(previewStage(run({ dryRun: true, status: 'queued' }))).toBe('running');
    expect(previewStage(run({ dryRun: true, status: 'running' }))).toBe('running');
    expect(previewStage(run({ dryRun: true, status: 'succeeded' }))).toBe('ready');
    expect(previewStage(run({ dryRun: true, status: 'failed' }))).toBe('failed');
    expect(previewStage(run({ status: 'succeeded' }))).toBe('not_a_preview');
  });

  it('names previews in the run history, with what they would do', () => {
    expect(runKindLabel(run({ dryRun: true }))).toBe('Preview');
    expect(runKindLabel(run({ trigger: 'webhook' }))).toBe('Directory change');
    expect(previewSummary({ scanned: 9, newPending: 2, excluded: 7 })).toBe('Would be 2 new, 7 excluded');
    expect(previewSummary({ scanned: 9 })).toBe('Would change nothing');
  });
});

describe('the review list’s tabs', () => {
  it('lists pending, denied, excluded and approved entries, each with what an admin can do', () => {
    expect(REVIEW_TABS.map((t) => [t.status, t.actions])).toEqual([
      ['pending', ['approve', 'deny']],
      ['denied', ['restore']],
      ['excluded', ['deny']],
      ['approved', []],
    ]);
    expect(reviewTab('excluded').tableLabel).toBe('Excluded users');
    expect(reviewTab('nonsense').status).toBe('pending');
  });

  it('counts what the status counts', () => {
    const counts = { pending: 12, denied: 0, excluded: 1080 };
    expect(REVIEW_TABS.map((t) => tabLabel(t, counts))).toEqual(['Pending (12)', 'Denied (0)', 'Excluded (1,080)', 'Approved']);
    expect(tabLabel(reviewTab('pending'), undefined)).toBe('Pending');
  });
});
