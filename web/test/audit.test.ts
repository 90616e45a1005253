import { describe, expect, it } from 'vitest';
import { AuditEntrySchema, type AuditEntry } from '../src/api/schemas';
import { actorText, auditQuery, dayStart, describeEntry, filtersProblem, NO_FILTERS } from '../src/logic/audit';
import { mergeUndoErrorText } from '../src/logic/words';

const ADMIN = { type: 'user' as const, subject: 'sub-1', email: 'alex@acme.example' };
const SYNC = { type: 'sync' as const, runId: '1a2b3c4d-5e6f-4711-8899-aabbccddeeff' };
const ADELE = { type: 'directory_user', id: 'e-1', name: 'Adele Vance', email: 'adele@contoso.example' };

function entry(action: string, details: Record<string, unknown>, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return AuditEntrySchema.parse({ id: `2026-11-27T10:00:00.000Z.${action}`, at: '2026-11-27T10:00:00.000Z', action, actor: ADMIN, target: ADELE, details, ...overrides });
}

describe('who, in words', () => {
  it('an admin by e-mail (or subject when the token had none); the sync by its run', () => {
    expect(actorText(ADMIN)).toEqual({ name: 'alex@acme.example', note: null });
    expect(actorText({ type: 'user', subject: 'sub-9', email: null })).toEqual({ name: 'sub-9', note: 'no e-mail in the token' });
    expect(actorText(SYNC)).toEqual({ name: 'Entra ID sync', note: 'run 1a2b3c4d' });
  });
});

describe('what, in words', () => {
  const integration = { type: 'integration', id: 'acme', name: null, email: null };

  it.each<[string, AuditEntry, string, string[]]>([
    ['connect', entry('connect', { tenantId: 't-2', previousTenantId: 't-1', consentedBy: { objectId: 'o', username: 'ga@contoso.example' } }, { target: integration }), 'Connected Entra ID', ['Directory (tenant) t-2', 'Replaced the connection to tenant t-1', 'Consent granted by ga@contoso.example']],
    ['disconnect', entry('disconnect', { tenantId: 't-2' }, { target: integration }), 'Disconnected Entra ID', ['It was connected to tenant t-2']],
    [
      'settings_change',
      entry('settings_change', { changes: { autoApprove: { before: 'off', after: 'clean' }, 'exclude.guests': { before: false, after: true }, notifyEmails: { before: [], after: ['a@x.example', 'b@x.example'] }, deletionThresholdPercent: { before: 20, after: 5 }, 'scope.groups': { before: null, after: ['g-1'] } } }, { target: integration }),
      'Changed the settings',
      ['Auto-approve: Off → Users without flags', 'Exclude guests: no → yes', 'Who gets integration e-mails: none → a@x.example, b@x.example', 'Hold deactivations above this share (%): 20 → 5', 'Scope: members of the groups: — → g-1'],
    ],
    ['approve (merged)', entry('approve', { symbolUserId: 's-1', merged: true, rule: null }), 'Approved Adele Vance (adele@contoso.example)', ['Merged with an existing Symbol user']],
    ['approve (rule applied)', entry('approve', { symbolUserId: 's-1', merged: false, rule: 'clean' }), 'Approved Adele Vance (adele@contoso.example)', ['By applying the auto-approve rule “Users without flags” to users already waiting']],
    ['auto_approve', entry('auto_approve', { symbolUserId: 's-1', merged: false, rule: 'matched' }, { actor: SYNC }), 'Approved Adele Vance (adele@contoso.example) automatically', ['Rule: Users matching an existing Symbol user']],
    ['deny (excluded)', entry('deny', { previousStatus: 'excluded' }), 'Denied Adele Vance (adele@contoso.example)', ['It was excluded by the settings']],
    ['restore', entry('restore', {}), 'Restored Adele Vance (adele@contoso.example) to pending', []],
    [
      'merge',
      entry('merge', { entraObjectId: 'e-1', changed: { givenName: { before: 'Hand', after: 'Adele' }, status: { before: 'inactive', after: 'active' }, entraObjectId: { before: null, after: 'e-1' } } }, { target: { type: 'symbol_user', id: 's-1', name: 'Adele Vance', email: 'adele@contoso.example' } }),
      'Merged Adele Vance (adele@contoso.example) with its directory user',
      ['First name: Hand → Adele', 'Status: Inactive → Active', 'Entra object id: — → e-1'],
    ],
    [
      'merge_undo',
      entry('merge_undo', { entraObjectId: 'e-1', mergedAt: '2026-11-20T10:00:00.000Z', restored: { givenName: { before: 'Adele', after: 'Hand' } }, returnedToPending: true, emailKept: true }, { target: { type: 'symbol_user', id: 's-1', name: 'Hand Added', email: 'hand@acme.example' } }),
      'Undid the merge of Hand Added (hand@acme.example)',
      ['First name: Adele → Hand', 'The directory user waits in Pending approval again', 'The e-mail address stayed: the old one belongs to another user now'],
    ],
    ['held_release', entry('held_release', { runId: '9f8e7d6c-0000', held: 3 }, { target: integration }), 'Released 3 held deactivations', ['Applied by sync run 9f8e7d6c']],
    ['deactivate', entry('deactivate', { entraObjectId: 'e-1', reason: 'soft_deleted', released: true }, { actor: SYNC }), 'Deactivated Adele Vance (adele@contoso.example)', ['In Entra ID: Deleted (recycle bin)', 'Held by the safety threshold, then released by an admin']],
    ['reactivate', entry('reactivate', { entraObjectId: 'e-1' }, { actor: SYNC }), 'Reactivated Adele Vance (adele@contoso.example)', ['Back in Entra ID (enabled or restored)']],
    ['an action this console does not know', entry('archive', {}, { target: { type: 'x', id: 'x-1', name: null, email: null } }), 'archive: x-1', []],
  ])('%s', (_name, e, what, details) => {
    expect(describeEntry(e)).toEqual({ what, details });
  });
});

describe('the audit page’s filters', () => {
  it('asks for what is set, the end day included (up to the next day’s start in the browser’s time zone)', () => {
    expect(auditQuery(NO_FILTERS, 50, null)).toBe('audit?limit=50');
    const from = new Date(2026, 10, 1).toISOString();
    const to = new Date(2026, 10, 28).toISOString();
    const query = new URLSearchParams(auditQuery({ action: 'merge_undo', who: 'person', person: ' alex@acme.example ', from: '2026-11-01', to: '2026-11-27' }, 100, 'abc').split('?')[1]);
    expect(Object.fromEntries(query)).toEqual({ limit: '100', action: 'merge_undo', actor: 'alex@acme.example', from, to, cursor: 'abc' });
    expect(new URLSearchParams(auditQuery({ ...NO_FILTERS, who: 'sync' }, 50, null).split('?')[1]).get('actor')).toBe('sync');
  });

  it('reads a calendar day, nothing else', () => {
    expect(dayStart('2026-02-28', 1)).toBe(new Date(2026, 2, 1).toISOString());
    expect(dayStart('')).toBeNull();
    expect(dayStart('28/02/2026')).toBeNull();
  });

  it('says what to fix before asking', () => {
    expect(filtersProblem(NO_FILTERS)).toBeNull();
    expect(filtersProblem({ ...NO_FILTERS, who: 'person', person: '  ' })).toMatch(/e-mail address/);
    expect(filtersProblem({ ...NO_FILTERS, from: '2026-11-27', to: '2026-11-26' })).toMatch(/before the start/);
    expect(filtersProblem({ ...NO_FILTERS, from: '2026-11-27', to: '2026-11-27' })).toBeNull();
  });
});

describe('undo merge errors in words', () => {
  it.each([
    ['not_merged', /nothing to undo/],
    ['undo_expired', /30 days/],
    ['not_found', /no longer exists/],
    ['conflict', /^Nothing was changed\. The address is taken\.$/],
    ['dependency_unavailable', /could not be undone \(dependency_unavailable\)/],
  ])('%s', (code, words) => {
    expect(mergeUndoErrorText(code, 'The address is taken.')).toMatch(words);
  });
});
