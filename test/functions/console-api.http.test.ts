import { HttpResponseInit } from '@azure/functions';
import { HttpFunction } from '../../src/app/function-registry';
import { companiesList } from '../../src/functions/companies-list.http';
import { entraHeldList } from '../../src/functions/entra-held-list.http';
import { pendingUsersApplyAutoApprove } from '../../src/functions/pending-users-apply-auto-approve.http';
import { pendingUsersApprove } from '../../src/functions/pending-users-approve.http';
import { pendingUsersSearch } from '../../src/functions/pending-users-search.http';
import { usersCreate, usersGet } from '../../src/functions/users.http';
import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { connect, newIntegration } from '../../src/domain/integration';
import { person, record } from '../domain/directory/fixtures';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

/**
 * The routes the console needs: the MSP overview, the held deactivations, one user with its merge
 * record, the review list searched by a JSON body, and applying auto-approval to users waiting.
 */

const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;
const TENANT = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('console API routes', () => {
  let h: TestHarness;
  let token: string;

  const seed = async (companyId: string, ...records: DirectoryUserRecord[]) => {
    await h.directoryUsers.write(companyId, records.map((r) => ({ op: 'put' as const, record: { ...r, companyId }, expected: null })));
  };
  const call = (fn: HttpFunction, method: string, path: string, body?: string, companyId = 'acme', as = token) =>
    fn.handle(request({ method, path: `companies/${companyId}/${path}`, params: { companyId, ...(path.startsWith('users/') ? { userId: path.slice(6) } : {}) }, token: as, ...(body !== undefined ? { body } : {}) }), context(), h.services);
  const connectCompany = async (companyId: string) => {
    const nowIso = h.clock.now().toISOString();
    await h.integrations.save(connect(newIntegration(companyId, nowIso), { tenantId: TENANT, admin: { subject: 's', email: `admin@${companyId}.example` }, nowIso, newConnectionId: `conn-${companyId}` }).integration, null);
  };
  const setAutoApprove = async (autoApprove: 'off' | 'clean' | 'matched' | 'clean_or_matched') => {
    const current = await h.integrations.get('acme');
    if (!current) throw new Error('not connected');
    await h.integrations.save({ ...current.value, settings: { ...current.value.settings, autoApprove } }, current.etag);
  };
  const person2 = (name: string, mail: string, extra: Parameters<typeof person>[0] = {}) =>
    person({ displayName: name, givenName: name.split(' ')[0] ?? null, surname: name.split(' ')[1] ?? null, mail, userPrincipalName: mail, proxyAddresses: [], otherMails: [], ...extra });

  beforeEach(async () => {
    h = await createTestHarness();
    token = await h.signer.sign({ companies: ['acme', 'globex'], sub: 'admin-9' });
    await connectCompany('acme');
    await seed(
      'acme',
      record('u-adele', {}, person2('Adele Vance', 'adele@contoso.example')),
      record('u-ben', {}, person2('Ben Walters', 'ben@contoso.example')),
      record('u-guest', { flags: ['guest'] }, person2('Gia Guest', 'gia@northwind.example', { userType: 'Guest', creationType: 'Invitation' })),
      record('u-sales', { flags: ['disabled', 'unlicensed', 'role_address', 'resource_mailbox'] }, person2('Sales', 'sales@contoso.example', { givenName: null, surname: null, accountEnabled: false, licensed: false })),
    );
  });

  describe('POST …/pending-users/search', () => {
    it('answers like the GET, with the query in the body', async () => {
      const found = json(await call(pendingUsersSearch, 'POST', 'pending-users/search', JSON.stringify({ search: 'wal' })));
      expect(found).toMatchObject({ items: [{ id: 'u-ben', displayName: 'Ben Walters' }], nextCursor: null });
      const flagged = json(await call(pendingUsersSearch, 'POST', 'pending-users/search', JSON.stringify({ flag: 'resource_mailbox', limit: 10 })));
      expect(flagged.items).toEqual([expect.objectContaining({ id: 'u-sales', flags: ['disabled', 'unlicensed', 'role_address', 'resource_mailbox'] })]);
      const reasons = (flagged.items as Array<{ reasons: Array<{ code: string; text: string }> }>)[0]?.reasons ?? [];
      expect(reasons.map((r) => r.code)).toEqual(['disabled', 'unlicensed', 'role_address', 'resource_mailbox', 'pending.review']);
      expect(reasons.find((r) => r.code === 'resource_mailbox')?.text).toMatch(/shared mailbox/);
      const page1 = json(await call(pendingUsersSearch, 'POST', 'pending-users/search', JSON.stringify({ limit: 2 })));
      const page2 = json(await call(pendingUsersSearch, 'POST', 'pending-users/search', JSON.stringify({ limit: 2, cursor: page1.nextCursor })));
      expect([...(page1.items as Array<{ id: string }>), ...(page2.items as Array<{ id: string }>)].map((i) => i.id)).toEqual(['u-adele', 'u-ben', 'u-guest', 'u-sales']);
      // An empty search is no search; null flag and cursor are "none".
      expect((json(await call(pendingUsersSearch, 'POST', 'pending-users/search', JSON.stringify({ search: '  ', flag: null, cursor: null }))).items as unknown[]).length).toBe(4);
    });

    it.each([['{"search":1}'], ['{"limit":"10"}'], ['{"status":"active"}'], ['{"flag":"robot"}'], ['{"q":"ben"}'], ['[']])('400 for %s', async (body) => {
      const response = await call(pendingUsersSearch, 'POST', 'pending-users/search', body);
      expect(response.status).toBe(400);
      expect(json(response)).toMatchObject({ code: 'validation_failed' });
    });

    it('shows the existing Symbol user an approval would merge with', async () => {
      const hand = json(await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'BEN@contoso.example', givenName: 'Benny', surname: 'W' })));
      const found = json(await call(pendingUsersSearch, 'POST', 'pending-users/search', JSON.stringify({ search: 'ben' })));
      expect(found.items).toEqual([expect.objectContaining({ id: 'u-ben', matchedUserId: hand.id, matchedUser: { id: hand.id, email: 'BEN@contoso.example', displayName: 'Benny W', source: 'manual', status: 'active' } })]);
    });
  });

  describe('GET …/users/{userId}', () => {
    it('resolves the Location of POST …/users, without a merge record for a hand-added user', async () => {
      const created = await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'new@acme.example', givenName: 'New' }));
      const location = (created.headers as Record<string, string>).location ?? '';
      const userId = location.split('/').at(-1) ?? '';
      expect(location).toBe(`/api/companies/acme/users/${userId}`);
      const one = await call(usersGet, 'GET', `users/${userId}`);
      expect(one.status).toBe(200);
      expect(json(one)).toMatchObject({ id: userId, email: 'new@acme.example', source: 'manual', merged: false, merge: null });
    });

    it('carries the merge record: when, by whom, which Entra user, each changed field before and after', async () => {
      const hand = json(await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'ben@contoso.example', givenName: 'Benny', jobTitle: 'Intern', customFields: { course: 'Phishing 101' } })));
      await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-ben'] }));
      const one = json(await call(usersGet, 'GET', `users/${String(hand.id)}`));
      expect(one).toMatchObject({ id: hand.id, entraObjectId: 'u-ben', merged: true, customFields: { course: 'Phishing 101' } });
      const merge = one.merge as { mergedAt: string; by: string; entraObjectId: string; changed: Record<string, { before: string | null; after: string | null }>; undoableUntil: string };
      expect(merge).toMatchObject({ mergedAt: h.clock.now().toISOString(), by: 'admin-9', entraObjectId: 'u-ben' });
      expect(merge.changed.givenName).toEqual({ before: 'Benny', after: 'Ben' });
      expect(merge.changed.jobTitle).toEqual({ before: 'Intern', after: 'Retail Manager' });
      expect(merge.changed.entraObjectId).toEqual({ before: null, after: 'u-ben' });
      expect(Date.parse(merge.undoableUntil) - Date.parse(merge.mergedAt)).toBe(30 * 86_400_000);
    });

    it('404 for an unknown, malformed or other company’s user; 403 for a company the token does not grant', async () => {
      const created = json(await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'g@globex.example' }), 'globex'));
      for (const userId of ['nope', String(created.id), '../x', 'a'.repeat(80)]) {
        const response = await call(usersGet, 'GET', `users/${userId}`);
        expect(response.status).toBe(404);
        expect(json(response)).toMatchObject({ code: 'not_found' });
      }
      const other = await h.signer.sign({ companies: ['initech'] });
      expect((await call(usersGet, 'GET', `users/${String(created.id)}`, undefined, 'globex', other)).status).toBe(403);
    });
  });

  describe('GET …/entra/held-deactivations', () => {
    it('lists who the deletion guard holds, why, and the guard settings', async () => {
      const runId = 'run-held-1';
      await seed(
        'acme',
        record('u-gone', { status: 'approved', symbolUserId: 'entra-u-gone', pendingRemoval: { reason: 'deleted', runId, detectedAt: '2026-11-27T09:00:00.000Z' } }, person2('Gone Person', 'gone@contoso.example')),
        record('u-off', { status: 'approved', symbolUserId: 'entra-u-off', pendingRemoval: { reason: 'disabled', runId, detectedAt: '2026-11-27T09:00:01.000Z' } }, person2('Off Person', 'off@contoso.example')),
        record('u-kept', { status: 'approved', symbolUserId: 'entra-u-kept' }, person2('Kept Person', 'kept@contoso.example')),
      );
      const current = await h.integrations.get('acme');
      if (!current) throw new Error('not connected');
      await h.integrations.save({ ...current.value, lastSync: { runId, status: 'held', trigger: 'webhook', mode: 'delta', queuedAt: '2026-11-27T08:59:00.000Z', finishedAt: '2026-11-27T09:00:02.000Z' } }, current.etag);

      const response = await call(entraHeldList, 'GET', 'entra/held-deactivations');
      expect(response.status).toBe(200);
      const body = json(response);
      expect(body.items).toEqual([
        { id: 'u-gone', displayName: 'Gone Person', email: 'gone@contoso.example', symbolUserId: 'entra-u-gone', reason: 'deleted', reasonText: 'Deleted from Entra ID for good.', detectedAt: '2026-11-27T09:00:00.000Z', runId },
        { id: 'u-off', displayName: 'Off Person', email: 'off@contoso.example', symbolUserId: 'entra-u-off', reason: 'disabled', reasonText: 'Sign-in was blocked in Entra ID (account disabled).', detectedAt: '2026-11-27T09:00:01.000Z', runId },
      ]);
      expect(body.guard).toEqual({ thresholdPercent: 20, thresholdMinimum: 10, heldRunId: runId });
      expect(body.nextCursor).toBeNull();
      expect((await call(entraHeldList, 'GET', 'entra/held-deactivations?limit=0')).status).toBe(400);
      expect(json(await call(entraHeldList, 'GET', 'entra/held-deactivations', undefined, 'globex'))).toEqual({ items: [], nextCursor: null, guard: { thresholdPercent: 20, thresholdMinimum: 10, heldRunId: null } });
    });
  });

  describe('POST …/pending-users/apply-auto-approve', () => {
    it('previews with dryRun, then approves exactly those through the approve path; a second run approves nobody twice', async () => {
      await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'gia@northwind.example', givenName: 'Gia' }));
      expect(json(await call(pendingUsersApplyAutoApprove, 'POST', 'pending-users/apply-auto-approve', '{"dryRun":true}'))).toEqual({ autoApprove: 'off', wouldApprove: 0, sample: [] });

      await setAutoApprove('clean');
      const clean = json(await call(pendingUsersApplyAutoApprove, 'POST', 'pending-users/apply-auto-approve', '{"dryRun":true}'));
      expect(clean).toMatchObject({ autoApprove: 'clean', wouldApprove: 2 });
      expect((clean.sample as Array<{ id: string }>).map((s) => s.id)).toEqual(['u-adele', 'u-ben']);

      await setAutoApprove('clean_or_matched');
      const preview = json(await call(pendingUsersApplyAutoApprove, 'POST', 'pending-users/apply-auto-approve', '{"dryRun":true}'));
      expect(preview).toMatchObject({ autoApprove: 'clean_or_matched', wouldApprove: 3 });
      expect(h.symbolUsers.docs.size).toBe(1);

      const applied = json(await call(pendingUsersApplyAutoApprove, 'POST', 'pending-users/apply-auto-approve', '{}'));
      expect(applied.failed).toEqual([]);
      expect((applied.approved as Array<{ id: string; merged: boolean }>).map((a) => [a.id, a.merged])).toEqual([['u-adele', false], ['u-ben', false], ['u-guest', true]]);
      expect((await h.directoryUsers.getMany('acme', ['u-sales'])).get('u-sales')?.value.status).toBe('pending');
      expect(h.symbolUsers.docs.size).toBe(3);

      expect(json(await call(pendingUsersApplyAutoApprove, 'POST', 'pending-users/apply-auto-approve', '{}'))).toEqual({ autoApprove: 'clean_or_matched', approved: [], failed: [] });
    });

    it('needs an explicit body: an empty POST approves nobody', async () => {
      await setAutoApprove('clean');
      for (const body of [undefined, '{"dryRun":"yes"}', '{"all":true}']) {
        const response = await call(pendingUsersApplyAutoApprove, 'POST', 'pending-users/apply-auto-approve', body);
        expect(response.status).toBe(400);
      }
      expect(h.symbolUsers.docs.size).toBe(0);
    });
  });

  describe('GET /api/companies', () => {
    const list = async (as: string, query = '') => companiesList.handle(request({ method: 'GET', path: `companies${query}`, token: as }), context(), h.services);

    it('lists an MSP’s companies in id order, never-connected ones included, with status, last sync and counts', async () => {
      const msp = await h.signer.sign({ companies: ['initech', 'acme', 'globex', 'Not a company!'] });
      const response = await list(msp);
      expect(response.status).toBe(200);
      const body = json(response) as { items: Array<Record<string, unknown>>; nextCursor: string | null };
      expect(body.items.map((i) => [i.companyId, i.status])).toEqual([['acme', 'connected'], ['globex', 'not_connected'], ['initech', 'not_connected']]);
      expect(body.items[0]).toMatchObject({ tenantId: TENANT, lastSync: null, counts: { pending: 4, denied: 0, excluded: 0, held: 0, activeUsers: 0 } });
      expect(body.items[1]).toMatchObject({ counts: { pending: 0, denied: 0, excluded: 0, held: 0, activeUsers: 0 } });
      const page1 = json(await list(msp, '?limit=2'));
      expect((page1.items as Array<{ companyId: string }>).map((i) => i.companyId)).toEqual(['acme', 'globex']);
      const page2 = json(await list(msp, `?limit=2&cursor=${String(page1.nextCursor)}`));
      expect(page2).toMatchObject({ items: [{ companyId: 'initech' }], nextCursor: null });
      for (const bad of ['?limit=0', '?limit=201', '?cursor=bm9wZQ', '?sort=name']) expect((await list(msp, bad)).status).toBe(400);
    });

    it('lists every company for an operator (*), paged; a company admin sees only their own', async () => {
      await connectCompany('zeta');
      const operator = await h.signer.sign({ companies: '*' });
      const page1 = json(await list(operator, '?limit=1'));
      expect(page1.items).toEqual([expect.objectContaining({ companyId: 'acme', status: 'connected' })]);
      const page2 = json(await list(operator, `?limit=1&cursor=${String(page1.nextCursor)}`));
      expect(page2).toMatchObject({ items: [{ companyId: 'zeta' }], nextCursor: null });
      const admin = await h.signer.sign({ companies: ['zeta'] });
      expect((json(await list(admin)).items as Array<{ companyId: string }>).map((i) => i.companyId)).toEqual(['zeta']);
    });

    it('401 without a valid token', async () => {
      const forged = await h.signer.forge({ companies: ['acme'] });
      expect((await companiesList.handle(request({ method: 'GET', path: 'companies' }), context(), h.services)).status).toBe(401);
      expect((await list(forged)).status).toBe(401);
    });
  });
});
