import { HttpResponseInit } from '@azure/functions';
import { pendingUsersApprove } from '../../src/functions/pending-users-approve.http';
import { pendingUsersDeny } from '../../src/functions/pending-users-deny.http';
import { pendingUsersList } from '../../src/functions/pending-users-list.http';
import { pendingUsersRestore } from '../../src/functions/pending-users-restore.http';
import { usersCreate, usersList } from '../../src/functions/users.http';
import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { HttpFunction } from '../../src/app/function-registry';
import { MemoryDirectoryUserStore, MemorySymbolUserStore } from '../support/in-memory-ports';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';
import { person, record } from '../domain/directory/fixtures';

const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;

describe('pending users and the Symbol user list', () => {
  let h: TestHarness;
  let token: string;
  let directory: MemoryDirectoryUserStore;
  let symbol: MemorySymbolUserStore;

  const seed = async (companyId: string, ...records: DirectoryUserRecord[]) => {
    await directory.write(companyId, records.map((r) => ({ op: 'put' as const, record: { ...r, companyId }, expected: null })));
  };
  const call = (fn: HttpFunction, method: string, path: string, body?: string, companyId = 'acme') =>
    fn.handle(request({ method, path: `companies/${companyId}/${path}`, params: { companyId }, token, ...(body !== undefined ? { body } : {}) }), context(), h.services);

  beforeEach(async () => {
    h = await createTestHarness();
    token = await h.signer.sign({ companies: ['acme', 'globex'], sub: 'admin-9' });
    directory = h.directoryUsers;
    symbol = h.symbolUsers;
    await seed(
      'acme',
      record('u-adele'),
      record('u-ben', {}, person({ displayName: 'Ben Walters', givenName: 'Ben', surname: 'Walters', mail: 'ben@contoso.example', userPrincipalName: 'ben@contoso.example', proxyAddresses: [], otherMails: [] })),
      record('u-info', { flags: ['unlicensed', 'role_address'] }, person({ displayName: 'Info mailbox', givenName: null, surname: null, mail: 'info@contoso.example', userPrincipalName: 'info@contoso.example', proxyAddresses: [], otherMails: [], licensed: false })),
      record('u-nomail', { flags: ['no_mailbox'] }, person({ displayName: 'No Mail', mail: null, userPrincipalName: 'nomail@contoso.onmicrosoft.com', proxyAddresses: [], otherMails: [] })),
      record('u-denied', { status: 'denied' }, person({ displayName: 'Zed Denied', mail: 'zed@contoso.example', userPrincipalName: 'zed@contoso.example', proxyAddresses: [], otherMails: [] })),
    );
    await seed('globex', record('u-globex', {}, person({ displayName: 'Globex Person', mail: 'g@globex.example', userPrincipalName: 'g@globex.example', proxyAddresses: [], otherMails: [] })));
  });

  it('lists pending users in a stable order, with flags, search, flag filter, status and cursor paging', async () => {
    const all = json(await call(pendingUsersList, 'GET', 'pending-users'));
    expect((all.items as Array<{ id: string }>).map((i) => i.id)).toEqual(['u-adele', 'u-ben', 'u-info', 'u-nomail']);
    expect((all.items as Array<Record<string, unknown>>)[2]).toMatchObject({ id: 'u-info', displayName: 'Info mailbox', email: 'info@contoso.example', flags: ['unlicensed', 'role_address'], status: 'pending', matchedUserId: null });
    const page1 = json(await call(pendingUsersList, 'GET', 'pending-users?limit=3'));
    expect(page1.nextCursor).not.toBeNull();
    const page2 = json(await call(pendingUsersList, 'GET', `pending-users?limit=3&cursor=${String(page1.nextCursor)}`));
    expect((page2.items as Array<{ id: string }>).map((i) => i.id)).toEqual(['u-nomail']);
    expect(page2.nextCursor).toBeNull();
    expect((json(await call(pendingUsersList, 'GET', 'pending-users?search=WAL')).items as Array<{ id: string }>).map((i) => i.id)).toEqual(['u-ben']);
    expect((json(await call(pendingUsersList, 'GET', 'pending-users?search=ben%40contoso')).items as Array<{ id: string }>).map((i) => i.id)).toEqual(['u-ben']);
    expect((json(await call(pendingUsersList, 'GET', 'pending-users?flag=role_address')).items as Array<{ id: string }>).map((i) => i.id)).toEqual(['u-info']);
    expect((json(await call(pendingUsersList, 'GET', 'pending-users?status=denied')).items as Array<{ id: string }>).map((i) => i.id)).toEqual(['u-denied']);
    for (const bad of ['status=active', 'flag=robot', 'limit=0', 'limit=501', 'sort=name']) expect((await call(pendingUsersList, 'GET', `pending-users?${bad}`)).status).toBe(400);
  });

  it('shows the Symbol user an approval would merge with, or a conflict', async () => {
    await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'BEN@contoso.example', givenName: 'Benjamin' }));
    await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'adele@contoso.onmicrosoft.com' }));
    await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'adele.personal@home.example' }));
    const items = json(await call(pendingUsersList, 'GET', 'pending-users')).items as Array<{ id: string; matchedUserId: string | null; matchConflict: string[] | null }>;
    const ben = items.find((i) => i.id === 'u-ben');
    const adele = items.find((i) => i.id === 'u-adele');
    expect(ben?.matchedUserId).toEqual(expect.any(String));
    expect(adele).toMatchObject({ matchedUserId: null, matchConflict: [expect.any(String), expect.any(String)] });
  });

  it('approve creates a Symbol user, or merges with the matching one keeping its data; approving twice is the same single user', async () => {
    const hand = json(await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'ben@contoso.example', givenName: 'Benny', customFields: { trainingAssignments: '3' } })));
    const response = await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-adele', 'u-ben'] }));
    expect(response.status).toBe(200);
    const body = json(response) as { approved: Array<{ id: string; userId: string; merged: boolean }>; failed: unknown[] };
    expect(body.failed).toEqual([]);
    const ben = body.approved.find((a) => a.id === 'u-ben');
    const adele = body.approved.find((a) => a.id === 'u-adele');
    expect(ben).toEqual({ id: 'u-ben', userId: hand.id, merged: true });
    expect(adele).toMatchObject({ merged: false });
    const merged = (await symbol.get('acme', String(hand.id)))?.value;
    expect(merged).toMatchObject({ id: hand.id, givenName: 'Ben', surname: 'Walters', entraObjectId: 'u-ben', source: 'manual', customFields: { trainingAssignments: '3' } });
    expect(merged?.links).toHaveLength(1);
    expect(merged?.links[0]).toMatchObject({ entraObjectId: 'u-ben', by: 'admin-9', merged: true });
    expect(merged?.links[0]?.changedFields).toEqual(expect.arrayContaining(['givenName', 'surname', 'entraObjectId']));
    expect((await directory.getMany('acme', ['u-ben'])).get('u-ben')?.value).toMatchObject({ status: 'approved', symbolUserId: hand.id, decidedBy: 'admin-9' });

    const again = json(await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-ben', 'u-adele', 'U-BEN'] })));
    expect(again).toEqual({ approved: [{ id: 'u-ben', userId: hand.id, merged: true }, { id: 'u-adele', userId: adele?.userId, merged: false }], failed: [] });
    expect([...symbol.docs.values()].filter((d) => d.value.companyId === 'acme')).toHaveLength(2);
    const users = json(await call(usersList, 'GET', 'users?status=active')).items as unknown[];
    expect(users).toHaveLength(2);
  });

  it('reports per-id failures: unknown ids, other companies’ ids (never touched), not pending, no mailbox, ambiguous match', async () => {
    await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'adele@contoso.onmicrosoft.com' }));
    await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'adele.vance@contoso.example' }));
    const candidates = [...symbol.docs.values()].map((d) => d.value.id).sort();
    const body = json(await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['nope', 'u-globex', 'u-denied', 'u-nomail', 'u-adele', 'u-info'] })));
    expect(body.approved).toEqual([expect.objectContaining({ id: 'u-info' })]);
    expect(body.failed).toEqual([
      { id: 'nope', code: 'not_found' },
      { id: 'u-globex', code: 'not_found' },
      { id: 'u-denied', code: 'not_pending' },
      { id: 'u-nomail', code: 'no_mailbox' },
      { id: 'u-adele', code: 'ambiguous_match', candidates },
    ]);
    expect((await directory.getMany('globex', ['u-globex'])).get('u-globex')?.value.status).toBe('pending');
    expect((await directory.getMany('acme', ['u-adele'])).get('u-adele')?.value.status).toBe('pending');
  });

  it('deny keeps the entry as denied (idempotent); restore returns it to pending; approved users cannot be denied', async () => {
    const denied = json(await call(pendingUsersDeny, 'POST', 'pending-users/deny', JSON.stringify({ ids: ['u-info', 'u-denied', 'nope'] })));
    expect(denied).toEqual({ denied: ['u-info', 'u-denied'], failed: [{ id: 'nope', code: 'not_found' }] });
    expect((await directory.getMany('acme', ['u-info'])).get('u-info')?.value).toMatchObject({ status: 'denied', decidedBy: 'admin-9' });
    await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-ben'] }));
    expect(json(await call(pendingUsersDeny, 'POST', 'pending-users/deny', JSON.stringify({ ids: ['u-ben'] })))).toEqual({ denied: [], failed: [{ id: 'u-ben', code: 'not_pending' }] });
    const restored = json(await call(pendingUsersRestore, 'POST', 'pending-users/restore', JSON.stringify({ ids: ['u-info', 'u-adele', 'u-ben'] })));
    // Only a denied entry can be restored: a pending one (never denied) and an approved one say so.
    expect(restored).toEqual({ restored: ['u-info'], failed: [{ id: 'u-adele', code: 'not_denied' }, { id: 'u-ben', code: 'not_denied' }] });
    expect(json(await call(pendingUsersRestore, 'POST', 'pending-users/restore', JSON.stringify({ ids: ['u-info'] })))).toEqual({ restored: [], failed: [{ id: 'u-info', code: 'not_denied' }] });
    expect((await directory.getMany('acme', ['u-adele'])).get('u-adele')?.value).toMatchObject({ status: 'pending', decidedAt: null });
    expect((await directory.getMany('acme', ['u-info'])).get('u-info')?.value).toMatchObject({ status: 'pending', decidedBy: null });
  });

  it.each([
    ['an empty list', '{"ids":[]}'],
    ['too many ids', JSON.stringify({ ids: Array.from({ length: 1001 }, (_, i) => `id-${i}`) })],
    ['a non-string id', '{"ids":[1]}'],
    ['an id with a slash', '{"ids":["a/b"]}'],
    ['an unknown field', '{"ids":["u-ben"],"force":true}'],
    ['no ids', '{}'],
    ['malformed JSON', '{"ids":['],
    ['an array body', '["u-ben"]'],
  ])('400 for %s, nothing written', async (_name, body) => {
    for (const fn of [pendingUsersApprove, pendingUsersDeny, pendingUsersRestore]) {
      const response = await call(fn, 'POST', 'pending-users/x', body);
      expect(response.status).toBe(400);
      expect(json(response)).toMatchObject({ code: 'validation_failed' });
    }
    expect([...directory.docs.values()].filter((d) => d.value.decidedBy !== null)).toHaveLength(0);
    expect(symbol.docs.size).toBe(0);
  });

  it('adds users by hand: e-mail unique per company (409), validated fields, paged list by status', async () => {
    const created = await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'new.person@acme.example', givenName: 'New', surname: 'Person', source: 'csv' }));
    expect(created.status).toBe(201);
    expect(json(created)).toMatchObject({ email: 'new.person@acme.example', displayName: 'New Person', status: 'active', source: 'csv', entraObjectId: null });
    const duplicate = await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'NEW.PERSON@acme.example' }));
    expect(duplicate.status).toBe(409);
    expect(json(duplicate)).toMatchObject({ code: 'conflict', errors: [{ field: 'email' }] });
    expect((await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'new.person@acme.example' }), 'globex')).status).toBe(201);
    for (const bad of ['{"email":"nope"}', '{"givenName":"x"}', '{"email":"a@b.example","role":"admin"}', '{"email":"a@b.example","source":"entra"}']) {
      expect((await call(usersCreate, 'POST', 'users', bad)).status).toBe(400);
    }
    expect((json(await call(usersList, 'GET', 'users?status=inactive')).items as unknown[])).toHaveLength(0);
    expect((json(await call(usersList, 'GET', 'users')).items as unknown[])).toHaveLength(1);
    expect((await call(usersList, 'GET', 'users?status=deleted')).status).toBe(400);
  });

  it('authorizes per company', async () => {
    const other = await h.signer.sign({ companies: ['initech'] });
    const response = await pendingUsersApprove.handle(request({ method: 'POST', path: 'x', params: { companyId: 'acme' }, token: other, body: '{"ids":["u-ben"]}' }), context(), h.services);
    expect(response.status).toBe(403);
    expect((await directory.getMany('acme', ['u-ben'])).get('u-ben')?.value.status).toBe('pending');
  });
});
