import { HttpResponseInit } from '@azure/functions';
import { HttpFunction } from '../../src/app/function-registry';
import { entraGroups } from '../../src/functions/entra-groups.http';
import { entraSettingsPatch } from '../../src/functions/entra-settings-patch.http';
import { entraStatus } from '../../src/functions/entra-status.http';
import { pendingUsersList } from '../../src/functions/pending-users-list.http';
import { connect, newIntegration } from '../../src/domain/integration';
import { person, record } from '../domain/directory/fixtures';
import { context, createTestHarness, request, TestHarness } from '../support/test-services';

/**
 * Scope and reasons over HTTP: finding groups to scope by, setting the scope (validated), the
 * scope's state in the status, and the excluded list with the reason for every entry.
 */

const TENANT = '0f8fad5b-d9cb-469f-a165-70867728950e';
const SALES = '11111111-1111-4111-8111-111111111111';
const SUPPORT = '22222222-2222-4222-8222-222222222222';
const body = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown>;

describe('scope by groups and domains, and reasons, over HTTP', () => {
  let h: TestHarness;
  let token: string;

  beforeEach(async () => {
    h = await createTestHarness();
    token = await h.signer.sign({ companies: ['acme'] });
    h.groupDirectory.groups.set(TENANT, [
      { id: SALES, displayName: 'Sales', mail: 'sales@contoso.example' },
      { id: SUPPORT, displayName: 'Support', mail: null },
    ]);
  });

  const call = (fn: HttpFunction, method: string, path: string, payload?: string) =>
    fn.handle(request({ method, path: `companies/acme/${path}`, params: { companyId: 'acme' }, token, ...(payload !== undefined ? { body: payload } : {}) }), context(), h.services);
  const connectAcme = async () => {
    const nowIso = h.clock.now().toISOString();
    await h.integrations.save(connect(newIntegration('acme', nowIso), { tenantId: TENANT, admin: { subject: 's', email: 'admin@acme.example' }, nowIso, newConnectionId: 'conn-1' }).integration, null);
  };

  it('GET …/entra/groups finds the tenant’s groups by name prefix', async () => {
    await connectAcme();
    const found = await call(entraGroups, 'GET', 'entra/groups?search=sa');
    expect(found.status).toBe(200);
    expect(body(found)).toEqual({ items: [{ id: SALES, displayName: 'Sales', mail: 'sales@contoso.example' }] });
    expect(body(await call(entraGroups, 'GET', 'entra/groups')).items).toHaveLength(2);
  });

  it('GET …/entra/groups: 409 not_connected before a tenant is connected, group_permission_missing without GroupMember.Read.All, 400 for a bad query', async () => {
    expect(body(await call(entraGroups, 'GET', 'entra/groups?search=sa'))).toMatchObject({ status: 409, code: 'not_connected' });
    await connectAcme();
    h.groupDirectory.withoutPermission.add(TENANT);
    expect(body(await call(entraGroups, 'GET', 'entra/groups?search=sa'))).toMatchObject({ status: 409, code: 'group_permission_missing' });
    expect(body(await call(entraGroups, 'GET', `entra/groups?search=${'x'.repeat(129)}`))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(body(await call(entraGroups, 'GET', 'entra/groups?top=5'))).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('GET …/entra/groups?ids= names a scope’s groups (in the order asked, deleted ones left out); bad ids are 400s', async () => {
    await connectAcme();
    const gone = '33333333-3333-4333-8333-333333333333';
    const named = await call(entraGroups, 'GET', `entra/groups?ids=${SUPPORT},${gone},${SALES.toUpperCase()}`);
    expect(named.status).toBe(200);
    expect(body(named)).toEqual({
      items: [
        { id: SUPPORT, displayName: 'Support', mail: null },
        { id: SALES, displayName: 'Sales', mail: 'sales@contoso.example' },
      ],
    });
    const tooMany = Array.from({ length: 21 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const query of ['ids=sales', 'ids=', `ids=${tooMany.join(',')}`, `ids=${SALES}&search=sa`]) {
      expect(body(await call(entraGroups, 'GET', `entra/groups?${query}`))).toMatchObject({ status: 400, code: 'validation_failed' });
    }
    h.groupDirectory.withoutPermission.add(TENANT);
    expect(body(await call(entraGroups, 'GET', `entra/groups?ids=${SALES}`))).toMatchObject({ status: 409, code: 'group_permission_missing' });
  });

  it('PATCH settings sets the scope (either part alone), normalised; bad ids and domains are 400s naming the field', async () => {
    const set = await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ scope: { groups: [SALES.toUpperCase()] } }));
    expect(body(set).scope).toEqual({ groups: [SALES], domains: [] });
    const both = await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ scope: { domains: ['Contoso.example'] } }));
    expect(body(both).scope).toEqual({ groups: [SALES], domains: ['contoso.example'] });
    const bad = await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ scope: { groups: ['sales'], domains: ['https://x'] } }));
    expect(bad.status).toBe(400);
    const fields = (body(bad).errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['scope.groups.0', 'scope.domains.0']));
    expect(body(await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ scope: { users: [] } })))).toMatchObject({ status: 400 });
    expect(body(await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ importOnConnect: false }))).importOnConnect).toBe(false);
  });

  it('the status shows the scope and whether it is in effect', async () => {
    await connectAcme();
    expect(body(await call(entraStatus, 'GET', 'entra')).scope).toEqual({ groups: [], domains: [], untrackedGroups: 0, state: 'everyone' });
    await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ scope: { groups: [SALES] } }));
    expect(body(await call(entraStatus, 'GET', 'entra')).scope).toMatchObject({ groups: [{ id: SALES, displayName: null }], state: 'pending' });
    const nowIso = h.clock.now().toISOString();
    const groups = { chosen: [SALES], tracked: [SALES], nested: { [SALES]: [] }, names: { [SALES]: 'Sales' }, deltaLink: null, readable: true, untracked: 0, checkedAt: nowIso };
    const saved = await h.services.syncState.save({ companyId: 'acme', connectionId: 'conn-1', deltaLink: null, lastFullRoundAt: null, removalsOutstanding: false, replacedConnection: false, round: null, groups, scopeApplied: { groups: [SALES], domains: [] }, updatedAt: nowIso }, null);
    expect(body(await call(entraStatus, 'GET', 'entra')).scope).toMatchObject({ groups: [{ id: SALES, displayName: 'Sales' }], state: 'applied' });
    await h.services.syncState.save({ ...saved.value, groups: { ...groups, readable: false } }, saved.etag);
    expect(body(await call(entraStatus, 'GET', 'entra')).scope).toMatchObject({ state: 'groups_unreadable' });
  });

  it('the excluded list: every entry with its reasons — the exclusion setting, or the scope rule with the group’s name', async () => {
    await connectAcme();
    await call(entraSettingsPatch, 'PATCH', 'entra/settings', JSON.stringify({ scope: { groups: [SALES] }, exclude: { guests: true } }));
    const nowIso = h.clock.now().toISOString();
    await h.services.syncState.save({ companyId: 'acme', connectionId: 'conn-1', deltaLink: null, lastFullRoundAt: null, removalsOutstanding: false, replacedConnection: false, round: null, groups: { chosen: [SALES], tracked: [SALES], nested: {}, names: { [SALES]: 'Sales' }, deltaLink: null, readable: true, untracked: 0, checkedAt: nowIso }, scopeApplied: { groups: [SALES], domains: [] }, updatedAt: nowIso }, null);
    await h.directoryUsers.write('acme', [
      { op: 'put', record: record('00000000-0000-4000-8000-000000000001', { status: 'excluded', flags: ['guest'], attributes: person({ userType: 'Guest', displayName: 'Guest Person' }) }), expected: null },
      { op: 'put', record: record('00000000-0000-4000-8000-000000000002', { status: 'excluded', scope: { rule: 'group', domain: 'contoso.example' }, attributes: person({ displayName: 'Outside Person' }) }), expected: null },
      { op: 'put', record: record('00000000-0000-4000-8000-000000000003', { status: 'pending', attributes: person({ displayName: 'Waiting Person' }) }), expected: null },
    ]);
    const excluded = body(await call(pendingUsersList, 'GET', 'pending-users?status=excluded'));
    const items = excluded.items as Array<{ displayName: string; status: string; reasons: Array<{ code: string; text: string }> }>;
    expect(items.map((i) => [i.displayName, i.status, i.reasons.map((r) => r.code)])).toEqual([
      ['Guest Person', 'excluded', ['guest', 'excluded.guests']],
      ['Outside Person', 'excluded', ['scope.out_of_groups']],
    ]);
    expect(items[1]?.reasons[0]?.text).toContain('(Sales)');
    const pending = body(await call(pendingUsersList, 'GET', 'pending-users')).items as Array<{ reasons: Array<{ code: string }> }>;
    expect(pending.map((p) => p.reasons.map((r) => r.code))).toEqual([['pending.review']]);
  });
});
