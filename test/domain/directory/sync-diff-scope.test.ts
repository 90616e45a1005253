import { parseDeltaItem } from '../../../src/domain/directory/delta-item';
import { groupClosure, ScopeSettingsSchema } from '../../../src/domain/directory/scope';
import { Decision, diffPage, ScopeContext } from '../../../src/domain/directory/sync-diff';
import { ctx, graphUser, person, record, stored } from './fixtures';

/**
 * Scope in the pure diff: users outside the scope's groups (direct or nested) or domains are
 * excluded with a note saying why; users who leave the scope are treated like removals (pending →
 * excluded, approved → deactivated through the deletion guard); users who come back are proposed
 * again or reactivated; when group memberships cannot be read, nobody moves.
 */

const U = 'u-1';
const SALES = '11111111-1111-4111-8111-111111111111';
const SALES_EMEA = '22222222-2222-4222-8222-222222222222';
const SUPPORT = '33333333-3333-4333-8333-333333333333';

function scope(groups: string[], memberships: Record<string, string[]>, options: { domains?: string[]; readable?: boolean } = {}): ScopeContext {
  const settings = ScopeSettingsSchema.parse({ groups, domains: options.domains ?? [] });
  return { settings, closure: groupClosure(settings.groups, new Map([[SALES, [SALES_EMEA]]])), memberships: new Map(Object.entries(memberships)), groupsReadable: options.readable ?? true };
}

function decideOne(items: unknown[], existing: ReturnType<typeof stored>, scopeContext: ScopeContext, settings = {}): Decision {
  const { decisions } = diffPage(items.map(parseDeltaItem), existing, ctx({ scope: scopeContext, settings }));
  expect(decisions).toHaveLength(1);
  return decisions[0] as Decision;
}

const asPut = (d: Decision) => {
  if (d.kind !== 'put') throw new Error(`expected put, got ${d.kind}`);
  return d;
};

describe('sync diff: new users and the scope', () => {
  it.each([
    ['a direct member of a scope group → pending', scope([SALES], { [U]: [SALES] }), { status: 'pending', scope: null }, 'newPending'],
    ['a member of a nested group → pending', scope([SALES], { [U]: [SALES_EMEA] }), { status: 'pending', scope: null }, 'newPending'],
    ['a member of another group → excluded, out of the groups', scope([SALES], { [U]: [SUPPORT] }), { status: 'excluded', scope: { rule: 'group', domain: 'contoso.example' } }, 'excluded'],
    ['no group at all → excluded', scope([SALES], {}), { status: 'excluded', scope: { rule: 'group', domain: 'contoso.example' } }, 'excluded'],
    ['in the groups, but another domain → excluded, out of the domains', scope([SALES], { [U]: [SALES] }, { domains: ['fabrikam.example'] }), { status: 'excluded', scope: { rule: 'domain', domain: 'contoso.example' } }, 'excluded'],
    ['domains only, matching → pending', scope([], {}, { domains: ['contoso.example'] }), { status: 'pending', scope: null }, 'newPending'],
    ['groups unreadable → not added (excluded, groups_unreadable)', scope([SALES], { [U]: [SALES] }, { readable: false }), { status: 'excluded', scope: { rule: 'groups_unreadable', domain: null } }, 'excluded'],
  ])('%s', (_name, scopeContext, expected, counter) => {
    const d = asPut(decideOne([graphUser(U, person())], new Map(), scopeContext));
    expect(d.record).toMatchObject(expected);
    expect(d.counter).toBe(counter);
    expect(d.effect).toBeNull();
  });

  it('auto-approval never takes a user outside the scope', () => {
    const d = asPut(decideOne([graphUser(U, person())], new Map(), scope([SALES], {}), { autoApprove: 'clean' }));
    expect(d.record.status).toBe('excluded');
    expect(d.effect).toBeNull();
  });
});

describe('sync diff: leaving and re-entering the scope', () => {
  const unchangedItem = graphUser(U, person());

  it('a pending user who leaves the scope is dropped from pending (excluded, with the reason)', () => {
    const d = asPut(decideOne([unchangedItem], stored(record(U, { status: 'pending' })), scope([SALES], { [U]: [] })));
    expect(d.record).toMatchObject({ status: 'excluded', scope: { rule: 'group' } });
    expect(d.counter).toBe('excluded');
  });

  it('an excluded-for-scope user who comes back is proposed again (pending, note cleared)', () => {
    const d = asPut(decideOne([unchangedItem], stored(record(U, { status: 'excluded', scope: { rule: 'group', domain: 'contoso.example' } })), scope([SALES], { [U]: [SALES_EMEA] })));
    expect(d.record).toMatchObject({ status: 'pending', scope: null });
    expect(d.counter).toBe('newPending');
  });

  it('an approved user who leaves the scope gets a removal for the deletion guard; back in scope before it applies, the removal is dropped', () => {
    const approved = record(U, { status: 'approved', symbolUserId: 'sym-1' });
    const left = asPut(decideOne([unchangedItem], stored(approved), scope([SALES], { [U]: [SUPPORT] })));
    expect(left.record.pendingRemoval).toMatchObject({ reason: 'out_of_scope', runId: 'run-2' });
    expect(left.record.scope).toMatchObject({ rule: 'group' });
    expect(left.effect).toBeNull();
    const back = asPut(decideOne([unchangedItem], stored(left.record), scope([SALES], { [U]: [SALES] })));
    expect(back.record).toMatchObject({ pendingRemoval: null, scope: null });
  });

  it('an approved user deactivated for leaving the scope is reactivated when back in scope — and not while still out', () => {
    const deactivated = record(U, { status: 'approved', symbolUserId: 'sym-1', deactivated: { reason: 'out_of_scope', at: '2026-11-26T10:00:00.000Z' }, scope: { rule: 'group', domain: 'contoso.example' } });
    const stillOut = decideOne([unchangedItem], stored(deactivated), scope([SALES], { [U]: [] }));
    expect(stillOut.kind).toBe('unchanged');
    const back = asPut(decideOne([unchangedItem], stored(deactivated), scope([SALES], { [U]: [SALES] })));
    expect(back.record).toMatchObject({ deactivated: null, scope: null });
    expect(back.effect).toEqual({ kind: 'reactivate', symbolUserId: 'sym-1' });
  });

  it('when group memberships cannot be read, nobody moves', () => {
    for (const existing of [record(U, { status: 'pending' }), record(U, { status: 'approved', symbolUserId: 'sym-1' }), record(U, { status: 'excluded', scope: { rule: 'group', domain: null } })]) {
      expect(decideOne([unchangedItem], stored(existing), scope([SALES], {}, { readable: false })).kind).toBe('unchanged');
    }
  });

  it('a denied user stays denied whatever the scope', () => {
    expect(decideOne([unchangedItem], stored(record(U, { status: 'denied' })), scope([SALES], {})).kind).toBe('unchanged');
  });
});
