import { IntegrationSettings } from '../integration-settings';
import { SyncCounts } from '../sync-run';
import { addressesOf, autoApproves, classify, isExcluded } from './classification';
import { DeltaItem, mergeAttributes, sameAttributes } from './delta-item';
import { DirectoryAttributes, DirectoryUserRecord, EMPTY_ATTRIBUTES, RemovalReason, ScopeNote } from './directory-user';
import { isScoped, ScopeSettings, scopeVerdict } from './scope';
import { displayNameOf } from './review-keys';

/**
 * The heart of the sync engine, pure: (a page of directory items, what is stored for them, the
 * company's settings) → decisions. No I/O, no clock, no randomness: the caller passes the time,
 * the hash function and the e-mail addresses already taken by Symbol users.
 */

export interface StoredRecord {
  record: DirectoryUserRecord;
  etag: string;
}

export interface DiffContext {
  companyId: string;
  connectionId: string;
  runId: string;
  /** Set in full rounds: every user seen gets this mark, so a sweep can find the ones not seen. */
  roundId: string | null;
  nowIso: string;
  settings: IntegrationSettings;
  /** Hash of the synced attributes: equal hashes mean "unchanged, no write". */
  hash: (attributes: DirectoryAttributes) => string;
  /** Lower-cased addresses that belong to existing Symbol users of the company. */
  symbolEmails: ReadonlySet<string>;
  /** The company's scope; absent or empty: everyone is in scope. */
  scope?: ScopeContext;
}

export interface ScopeContext {
  settings: ScopeSettings;
  /** groupClosure(settings.groups, nested): the chosen groups and the groups nested under them. */
  closure: ReadonlyMap<string, string>;
  /** Direct memberships in tracked groups, per user id (for the users being decided). */
  memberships: ReadonlyMap<string, readonly string[]>;
  /** False while group memberships cannot be read (no GroupMember.Read.All): group scope cannot be judged. */
  groupsReadable: boolean;
}

/** In scope, out of scope (with the note saying why), or unknown (groups unreadable). */
type ScopeJudgement = { inScope: boolean; note: ScopeNote | null } | 'unknown';

function judgeScope(id: string, attributes: DirectoryAttributes, ctx: DiffContext): ScopeJudgement {
  const scope = ctx.scope;
  if (!scope || !isScoped(scope.settings)) return { inScope: true, note: null };
  const verdict = scopeVerdict(attributes, [], { groups: [], domains: scope.settings.domains }, new Map());
  if (!verdict.inScope) return { inScope: false, note: { rule: 'domain', domain: verdict.domain } };
  if (scope.settings.groups.length === 0) return { inScope: true, note: null };
  if (!scope.groupsReadable) return 'unknown';
  const byGroups = scopeVerdict(attributes, scope.memberships.get(id) ?? [], scope.settings, scope.closure);
  return byGroups.inScope ? { inScope: true, note: null } : { inScope: false, note: { rule: 'group', domain: byGroups.domain } };
}

export type CounterName = keyof Pick<SyncCounts, 'newPending' | 'autoApproved' | 'updated' | 'unchanged' | 'excluded' | 'removed' | 'invalid'>;

/** What must happen to the Symbol user side when a record is written. */
export type SymbolEffect =
  /** Auto-approval: add to the Symbol user list, merging with an existing user by e-mail. */
  | { kind: 'approve' }
  /** An approved user's directory details changed: the Symbol user follows them. */
  | { kind: 'update'; symbolUserId: string }
  /** An approved user came back (re-enabled or restored): the Symbol user is active again. */
  | { kind: 'reactivate'; symbolUserId: string };

export type Decision =
  | { kind: 'unchanged'; id: string; counter: 'unchanged' | 'excluded' }
  | { kind: 'put'; record: DirectoryUserRecord; expectedEtag: string | null; effect: SymbolEffect | null; counter: CounterName | null }
  | { kind: 'delete'; id: string; expectedEtag: string; counter: 'removed' }
  | { kind: 'invalid'; id: string | null; problem: string };

export interface PageDecisions {
  decisions: Decision[];
  /** Display names (or addresses) of new pending users, for the new-user e-mail. */
  newPending: string[];
}

function fresh(id: string, attributes: DirectoryAttributes, hash: string, flags: DirectoryUserRecord['flags'], status: DirectoryUserRecord['status'], ctx: DiffContext): DirectoryUserRecord {
  return {
    companyId: ctx.companyId,
    id,
    connectionId: ctx.connectionId,
    attributes,
    hash,
    status,
    flags,
    symbolUserId: null,
    deactivated: null,
    pendingRemoval: null,
    scope: null,
    firstSeenAt: ctx.nowIso,
    lastChangedAt: ctx.nowIso,
    seenRound: ctx.roundId,
    decidedAt: null,
    decidedBy: null,
  };
}

/** Decides one item against its stored record (if any). */
export function decide(item: DeltaItem, stored: StoredRecord | undefined, ctx: DiffContext): Decision {
  if (item.kind === 'invalid') return { kind: 'invalid', id: item.id, problem: item.problem };
  if (item.kind === 'removed') return decideRemoved(item, stored, ctx);

  const current = stored?.record;
  const attributes = mergeAttributes(current?.attributes ?? EMPTY_ATTRIBUTES, item.changes);
  // An unchanged user keeps its stored hash: comparing fields is cheaper than hashing again.
  const hash = current && sameAttributes(current.attributes, attributes) ? current.hash : ctx.hash(attributes);
  const flags = classify(attributes, ctx.settings);
  const excluded = isExcluded(flags, ctx.settings);
  const judged = judgeScope(item.id, attributes, ctx);

  if (!current) {
    if (judged === 'unknown' || !judged.inScope) {
      const note: ScopeNote = judged === 'unknown' ? { rule: 'groups_unreadable', domain: null } : (judged.note ?? { rule: 'group', domain: null });
      return { kind: 'put', record: { ...fresh(item.id, attributes, hash, flags, 'excluded', ctx), scope: note }, expectedEtag: null, effect: null, counter: 'excluded' };
    }
    if (excluded) return { kind: 'put', record: fresh(item.id, attributes, hash, flags, 'excluded', ctx), expectedEtag: null, effect: null, counter: 'excluded' };
    const wantsMatch = ctx.settings.autoApprove === 'matched' || ctx.settings.autoApprove === 'clean_or_matched';
    const matched = wantsMatch && addressesOf(attributes).some((a) => ctx.symbolEmails.has(a));
    if (autoApproves(flags, matched, ctx.settings)) {
      return { kind: 'put', record: { ...fresh(item.id, attributes, hash, flags, 'approved', ctx), decidedAt: ctx.nowIso, decidedBy: 'auto-approval' }, expectedEtag: null, effect: { kind: 'approve' }, counter: 'autoApproved' };
    }
    return { kind: 'put', record: fresh(item.id, attributes, hash, flags, 'pending', ctx), expectedEtag: null, effect: null, counter: 'newPending' };
  }

  // Groups that cannot be read leave everyone where the last readable round put them.
  const inScope = judged === 'unknown' ? current.scope === null : judged.inScope;
  const scopeNote = judged === 'unknown' ? current.scope : judged.note;
  const changed = hash !== current.hash;
  const noteChanged = JSON.stringify(scopeNote) !== JSON.stringify(current.scope);
  const base: DirectoryUserRecord = {
    ...current,
    attributes,
    hash,
    flags,
    connectionId: ctx.connectionId,
    lastChangedAt: changed ? ctx.nowIso : current.lastChangedAt,
    seenRound: ctx.roundId ?? current.seenRound,
  };
  const put = (record: DirectoryUserRecord, counter: CounterName | null, effect: SymbolEffect | null = null): Decision => ({ kind: 'put', record, expectedEtag: stored.etag, effect, counter });
  const unchanged = (counter: 'unchanged' | 'excluded' = 'unchanged'): Decision => ({ kind: 'unchanged', id: item.id, counter });

  switch (current.status) {
    case 'approved': {
      const symbolUserId = current.symbolUserId ?? '';
      const removal: RemovalReason | null = !attributes.accountEnabled ? 'disabled' : inScope ? null : 'out_of_scope';
      const scoped = { ...base, scope: scopeNote };
      if (removal !== null) {
        // Disabled in Entra, or out of the scope: the Symbol user is deactivated when the run ends (deletion guard first).
        if (current.deactivated) return changed || noteChanged ? put(scoped, changed ? 'updated' : null) : unchanged();
        if (current.pendingRemoval && !changed && !noteChanged) return unchanged();
        return put({ ...scoped, pendingRemoval: current.pendingRemoval ?? { reason: removal, runId: ctx.runId, detectedAt: ctx.nowIso } }, changed ? 'updated' : null);
      }
      if (current.deactivated) {
        return put({ ...scoped, deactivated: null, pendingRemoval: null, lastChangedAt: ctx.nowIso }, 'updated', symbolUserId ? { kind: 'reactivate', symbolUserId } : null);
      }
      if (current.pendingRemoval) {
        // Back before the removal was applied: nothing to undo on the Symbol side.
        return put({ ...scoped, pendingRemoval: null }, changed ? 'updated' : null, changed && symbolUserId ? { kind: 'update', symbolUserId } : null);
      }
      if (!changed && !noteChanged) return unchanged();
      return put(scoped, changed ? 'updated' : null, changed && symbolUserId ? { kind: 'update', symbolUserId } : null);
    }
    case 'denied':
      // Denied stays denied (never proposed again), in scope or not; its snapshot follows the directory.
      if (!changed && !current.pendingRemoval) return unchanged();
      return put({ ...base, pendingRemoval: null }, changed ? 'updated' : null);
    case 'excluded': {
      if (!inScope) return changed || noteChanged ? put({ ...base, scope: scopeNote }, 'excluded') : unchanged('excluded');
      if (excluded) return changed || noteChanged ? put({ ...base, scope: null }, 'excluded') : unchanged('excluded');
      // The reason for excluding it is gone (directory, settings or scope changed): it is new to the admin now.
      return put({ ...base, status: 'pending', scope: null, lastChangedAt: ctx.nowIso }, 'newPending');
    }
    case 'pending': {
      if (!inScope) return put({ ...base, status: 'excluded', scope: scopeNote }, 'excluded');
      if (excluded) return put({ ...base, status: 'excluded' }, 'excluded');
      if (!changed) return unchanged();
      return put(base, 'updated');
    }
  }
}

function decideRemoved(item: Extract<DeltaItem, { kind: 'removed' }>, stored: StoredRecord | undefined, ctx: DiffContext): Decision {
  if (!stored) return { kind: 'unchanged', id: item.id, counter: 'unchanged' };
  const current = stored.record;
  const reason: RemovalReason = item.reason;
  switch (current.status) {
    case 'pending':
    case 'excluded':
      // Never in Symbol: the entry simply goes (a restored user comes back as new).
      return { kind: 'delete', id: item.id, expectedEtag: stored.etag, counter: 'removed' };
    case 'denied':
      // A soft-deleted user can be restored with the same id: keep the denial. Hard-deleted: gone.
      if (reason === 'deleted') return { kind: 'delete', id: item.id, expectedEtag: stored.etag, counter: 'removed' };
      return { kind: 'unchanged', id: item.id, counter: 'unchanged' };
    case 'approved':
      if (current.deactivated || current.pendingRemoval) return { kind: 'unchanged', id: item.id, counter: 'unchanged' };
      return { kind: 'put', record: { ...current, pendingRemoval: { reason, runId: ctx.runId, detectedAt: ctx.nowIso } }, expectedEtag: stored.etag, effect: null, counter: null };
  }
}

/**
 * Decides a whole page. Items are taken in order against a working view, so a user that appears
 * twice in a round (Graph allows it) is decided against its latest state, and the page yields at
 * most one write per user with the precondition of what was stored: replays and duplicates are
 * harmless.
 */
export function diffPage(items: readonly DeltaItem[], stored: ReadonlyMap<string, StoredRecord>, ctx: DiffContext): PageDecisions {
  interface Working {
    original: StoredRecord | undefined;
    current: DirectoryUserRecord | null;
    touched: boolean;
    counter: CounterName | null;
    effect: SymbolEffect | null;
  }
  const work = new Map<string, Working>();
  const invalid: Decision[] = [];
  for (const item of items) {
    if (item.kind === 'invalid') {
      invalid.push({ kind: 'invalid', id: item.id, problem: item.problem });
      continue;
    }
    let w = work.get(item.id);
    if (!w) {
      const original = stored.get(item.id);
      w = { original, current: original?.record ?? null, touched: false, counter: null, effect: null };
      work.set(item.id, w);
    }
    const decision = decide(item, w.current ? { record: w.current, etag: w.original?.etag ?? '' } : undefined, ctx);
    if (decision.kind === 'unchanged') {
      if (!w.touched) w.counter ??= decision.counter;
    } else if (decision.kind === 'put') {
      const createdHere = !w.original && (w.counter === 'newPending' || w.counter === 'autoApproved' || w.counter === 'excluded');
      w.counter = createdHere ? w.counter : (decision.counter ?? w.counter);
      w.effect = combineEffects(w.effect, decision.effect);
      w.current = decision.record;
      w.touched = true;
    } else if (decision.kind === 'delete') {
      w.current = null;
      w.touched = true;
      w.counter = 'removed';
      w.effect = null;
    }
  }

  const decisions: Decision[] = [];
  const newPending: string[] = [];
  for (const [id, w] of work) {
    if (!w.touched) {
      decisions.push({ kind: 'unchanged', id, counter: w.counter === 'excluded' ? 'excluded' : 'unchanged' });
    } else if (w.current) {
      decisions.push({ kind: 'put', record: w.current, expectedEtag: w.original?.etag ?? null, effect: w.effect, counter: w.counter });
      if (w.counter === 'newPending' && w.current.status === 'pending') newPending.push(displayNameOf(w.current.attributes));
    } else if (w.original) {
      decisions.push({ kind: 'delete', id, expectedEtag: w.original.etag, counter: 'removed' });
    } else {
      decisions.push({ kind: 'unchanged', id, counter: 'unchanged' });
    }
  }
  return { decisions: [...decisions, ...invalid], newPending };
}

function combineEffects(first: SymbolEffect | null, second: SymbolEffect | null): SymbolEffect | null {
  if (first?.kind === 'approve') return first;
  if (first?.kind === 'reactivate' && second?.kind === 'update') return first;
  return second ?? first;
}

/** What applying a held removal does: the approved user is deactivated in Symbol, history kept. */
export function applyRemoval(record: DirectoryUserRecord, nowIso: string): { record: DirectoryUserRecord; deactivateSymbolUserId: string | null } {
  const reason = record.pendingRemoval?.reason ?? 'not_seen';
  return {
    record: { ...record, pendingRemoval: null, deactivated: { reason, at: nowIso }, lastChangedAt: nowIso },
    deactivateSymbolUserId: record.symbolUserId,
  };
}

/**
 * The deletion guard (like Entra provisioning's accidental-deletion prevention): a run that would
 * deactivate at least `deletionThresholdMinimum` users AND more than `deletionThresholdPercent`
 * of the company's active synced users is held for an admin.
 */
export function deletionGuardHolds(removals: number, activeSynced: number, settings: Pick<IntegrationSettings, 'deletionThresholdPercent' | 'deletionThresholdMinimum'>): boolean {
  if (removals === 0) return false;
  return removals >= settings.deletionThresholdMinimum && removals > (activeSynced * settings.deletionThresholdPercent) / 100;
}
