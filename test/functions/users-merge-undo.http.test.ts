import { HttpResponseInit } from '@azure/functions';
import { HttpFunction } from '../../src/app/function-registry';
import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { pendingUsersApprove } from '../../src/functions/pending-users-approve.http';
import { usersMergeUndo } from '../../src/functions/users-merge-undo.http';
import { usersCreate, usersGet } from '../../src/functions/users.http';
import { person, record } from '../domain/directory/fixtures';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

/**
 * `POST …/users/{userId}/merge/undo` through the real handler with the in-memory ports: the user
 * back field by field, the directory user pending again, training data untouched, the errors,
 * idempotence, the audit entry. The race with a running sync is on real Cosmos:
 * test/use-cases/merge-undo-race.integration.test.ts.
 */

const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;
const DAY = 86_400_000;

describe('undoing a merge', () => {
  let h: TestHarness;
  let token: string;
  let hand: Record<string, unknown>;

  const call = (fn: HttpFunction, method: string, path: string, body?: string, params: Record<string, string> = {}) =>
    fn.handle(request({ method, path: `companies/acme/${path}`, params: { companyId: 'acme', ...params }, token, ...(body !== undefined ? { body } : {}) }), context(), h.services);
  const undo = (userId: string, body?: string) => call(usersMergeUndo, 'POST', `users/${userId}/merge/undo`, body, { userId });
  const get = async (userId: string) => json(await call(usersGet, 'GET', `users/${userId}`, undefined, { userId }));
  const directoryRecord = async (id: string) => (await h.directoryUsers.getMany('acme', [id])).get(id)?.value as DirectoryUserRecord;

  beforeEach(async () => {
    h = await createTestHarness();
    token = await h.signer.sign({ companies: ['acme'], sub: 'admin-9', email: 'nine@acme.example' });
    const ben = person({ displayName: 'Ben Walters', givenName: 'Ben', surname: 'Walters', mail: 'ben@contoso.example', userPrincipalName: 'ben@contoso.example', proxyAddresses: [], otherMails: [], jobTitle: 'Buyer', department: 'Retail' });
    await h.directoryUsers.write('acme', [{ op: 'put', record: record('u-ben', {}, ben), expected: null }]);
    hand = json(await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'BEN@contoso.example', givenName: 'Benny', surname: 'Hand', jobTitle: 'Intern', customFields: { course: 'Phishing 101' } })));
    const approved = json(await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-ben'] })));
    expect(approved.approved).toEqual([{ id: 'u-ben', userId: hand.id, merged: true }]);
  });

  it('gives the user back field by field, keeps its id and training data, and returns the directory user to pending', async () => {
    const merged = await get(String(hand.id));
    expect(merged).toMatchObject({ givenName: 'Ben', surname: 'Walters', jobTitle: 'Buyer', email: 'ben@contoso.example', entraObjectId: 'u-ben', merged: true });
    expect(merged.merge).toMatchObject({ entraObjectId: 'u-ben', undoableUntil: new Date(h.clock.now().getTime() + 30 * DAY).toISOString() });

    h.clock.advance(2 * DAY);
    const response = await undo(String(hand.id));
    expect(response.status).toBe(200);
    const restored = json(response);
    expect(restored).toMatchObject({
      id: hand.id,
      email: 'BEN@contoso.example',
      givenName: 'Benny',
      surname: 'Hand',
      displayName: 'Benny Hand',
      jobTitle: 'Intern',
      department: null,
      entraObjectId: null,
      status: 'active',
      source: 'manual',
      createdAt: hand.createdAt,
      customFields: { course: 'Phishing 101' },
      merged: false,
      merge: null,
    });
    expect(await get(String(hand.id))).toEqual(restored);
    expect(await directoryRecord('u-ben')).toMatchObject({ status: 'pending', symbolUserId: null, decidedAt: null, decidedBy: null });

    expect(h.audit.of('acme')[0]).toMatchObject({
      action: 'merge_undo',
      actor: { type: 'user', subject: 'admin-9', email: 'nine@acme.example' },
      target: { type: 'symbol_user', id: hand.id, name: 'Benny Hand', email: 'BEN@contoso.example' },
      details: {
        entraObjectId: 'u-ben',
        returnedToPending: true,
        emailKept: false,
        restored: { givenName: { before: 'Ben', after: 'Benny' }, jobTitle: { before: 'Buyer', after: 'Intern' }, department: { before: 'Retail', after: null }, entraObjectId: { before: 'u-ben', after: null } },
      },
    });
  });

  it('is idempotent: undoing again answers the same user and records nothing more', async () => {
    const first = json(await undo(String(hand.id), '{}'));
    const entries = h.audit.of('acme').length;
    h.clock.advance(60 * DAY);
    const again = await undo(String(hand.id));
    expect(again.status).toBe(200);
    expect(json(again)).toEqual(first);
    expect(h.audit.of('acme')).toHaveLength(entries);
  });

  it('409 undo_expired after 30 days; nothing changes', async () => {
    h.clock.advance(30 * DAY + 1);
    const response = await undo(String(hand.id));
    expect(response.status).toBe(409);
    expect(json(response)).toMatchObject({ code: 'undo_expired' });
    expect(await get(String(hand.id))).toMatchObject({ entraObjectId: 'u-ben', merged: true });
    expect((await directoryRecord('u-ben')).status).toBe('approved');
  });

  it('409 not_merged for a user created from the directory or added by hand; 404 for an unknown user', async () => {
    const other = person({ displayName: 'Cara Diaz', mail: 'cara@contoso.example', userPrincipalName: 'cara@contoso.example', proxyAddresses: [], otherMails: [] });
    await h.directoryUsers.write('acme', [{ op: 'put', record: record('u-cara', {}, other), expected: null }]);
    await call(pendingUsersApprove, 'POST', 'pending-users/approve', JSON.stringify({ ids: ['u-cara'] }));
    const manual = json(await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'solo@acme.example' })));
    for (const id of ['entra-u-cara', String(manual.id)]) {
      const response = await undo(id);
      expect(response.status).toBe(409);
      expect(json(response)).toMatchObject({ code: 'not_merged' });
    }
    expect((await undo('nobody')).status).toBe(404);
    expect((await undo('a b')).status).toBe(404);
  });

  it('409 conflict when the address the user had before belongs to another user by now; nothing changes', async () => {
    // The directory renamed Ben; someone then added a user with Ben's old address.
    const current = (await h.symbolUsers.get('acme', String(hand.id)))!;
    await h.symbolUsers.save({ ...current.value, email: 'ben.walters@contoso.example', emailKey: 'ben.walters@contoso.example' }, current);
    await call(usersCreate, 'POST', 'users', JSON.stringify({ email: 'ben@contoso.example' }));
    const response = await undo(String(hand.id));
    expect(response.status).toBe(409);
    expect(json(response)).toMatchObject({ code: 'conflict', errors: [{ field: 'email' }] });
    expect(await get(String(hand.id))).toMatchObject({ entraObjectId: 'u-ben', email: 'ben.walters@contoso.example' });
    expect((await directoryRecord('u-ben')).status).toBe('approved');
  });

  it('400 for a body with fields; 401 and 403 like every company route', async () => {
    expect((await undo(String(hand.id), '{"force":true}')).status).toBe(400);
    const stranger = await h.signer.sign({ companies: ['globex'] });
    const forbidden = await usersMergeUndo.handle(request({ method: 'POST', path: 'x', params: { companyId: 'acme', userId: String(hand.id) }, token: stranger }), context(), h.services);
    expect(forbidden.status).toBe(403);
    const anonymous = await usersMergeUndo.handle(request({ method: 'POST', path: 'x', params: { companyId: 'acme', userId: String(hand.id) } }), context(), h.services);
    expect(anonymous.status).toBe(401);
    expect(await get(String(hand.id))).toMatchObject({ merged: true });
  });

  it('finishes an undo that stopped half-way (directory user pending, Symbol user still linked)', async () => {
    const stored = await h.directoryUsers.getMany('acme', ['u-ben']);
    const ben = stored.get('u-ben')!;
    await h.directoryUsers.write('acme', [{ op: 'put', record: { ...ben.value, status: 'pending', symbolUserId: null, decidedAt: null, decidedBy: null }, expected: ben }]);
    const response = await undo(String(hand.id));
    expect(json(response)).toMatchObject({ givenName: 'Benny', entraObjectId: null, merge: null });
    expect(h.audit.of('acme').filter((e) => e.action === 'merge_undo')).toEqual([expect.objectContaining({ details: expect.objectContaining({ returnedToPending: true }) as unknown })]);
  });
});
