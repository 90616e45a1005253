import { entryReasons } from '../../../src/domain/directory/reasons';
import { ScopeSettingsSchema } from '../../../src/domain/directory/scope';
import { DEFAULT_SETTINGS } from '../../../src/domain/integration-settings';
import { person, record } from './fixtures';

/** Every entry says why it is where it is: one reason per rule, in words and as a code. */

const codes = (reasons: Array<{ code: string }>) => reasons.map((r) => r.code);
const SALES = '11111111-1111-4111-8111-111111111111';

describe('reasons of an entry', () => {
  it('pending: its flags, then why it waits', () => {
    const guest = record('u', { status: 'pending', flags: ['guest'], attributes: person({ userType: 'Guest' }) });
    expect(codes(entryReasons(guest, DEFAULT_SETTINGS))).toEqual(['guest', 'pending.review']);
    expect(codes(entryReasons(guest, { ...DEFAULT_SETTINGS, autoApprove: 'clean' }))).toEqual(['guest', 'pending.not_auto']);
    const room = record('r', { status: 'pending', flags: ['disabled', 'unlicensed', 'resource_mailbox'] });
    expect(codes(entryReasons(room, { ...DEFAULT_SETTINGS, autoApprove: 'clean_or_matched' }))).toContain('pending.never_auto');
  });

  it('excluded: the setting that excludes it, naming the data', () => {
    const reasons = entryReasons(record('u', { status: 'excluded', flags: ['guest'], attributes: person({ userType: 'Guest' }) }), { ...DEFAULT_SETTINGS, exclude: { ...DEFAULT_SETTINGS.exclude, guests: true } });
    expect(codes(reasons)).toEqual(['guest', 'excluded.guests']);
    expect(reasons[1]?.text).toBe('Excluded: a guest account (user type Guest), and the setting exclude.guests is on.');
  });

  it('excluded by an earlier setting that no longer applies says so', () => {
    expect(codes(entryReasons(record('u', { status: 'excluded', flags: ['guest'] }), DEFAULT_SETTINGS))).toEqual(['guest', 'excluded.settings_changed']);
  });

  it('out of scope: which rule, with the groups by name and the domain', () => {
    const settings = { ...DEFAULT_SETTINGS, scope: ScopeSettingsSchema.parse({ groups: [SALES], domains: ['contoso.example'] }) };
    const byGroup = entryReasons(record('u', { status: 'excluded', scope: { rule: 'group', domain: 'contoso.example' } }), settings, new Map([[SALES, 'Sales']]));
    expect(byGroup).toEqual([{ code: 'scope.out_of_groups', text: "Out of scope: not a member of the scope's groups (Sales), directly or through a nested group." }]);
    const byDomain = entryReasons(record('u', { status: 'excluded', scope: { rule: 'domain', domain: 'fabrikam.example' } }), settings);
    expect(byDomain[0]?.text).toContain('fabrikam.example is not one of the scope');
    expect(codes(entryReasons(record('u', { status: 'excluded', scope: { rule: 'groups_unreadable', domain: null } }), settings))).toEqual(['scope.groups_unreadable']);
  });

  it('approved: by an admin or by auto-approval (which rule), then deactivation or a held removal', () => {
    expect(codes(entryReasons(record('u', { status: 'approved', decidedBy: 'sub-1', decidedAt: '2026-11-20T10:00:00.000Z' }), DEFAULT_SETTINGS))).toEqual(['approved.admin']);
    expect(codes(entryReasons(record('u', { status: 'approved', decidedBy: 'auto-approval' }), DEFAULT_SETTINGS))).toEqual(['auto_approved.clean']);
    expect(codes(entryReasons(record('u', { status: 'approved', flags: ['unlicensed'], decidedBy: 'auto-approval' }), DEFAULT_SETTINGS))).toEqual(['unlicensed', 'auto_approved.matched']);
    const gone = entryReasons(record('u', { status: 'approved', decidedBy: 'x', deactivated: { reason: 'out_of_scope', at: '2026-11-25T10:00:00.000Z' } }), DEFAULT_SETTINGS);
    expect(gone[1]).toEqual({ code: 'deactivated.out_of_scope', text: 'Deactivated on 2026-11-25: left the sync scope (training history kept).' });
    const held = entryReasons(record('u', { status: 'approved', decidedBy: 'x', pendingRemoval: { reason: 'deleted', runId: 'r', detectedAt: '2026-11-25T10:00:00.000Z' } }), DEFAULT_SETTINGS);
    expect(codes(held)).toEqual(['approved.admin', 'deactivation.held']);
  });

  it('denied: who decided is in the audit trail; the reason says it can be restored', () => {
    expect(entryReasons(record('u', { status: 'denied', decidedBy: 'sub', decidedAt: '2026-11-21T10:00:00.000Z' }), DEFAULT_SETTINGS)).toEqual([
      { code: 'denied.admin', text: 'Denied by an admin on 2026-11-21: never proposed again; it can be restored.' },
    ]);
  });
});
