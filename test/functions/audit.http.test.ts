import { HttpResponseInit } from '@azure/functions';
import { HttpFunction } from '../../src/app/function-registry';
import { AuditEntry } from '../../src/domain/audit';
import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { connect, newIntegration } from '../../src/domain/integration';
import { auditList } from '../../src/functions/audit-list.http';
import { entraDisconnect } from '../../src/functions/entra-disconnect.http';
import { entraHeldRelease } from '../../src/functions/entra-held-release.http';
import { entraSettingsPatch } from '../../src/functions/entra-settings-patch.http';
import { pendingUsersApplyAutoApprove } from '../../src/functions/pending-users-apply-auto-approve.http';
import { pendingUsersApprove } from '../../src/functions/pending-users-approve.http';
import { pendingUsersDeny } from '../../src/functions/pending-users-deny.http';
import { pendingUsersRestore } from '../../src/functions/pending-users-restore.http';
import { usersCreate } from '../../src/functions/users.http';
import { person, record } from '../domain/directory/fixtures';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

/**
 * The audit trail through the real handlers: every admin decision records who (the token's
 * subject and e-mail), when (the injected clock) and what; `GET …/audit` filters and pages it.
 * The sync's own entries (auto-approval, deactivation, reactivation) are recorded by the sync
 * worker: test/use-cases/audit-sync.integration.test.ts.
 */

const TENANT = '0f8fad5b-d9cb-469f-a165-70867728950e';
const ADMIN = { type: 'user', subject: 'admin-9', email: 'nine@acme.example' };
const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;
type View = Omit<AuditEntry, 'companyId'>;

describe('the audit trail of admin decisions', () => {
  let h: TestHarness;
  let token: string;
  let logs: string[];

  const seed = async (companyId: string, ...records: DirectoryUserRecord[]) => {
    await h.directoryUsers.write(companyId, records.map((r) => ({ op: 'put' as const, record: { ...r, companyId }, expected: null })));
  };
  const call = (fn: HttpFunction, method: string, path: string, body?: string, companyId = 'acme', as = token) =>
    fn.handle(request({ method, path: `companies/${companyId}/${path}`, params: { companyId }, token: as, ...(body !== undefined ? { body } : {}) }), context('test', logs), h.services);
  const audit = async (query = '', companyId = 'acme'): Promise<{ items: View[]; nextCursor: string | null }> => {
    const response = await call(auditList, 'GET', `audit${query ? `?${query}` : ''}`, undefined, companyId);
    expect(response.status).toBe(200);
    return json(response) as { items: View[]; nextCursor: string | null };
  };
  const tick = () => {
    h.clock.advance(1000);
  };
  const mail = (name: string) => `${name.toLowerCase().replace(' ', '.')}@contoso.example`;
  const named = (name: string, extra: Parameters<typeof person>[0] = {}) =>
    person({ displayName: name, givenName: name.split(' ')[0] ?? null, surname: name.split(' ')[1] ?? null, mail: mail(name), userPrincipalName: mail(name), proxyAddresses: [], otherMails: [], ...extra });

  beforeEach(async () => {
    h = await createTestHarness();
    logs = [];
    token = await h.signer.sign({ companies: ['acme', 'globex'], sub: 'admin-9', email: 'Nine@Acme.example' });
    const nowIso = h.clock.now().toISOString();
    await h.integrations.save(connect(newIntegration('acme', nowIso), { tenantId: TENANT, admin: { subject: 's', email: 'admin@acme.example' }, nowIso, newConnectionId: 'conn-acme' }).integration, null);
    await seed('acme', record('u-adele', {}, named('Adele Vance')), record('u-ben', {}, named('Ben Walters')), record('u-cara', {}, named('Cara Diaz')));
  });

  it('records approve, deny and restore per user, and a merge as a change of the Symbol user, with who, when and what', async () => {
    const hand = json(await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'BEN.walters@contoso.example', givenName: 'Benny', customFields: { course: 'Phishing 101' } })));
    const approvedAt = h.clock.now().toISOString();
    await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-adele', 'u-ben'] }));
    tick();
    const deniedAt = h.clock.now().toISOString();
    await call(pendingUsersDeny, 'POST', 'pending-users/deny', JSON.stringify({ ids: ['u-cara'] }));
    tick();
    await call(pendingUsersRestore, 'POST', 'pending-users/restore', JSON.stringify({ ids: ['u-cara'] }));

    const { items } = await audit();
    const keys = items.map((e) => `${e.action}:${e.target.id}`);
    expect(keys.slice(0, 2)).toEqual(['restore:u-cara', 'deny:u-cara']);
    // Made at the same instant: in the order of their ids' digests.
    expect(keys.slice(2).sort()).toEqual(['approve:u-adele', 'approve:u-ben', `merge:${String(hand.id)}`]);
    expect(items.find((e) => e.action === 'deny')).toEqual({
      id: expect.stringMatching(new RegExp(`^${deniedAt.replace(/\./g, '\\.')}\\.`)) as unknown,
      at: deniedAt,
      actor: ADMIN,
      action: 'deny',
      target: { type: 'directory_user', id: 'u-cara', name: 'Cara Diaz', email: 'cara.diaz@contoso.example' },
      details: { previousStatus: 'pending' },
    });
    expect(items.find((e) => e.action === 'approve' && e.target.id === 'u-ben')).toMatchObject({ at: approvedAt, actor: ADMIN, details: { symbolUserId: hand.id, merged: true, rule: null } });
    expect(items.find((e) => e.action === 'approve' && e.target.id === 'u-adele')).toMatchObject({ details: { symbolUserId: 'entra-u-adele', merged: false, rule: null } });
    expect(items.find((e) => e.action === 'merge')).toMatchObject({
      at: approvedAt,
      actor: ADMIN,
      target: { type: 'symbol_user', id: hand.id, name: 'Ben Walters', email: 'ben.walters@contoso.example' },
      details: { entraObjectId: 'u-ben', changed: { givenName: { before: 'Benny', after: 'Ben' }, surname: { before: null, after: 'Walters' }, entraObjectId: { before: null, after: 'u-ben' } } },
    });
    // Nothing about training data: the merge never touches it, and the trail carries no custom field.
    expect(JSON.stringify(items)).not.toContain('Phishing 101');

    // Repeating decisions that are already made records nothing more.
    await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-adele', 'u-ben'] }));
    await call(pendingUsersRestore, 'POST', 'pending-users/restore', JSON.stringify({ ids: ['u-cara'] }));
    expect((await audit()).items).toHaveLength(5);
  });

  it('a bulk decision of 1,000 users is one write to the trail, not 1,000', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    await seed('acme', ...ids.map((id) => record(id, {}, named(`Person ${id}`))));
    const calls = h.audit.recordCalls;
    const response = json(await call(pendingUsersDeny, 'POST', 'pending-users/deny', JSON.stringify({ ids })));
    expect((response.denied as string[]).length).toBe(1000);
    expect(h.audit.recordCalls - calls).toBe(1);
    expect(h.audit.of('acme')).toHaveLength(1000);
  });

  it('records applying the auto-approve rule as the admin’s approvals, naming the rule', async () => {
    await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ autoApprove: 'clean' }));
    await call(pendingUsersApplyAutoApprove, 'POST', 'pending-users/apply-auto-approve', '{}');
    const approvals = (await audit('action=approve')).items;
    expect(approvals).toHaveLength(3);
    for (const entry of approvals) expect(entry).toMatchObject({ actor: ADMIN, details: { rule: 'clean', merged: false } });
    // A dry run decides nothing, so records nothing.
    await seed('acme', record('u-dan', {}, named('Dan Ito')));
    await call(pendingUsersApplyAutoApprove, 'POST', 'pending-users/apply-auto-approve', '{"dryRun":true}');
    expect((await audit('action=approve')).items).toHaveLength(3);
  });

  it('records a settings change with each changed setting before and after; a change to nothing is no entry', async () => {
    await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ exclude: { guests: true }, notifyEmails: ['sec@acme.example'], deletionThresholdPercent: 5 }));
    await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ exclude: { guests: true } }));
    await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ robots: true }));
    const { items } = await audit('action=settings_change');
    expect(items).toEqual([
      expect.objectContaining({
        actor: ADMIN,
        target: { type: 'integration', id: 'acme', name: null, email: null },
        details: { changes: { 'exclude.guests': { before: false, after: true }, notifyEmails: { before: [], after: ['sec@acme.example'] }, deletionThresholdPercent: { before: 20, after: 5 } } },
      }),
    ]);
  });

  it('records disconnect (once) and the release of held deactivations with how many were held', async () => {
    await seed(
      'acme',
      record('u-gone', { status: 'approved', symbolUserId: 'entra-u-gone', pendingRemoval: { reason: 'deleted', runId: 'run-1', detectedAt: '2026-11-27T09:00:00.000Z' } }, named('Gone Person')),
      record('u-off', { status: 'approved', symbolUserId: 'entra-u-off', pendingRemoval: { reason: 'disabled', runId: 'run-1', detectedAt: '2026-11-27T09:00:00.000Z' } }, named('Off Person')),
    );
    const released = json(await call(entraHeldRelease, 'POST', 'entra/held-deactivations/release'));
    tick();
    expect((await call(entraDisconnect, 'DELETE', 'entra')).status).toBe(204);
    expect((await call(entraDisconnect, 'DELETE', 'entra')).status).toBe(204);
    const { items } = await audit();
    expect(items.map((e) => [e.action, e.details])).toEqual([
      ['disconnect', { tenantId: TENANT }],
      ['held_release', { runId: released.runId, held: 2 }],
    ]);
  });

  it('filters by action (one or several), actor (sync, subject or e-mail), target and time; pages newest first', async () => {
    const other = await h.signer.sign({ companies: ['acme'], sub: 'admin-2', email: 'two@acme.example' });
    const start = h.clock.now().toISOString();
    await call(pendingUsersDeny, 'POST', 'pending-users/deny', JSON.stringify({ ids: ['u-adele'] }));
    tick();
    const middle = h.clock.now().toISOString();
    await call(pendingUsersDeny, 'POST', 'pending-users/deny', JSON.stringify({ ids: ['u-ben'] }), 'acme', other);
    tick();
    await call(pendingUsersRestore, 'POST', 'pending-users/restore', JSON.stringify({ ids: ['u-adele'] }));
    tick();
    const end = h.clock.now().toISOString();
    await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-cara'] }), 'acme', other);
    const targets = async (query: string) => (await audit(query)).items.map((e) => `${e.action}:${e.target.id}`);

    expect(await targets('action=deny')).toEqual(['deny:u-ben', 'deny:u-adele']);
    expect(await targets('action=restore,approve')).toEqual(['approve:u-cara', 'restore:u-adele']);
    expect(await targets('actor=admin-2')).toEqual(['approve:u-cara', 'deny:u-ben']);
    expect(await targets(`actor=${encodeURIComponent('NINE@acme.example')}`)).toEqual(['restore:u-adele', 'deny:u-adele']);
    expect(await targets('actor=sync')).toEqual([]);
    expect(await targets('target=u-adele')).toEqual(['restore:u-adele', 'deny:u-adele']);
    expect(await targets(`from=${middle}&to=${end}`)).toEqual(['restore:u-adele', 'deny:u-ben']);
    // Any offset is accepted and read as the same instant.
    expect(await targets(`from=${encodeURIComponent(new Date(Date.parse(start)).toISOString().replace('Z', '+00:00'))}&action=deny`)).toEqual(['deny:u-ben', 'deny:u-adele']);

    const first = await audit('limit=3');
    expect(first.items.map((e) => e.action)).toEqual(['approve', 'restore', 'deny']);
    expect(first.nextCursor).not.toBeNull();
    const second = await audit(`limit=3&cursor=${String(first.nextCursor)}`);
    expect(second.items.map((e) => `${e.action}:${e.target.id}`)).toEqual(['deny:u-adele']);
    expect(second.nextCursor).toBeNull();
    // Companies are apart.
    expect((await audit('', 'globex')).items).toEqual([]);
  });

  it.each([
    ['an unknown action', 'action=delete_everything', 'action'],
    ['an empty action', 'action=', 'action'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit over 500', 'limit=501', 'limit'],
    ['a date without a time', 'from=2026-11-27', 'from'],
    ['to before from', 'from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z', 'to'],
    ['an unknown parameter', 'sort=asc', 'sort'],
    ['a malformed cursor', 'cursor=%2A%2A%2A', 'cursor'],
    ['a malformed target', 'target=a%2Fb', 'target'],
  ])('400 problem+json for %s', async (_name, query, field) => {
    const response = await call(auditList, 'GET', `audit?${query}`);
    expect(response.status).toBe(400);
    expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
    expect(json(response)).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ field: expect.stringContaining(field) as unknown })] });
  });

  it('401 without a token, 403 for another company', async () => {
    const stranger = await h.signer.sign({ companies: ['initech'] });
    expect((await call(auditList, 'GET', 'audit', undefined, 'acme', 'not-a-token')).status).toBe(401);
    expect((await call(auditList, 'GET', 'audit', undefined, 'acme', stranger)).status).toBe(403);
  });

  it('a decision stands, whole, when its audit cannot be written; the failure is logged with counts, no personal data', async () => {
    h.audit.failNext = 1;
    const response = await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-adele', 'u-ben'] }));
    expect(response.status).toBe(200);
    expect((json(response).approved as unknown[]).length).toBe(2);
    const records = await h.directoryUsers.getMany('acme', ['u-adele', 'u-ben']);
    expect([...records.values()].map((r) => r.value.status)).toEqual(['approved', 'approved']);
    expect(h.symbolUsers.docs.size).toBe(2);
    expect(h.audit.of('acme')).toEqual([]);
    const failure = logs.find((l) => l.includes('"audit.write_failed"'));
    expect(failure).toContain('"entries":2');
    expect(failure).toContain('"code":"dependency_unavailable"');
    expect(failure).not.toMatch(/@|Adele|Vance/);
  });
});
