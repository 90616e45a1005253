import { actorMatches, AuditEntrySchema, auditEntry, directoryUserTarget, settingsChanges, syncActor, userActor } from '../../src/domain/audit';
import { DEFAULT_SETTINGS } from '../../src/domain/integration-settings';
import { person } from './directory/fixtures';

const ALICE = userActor({ subject: 'alice-sub', email: 'alice@acme.example' });

describe('audit entries', () => {
  const deny = (at: string, id = 'e-1') =>
    auditEntry({ companyId: 'acme', at, actor: ALICE, action: 'deny', target: { type: 'directory_user', id, name: 'Adele', email: 'adele@contoso.example' }, details: { previousStatus: 'pending' } });

  it('have an id that starts with their time, so ids sort like times', () => {
    const earlier = deny('2026-11-27T09:59:59.999Z');
    const later = deny('2026-11-27T10:00:00.000Z');
    expect(earlier.id.startsWith('2026-11-27T09:59:59.999Z.')).toBe(true);
    expect(earlier.id < later.id).toBe(true);
    expect(AuditEntrySchema.parse(later)).toEqual(later);
  });

  it('the same entry twice has the same id (a retried write stores one); any difference gives another', () => {
    const at = '2026-11-27T10:00:00.000Z';
    expect(deny(at).id).toBe(deny(at).id);
    expect(deny(at, 'e-2').id).not.toBe(deny(at).id);
    const bySync = auditEntry({ companyId: 'acme', at, actor: syncActor('run-1'), action: 'deny', target: deny(at).target, details: { previousStatus: 'pending' } });
    expect(bySync.id).not.toBe(deny(at).id);
    const otherCompany = auditEntry({ ...deny(at), companyId: 'globex' });
    expect(otherCompany.id).not.toBe(deny(at).id);
  });

  it('name a directory user by display name and mailbox address, nothing more', () => {
    expect(directoryUserTarget({ id: 'e-1', attributes: person() })).toEqual({ type: 'directory_user', id: 'e-1', name: 'Adele Vance', email: 'Adele.Vance@contoso.example' });
    expect(directoryUserTarget({ id: 'e-2', attributes: person({ displayName: null, givenName: null, surname: null, mail: null, proxyAddresses: [], userPrincipalName: null }) })).toEqual({
      type: 'directory_user',
      id: 'e-2',
      name: null,
      email: null,
    });
  });

  it('refuse details that do not belong to their action', () => {
    const bad = { ...deny('2026-11-27T10:00:00.000Z'), details: { symbolUserId: 'x', merged: false, rule: null } };
    expect(AuditEntrySchema.safeParse(bad).success).toBe(false);
  });
});

describe('actor filter', () => {
  it.each([
    ['sync', syncActor('r'), true],
    ['sync', ALICE, false],
    ['alice-sub', ALICE, true],
    ['ALICE@acme.example', ALICE, true],
    ['alice', ALICE, false],
    ['run-1', syncActor('run-1'), false],
  ] as const)('%s matches %j: %s', (filter, actor, expected) => {
    expect(actorMatches(actor, filter)).toBe(expected);
  });
});

describe('settings changes', () => {
  it('lists each changed leaf with its value before and after; lists compare whole; nothing for no change', () => {
    const after = { ...DEFAULT_SETTINGS, autoApprove: 'clean' as const, exclude: { ...DEFAULT_SETTINGS.exclude, guests: true }, notifyEmails: ['sec@acme.example'] };
    expect(settingsChanges(DEFAULT_SETTINGS, after)).toEqual({
      autoApprove: { before: 'off', after: 'clean' },
      'exclude.guests': { before: false, after: true },
      notifyEmails: { before: [], after: ['sec@acme.example'] },
    });
    expect(settingsChanges(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS })).toEqual({});
  });

  it('names a setting that appears or disappears (a newer settings shape) whole, with null on the missing side', () => {
    expect(settingsChanges({ a: 1 }, { a: 1, scope: { groups: ['g-1'], domains: [] } })).toEqual({ scope: { before: null, after: { groups: ['g-1'], domains: [] } } });
    expect(settingsChanges({ a: 1, old: true }, { a: 2 })).toEqual({ a: { before: 1, after: 2 }, old: { before: true, after: null } });
  });
});
