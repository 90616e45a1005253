import { Services } from '../../app/services';
import { Logger } from '../../app/logger';
import { isAppError } from '../../domain/app-error';
import { parseGroupDeltaItem } from '../../domain/directory/group-delta';
import {
  emptyFold,
  foldGroupPage,
  GroupRoundFold,
  GroupScopeState,
  nextMemberships,
  sameScope,
  trackedGroups,
} from '../../domain/directory/group-scope-state';
import { groupClosure, isScoped, ScopeSettings } from '../../domain/directory/scope';
import { ScopeContext } from '../../domain/directory/sync-diff';
import { RoundScope } from '../../domain/sync-round';
import { UserMemberships } from '../../ports/group-membership-store.port';

/**
 * Scope by groups, for the sync worker: at a round's start the scope's groups are read from
 * `groups/delta` (with members) and folded into users' memberships; pages are then judged with a
 * ScopeContext; and the users whose memberships changed (or everyone, when the scope itself or the
 * nesting changed) are re-judged after the pages. A tenant whose consent lacks
 * GroupMember.Read.All is noted (the run does not fail): nobody moves, new users are not added.
 */

export type ScopeServices = Pick<Services, 'groupDirectory' | 'groupMemberships' | 'clock'>;

/** A groups round that keeps discovering nested groups stops after this many passes. */
const MAX_PASSES = 5;
const LIST_PAGE = 500;

export interface GroupsRead {
  groups: GroupScopeState | null;
  rescope: RoundScope['rescope'];
  touched: string[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  return x.size === new Set(b).size && b.every((v) => x.has(v));
}

/** Reads the scope's groups (a full round or the changes since the last) and updates memberships. */
export async function readScopeGroups(
  services: ScopeServices,
  input: {
    companyId: string;
    tenantId: string;
    scope: ScopeSettings;
    previous: GroupScopeState | null;
    scopeApplied: ScopeSettings | null;
    firstImport: boolean;
  },
  log: Logger,
): Promise<GroupsRead> {
  const { companyId, tenantId, scope, firstImport } = input;
  const scopeChanged = !sameScope(input.scopeApplied, scope);
  // A first import decides everyone as it creates them: nothing to re-judge afterwards.
  const rescopeAll: RoundScope['rescope'] = firstImport ? 'none' : 'all';
  if (scope.groups.length === 0) return { groups: null, rescope: scopeChanged ? rescopeAll : 'none', touched: [] };

  let state: GroupScopeState | null =
    input.previous && sameSet(input.previous.chosen, scope.groups) ? input.previous : null;
  let tracked = trackedGroups(scope.groups, state?.nested ?? {}).tracked;
  let full = !state?.deltaLink || !state.readable || !sameSet(state.tracked, tracked);
  let nestingChanged = state === null;
  const touched = new Set<string>();
  const nowIso = services.clock.now().toISOString();

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const fold = emptyFold(state);
    let deltaLink: string;
    try {
      deltaLink = await readRound(
        services,
        tenantId,
        full ? { groupIds: tracked } : { link: state?.deltaLink ?? '' },
        fold,
        full,
      );
    } catch (error) {
      if (isAppError(error, 'group_permission_missing')) {
        log.warn('sync.scope_groups_unreadable', { companyId });
        const unreadable: GroupScopeState = {
          chosen: scope.groups,
          tracked,
          nested: state?.nested ?? {},
          names: state?.names ?? {},
          deltaLink: null,
          readable: false,
          untracked: 0,
          checkedAt: nowIso,
        };
        return { groups: unreadable, rescope: 'none', touched: [] };
      }
      if (isAppError(error, 'directory_delta_reset') && !full) {
        full = true;
        continue;
      }
      throw error;
    }
    const trackedSet = new Set(tracked);
    if (full) await applyFullRound(services, companyId, fold, trackedSet, touched);
    else await applyChanges(services, companyId, fold, trackedSet, touched);
    const next = trackedGroups(scope.groups, fold.nested);
    if (!sameSet(next.tracked, tracked)) {
      // Nesting changed which groups count: read the groups now tracked in full.
      nestingChanged = true;
      tracked = next.tracked;
      full = true;
      state = {
        chosen: scope.groups,
        tracked,
        nested: fold.nested,
        names: fold.names,
        deltaLink: null,
        readable: true,
        untracked: next.untracked,
        checkedAt: nowIso,
      };
      continue;
    }
    state = {
      chosen: scope.groups,
      tracked,
      nested: fold.nested,
      names: fold.names,
      deltaLink,
      readable: true,
      untracked: next.untracked,
      checkedAt: nowIso,
    };
    if (fold.invalid > 0) log.warn('sync.scope_groups_invalid_items', { companyId, invalid: fold.invalid });
    break;
  }
  log.info('sync.scope_groups_read', {
    companyId,
    tracked: tracked.length,
    touched: touched.size,
    full,
    nestingChanged,
  });
  const rescope = scopeChanged || nestingChanged ? rescopeAll : firstImport ? 'none' : 'touched';
  return { groups: state, rescope, touched: firstImport ? [] : [...touched] };
}

export async function readRound(
  services: Pick<ScopeServices, 'groupDirectory'>,
  tenantId: string,
  start: { groupIds: string[] } | { link: string },
  fold: GroupRoundFold,
  full: boolean,
): Promise<string> {
  let from: { groupIds: string[] } | { link: string } = start;
  for (;;) {
    const page = await services.groupDirectory.groupsDeltaPage(tenantId, from);
    foldGroupPage(fold, page.items.map(parseGroupDeltaItem), full);
    if (page.deltaLink !== null) return page.deltaLink;
    from = { link: page.nextLink ?? '' };
  }
}

/** A full round lists every member: users' memberships become exactly what it says. */
async function applyFullRound(
  services: ScopeServices,
  companyId: string,
  fold: GroupRoundFold,
  tracked: ReadonlySet<string>,
  touched: Set<string>,
): Promise<void> {
  const desired = new Map<string, Set<string>>();
  for (const [group, users] of fold.members) {
    if (!tracked.has(group)) continue;
    for (const user of users) desired.set(user, (desired.get(user) ?? new Set<string>()).add(group));
  }
  const writes: UserMemberships[] = [];
  let cursor: string | null = null;
  do {
    const page = await services.groupMemberships.list(companyId, { limit: LIST_PAGE, cursor });
    for (const stored of page.items) {
      const next = [...(desired.get(stored.userId) ?? [])].sort();
      desired.delete(stored.userId);
      if (!sameSet(stored.groups, next)) writes.push({ userId: stored.userId, groups: next });
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  for (const [userId, groups] of desired) writes.push({ userId, groups: [...groups].sort() });
  await services.groupMemberships.putMany(companyId, writes);
  for (const w of writes) touched.add(w.userId);
}

/** A later round lists changes: each touched user's memberships are updated. */
async function applyChanges(
  services: ScopeServices,
  companyId: string,
  fold: GroupRoundFold,
  tracked: ReadonlySet<string>,
  touched: Set<string>,
): Promise<void> {
  const users = [...fold.changes.keys()];
  if (users.length === 0) return;
  const current = await services.groupMemberships.getMany(companyId, users);
  const writes: UserMemberships[] = [];
  for (const [userId, change] of fold.changes) {
    const before = current.get(userId) ?? [];
    const next = nextMemberships(before, change, tracked);
    if (!sameSet(before, next)) writes.push({ userId, groups: next });
  }
  await services.groupMemberships.putMany(companyId, writes);
  for (const w of writes) touched.add(w.userId);
}

/** The scope context for a batch of users: their memberships, the closure of the chosen groups. */
export function scopeContextFor(
  services: Pick<ScopeServices, 'groupMemberships'>,
  companyId: string,
  scope: ScopeSettings,
  groups: GroupScopeState | null,
): ((userIds: readonly string[]) => Promise<ScopeContext>) | undefined {
  if (!isScoped(scope)) return undefined;
  const closure = groupClosure(scope.groups, new Map(Object.entries(groups?.nested ?? {})));
  const readable = scope.groups.length === 0 || groups?.readable === true;
  return async (userIds) => ({
    settings: scope,
    closure,
    memberships:
      scope.groups.length > 0 && readable ? await services.groupMemberships.getMany(companyId, userIds) : new Map(),
    groupsReadable: readable,
  });
}
