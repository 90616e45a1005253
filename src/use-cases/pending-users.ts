import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { isAppError } from '../domain/app-error';
import { AuditEntry, auditEntry, directoryUserTarget, symbolUserTarget, userActor } from '../domain/audit';
import { addressesOf, autoApproves, mailboxAddress } from '../domain/directory/classification';
import { entryReasons, Reason } from '../domain/directory/reasons';
import { DirectoryUserRecord, Flag } from '../domain/directory/directory-user';
import { displayNameOf } from '../domain/directory/review-keys';
import { matchSymbolUser } from '../domain/symbol-user-matching';
import { AutoApprove, IntegrationSettings } from '../domain/integration-settings';
import { SymbolUser } from '../domain/symbol-user';
import { Versioned } from '../ports/integration-store.port';
import { Page } from '../ports/sync-run-store.port';
import { Principal } from '../ports/token-verifier.port';
import { loadIntegration } from './integration-updates';
import { approveIntoSymbol } from './symbol-user-effects';
import { mapWithConcurrency } from '../shared/bounded-concurrency';
import { recordAudit } from './audit-trail';

/** One entry of the "Pending for approval" (or denied) list, as the admin UI shows it. */
export interface PendingUserView {
  id: string;
  displayName: string;
  email: string | null;
  userPrincipalName: string | null;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  department: string | null;
  flags: Flag[];
  /**
   * Why it is here: each flag with what in the user's directory data raised it (code = the flag),
   * then the rule that put it in this list (`pending.review`, `excluded.guests`,
   * `scope.out_of_groups`, `denied.admin`, …), in words.
   */
  reasons: Reason[];
  /** The existing Symbol user an approval would merge with (found by e-mail), if exactly one. */
  matchedUserId: string | null;
  /** That user as the admin recognises it, so the merge is visible before approving. */
  matchedUser: { id: string; email: string; displayName: string | null; source: SymbolUser['source']; status: SymbolUser['status'] } | null;
  /** Several Symbol users share this user's addresses: an approval will not guess. */
  matchConflict: string[] | null;
  status: 'pending' | 'denied' | 'excluded' | 'approved';
  firstSeenAt: string;
  /** When the directory last reported a change to this user (unchanged users cost no write). */
  lastSeenAt: string;
}

type Deps = Pick<Services, 'directoryUsers' | 'symbolUsers' | 'clock'>;
/** Deciding: the records, the Symbol users, the time, and the audit trail that records each decision. */
type DecisionDeps = Deps & Pick<Services, 'audit'>;

export interface ReviewListQuery {
  status: 'pending' | 'denied' | 'excluded' | 'approved';
  search: string | null;
  flag: Flag | null;
  limit: number;
  cursor: string | null;
}

/** The Symbol users that share addresses with these directory users (one query for the page). */
async function symbolUsersMatching(services: Pick<Services, 'symbolUsers'>, companyId: string, records: readonly DirectoryUserRecord[]): Promise<SymbolUser[]> {
  const addresses = [...new Set(records.flatMap((r) => addressesOf(r.attributes)))];
  return addresses.length > 0 ? (await services.symbolUsers.findByEmailKeys(companyId, addresses)).map((u) => u.value) : [];
}

export async function listPendingUsers(services: Deps & Pick<Services, 'integrations' | 'syncState'>, companyId: string, query: ReviewListQuery): Promise<Page<PendingUserView>> {
  const [page, { integration }, state] = await Promise.all([services.directoryUsers.listForReview(companyId, query), loadIntegration(services, companyId), services.syncState.get(companyId)]);
  const groupNames = new Map(Object.entries(state?.value.groups?.names ?? {}));
  const symbolUsers = await symbolUsersMatching(services, companyId, page.items.map((i) => i.value));
  const byId = new Map(symbolUsers.map((u) => [u.id, u]));
  return {
    nextCursor: page.nextCursor,
    items: page.items.map(({ value: r }) => {
      const match = matchSymbolUser(r.id, r.attributes, symbolUsers);
      const matchedUserId = match.kind === 'match' || match.kind === 'linked' ? match.userId : null;
      const matched = matchedUserId === null ? undefined : byId.get(matchedUserId);
      return {
        id: r.id,
        displayName: displayNameOf(r.attributes),
        email: mailboxAddress(r.attributes),
        userPrincipalName: r.attributes.userPrincipalName,
        givenName: r.attributes.givenName,
        surname: r.attributes.surname,
        jobTitle: r.attributes.jobTitle,
        department: r.attributes.department,
        flags: r.flags,
        reasons: entryReasons(r, integration.settings, groupNames),
        matchedUserId,
        matchedUser: matched ? { id: matched.id, email: matched.email, displayName: matched.displayName, source: matched.source, status: matched.status } : null,
        matchConflict: match.kind === 'ambiguous' ? match.userIds : null,
        status: r.status,
        firstSeenAt: r.firstSeenAt,
        lastSeenAt: r.lastChangedAt,
      };
    }),
  };
}

export type DecisionFailureCode = 'not_found' | 'not_pending' | 'not_denied' | 'ambiguous_match' | 'no_mailbox' | 'conflict';
export interface DecisionFailure {
  id: string;
  code: DecisionFailureCode;
  /** For ambiguous_match: the Symbol users that share the address. */
  candidates?: string[];
}

const CONCURRENCY = 16;
const MAX_ATTEMPTS = 5;

function forEachId<T>(ids: readonly string[], task: (id: string) => Promise<T>): Promise<T[]> {
  return mapWithConcurrency(ids, CONCURRENCY, task);
}

/**
 * Read-modify-write of one record with its etag, retried when a sync (or another admin) changed
 * it in between: no lost updates, and every decision sees the latest state.
 */
async function decideOne<R>(services: Deps, companyId: string, id: string, decide: (record: Versioned<DirectoryUserRecord>) => Promise<{ next: DirectoryUserRecord | null; result: R }>): Promise<R | { failure: DecisionFailureCode }> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = (await services.directoryUsers.getMany(companyId, [id])).get(id);
    if (!current) return { failure: 'not_found' };
    const { next, result } = await decide(current);
    if (!next) return result;
    const [outcome] = await services.directoryUsers.write(companyId, [{ op: 'put', record: next, expected: current }]);
    if (outcome?.ok) return result;
  }
  return { failure: 'conflict' };
}

export interface ApproveResult {
  approved: Array<{ id: string; userId: string; merged: boolean }>;
  failed: DecisionFailure[];
}

/** Approve = add to the Symbol user list (create, or merge by e-mail). Idempotent per id. */
type ApproveOne = { id: string; userId: string; merged: boolean; audit: AuditEntry | null } | { failure: DecisionFailureCode; candidates?: string[] };

/**
 * Approves the ids (1 to 1,000), each read-modify-written on its etag. Every approval made here
 * is recorded in the audit trail (and every merge, as a change of the Symbol user) in one write
 * at the end; approving an approved user again records nothing. `rule`: the auto-approve rule an
 * admin applied to users already waiting, when that is how the ids were chosen.
 */
export async function approvePendingUsers(services: DecisionDeps, companyId: string, ids: readonly string[], principal: Principal, log: Logger, options: { rule?: AutoApprove } = {}): Promise<ApproveResult> {
  // One lookup of matching Symbol users for the whole request instead of one per id.
  const records = await services.directoryUsers.getMany(companyId, ids);
  const addresses = [...new Set([...records.values()].flatMap((r) => addressesOf(r.value.attributes)))];
  const found = addresses.length > 0 ? await services.symbolUsers.findByEmailKeys(companyId, addresses) : [];
  const byEmail = new Map<string, Array<Versioned<SymbolUser>>>();
  for (const user of found) byEmail.set(user.value.emailKey, [...(byEmail.get(user.value.emailKey) ?? []), user]);
  const prefetchedFor = (record: DirectoryUserRecord) => [...new Map(addressesOf(record.attributes).flatMap((a) => byEmail.get(a) ?? []).map((u) => [u.value.id, u])).values()];
  const actor = userActor(principal);
  // A merge happens on the Symbol user when approveIntoSymbol links it, whatever becomes of the record's write.
  const merges: AuditEntry[] = [];

  const outcomes = await forEachId(ids, (id) =>
    decideOne<ApproveOne>(services, companyId, id, async ({ value: record }) => {
      if (record.status === 'approved' && record.symbolUserId) {
        const user = await services.symbolUsers.get(companyId, record.symbolUserId);
        return { next: null, result: { id, userId: record.symbolUserId, merged: user ? user.value.links.some((l) => l.entraObjectId === id && l.merged && !l.undone) : false, audit: null } };
      }
      if (record.status !== 'pending') return { next: null, result: { failure: 'not_pending' as const } };
      const nowIso = services.clock.now().toISOString();
      const outcome = await approveIntoSymbol(services, { companyId, entraObjectId: id, attributes: record.attributes, nowIso, by: principal.subject }, prefetchedFor(record));
      if (outcome.kind === 'ambiguous') return { next: null, result: { failure: 'ambiguous_match' as const, candidates: outcome.candidateIds } };
      if (outcome.kind === 'no_mailbox') return { next: null, result: { failure: 'no_mailbox' as const } };
      if (outcome.kind === 'email_taken') return { next: null, result: { failure: 'conflict' as const } };
      if (outcome.mergedNow) merges.push(auditEntry({ companyId, at: nowIso, actor, action: 'merge', target: symbolUserTarget(outcome.mergedNow.user), details: { entraObjectId: id, changed: outcome.mergedNow.changes } }));
      const approved = auditEntry({ companyId, at: nowIso, actor, action: 'approve', target: directoryUserTarget(record), details: { symbolUserId: outcome.symbolUserId, merged: outcome.merged, rule: options.rule ?? null } });
      return {
        next: { ...record, status: 'approved' as const, symbolUserId: outcome.symbolUserId, decidedAt: nowIso, decidedBy: principal.subject },
        result: { id, userId: outcome.symbolUserId, merged: outcome.merged, audit: approved },
      };
    }).catch((error: unknown) => {
      if (isAppError(error, 'conflict') || isAppError(error, 'precondition_failed')) return { failure: 'conflict' } satisfies ApproveOne;
      throw error;
    }),
  );
  const result: ApproveResult = { approved: [], failed: [] };
  const entries: AuditEntry[] = [];
  outcomes.forEach((o: ApproveOne, i) => {
    const id = ids[i] ?? '';
    if ('failure' in o) result.failed.push({ id, code: o.failure, ...(o.candidates ? { candidates: o.candidates } : {}) });
    else {
      result.approved.push({ id: o.id, userId: o.userId, merged: o.merged });
      if (o.audit) entries.push(o.audit);
    }
  });
  await recordAudit(services, [...entries, ...merges], log);
  return result;
}

/** Deny keeps the entry, as denied: it is never proposed as new again. Idempotent. */
export async function denyPendingUsers(services: DecisionDeps, companyId: string, ids: readonly string[], principal: Principal, log: Logger): Promise<{ denied: string[]; failed: DecisionFailure[] }> {
  const actor = userActor(principal);
  return statusChange(services, companyId, ids, log, (record, nowIso) => {
    if (record.status === 'denied') return { next: null, ok: true };
    if (record.status !== 'pending' && record.status !== 'excluded') return { next: null, ok: false, code: 'not_pending' };
    return {
      next: { ...record, status: 'denied', decidedAt: nowIso, decidedBy: principal.subject },
      ok: true,
      audit: auditEntry({ companyId, at: nowIso, actor, action: 'deny', target: directoryUserTarget(record), details: { previousStatus: record.status } }),
    };
  }).then(({ done, failed }) => ({ denied: done, failed }));
}

/**
 * Restore returns a denied entry to pending. An entry that is not denied (never was, or already
 * restored) answers `not_denied`: nothing is done, and the caller learns the entry's real state.
 */
export async function restorePendingUsers(services: DecisionDeps, companyId: string, ids: readonly string[], principal: Principal, log: Logger): Promise<{ restored: string[]; failed: DecisionFailure[] }> {
  const actor = userActor(principal);
  return statusChange(services, companyId, ids, log, (record, nowIso) => {
    if (record.status !== 'denied') return { next: null, ok: false, code: 'not_denied' };
    return {
      next: { ...record, status: 'pending', decidedAt: null, decidedBy: null },
      ok: true,
      audit: auditEntry({ companyId, at: nowIso, actor, action: 'restore', target: directoryUserTarget(record), details: {} }),
    };
  }).then(({ done, failed }) => ({ restored: done, failed }));
}

async function statusChange(
  services: DecisionDeps,
  companyId: string,
  ids: readonly string[],
  log: Logger,
  change: (record: DirectoryUserRecord, nowIso: string) => { next: DirectoryUserRecord | null; ok: boolean; code?: DecisionFailureCode; audit?: AuditEntry },
): Promise<{ done: string[]; failed: DecisionFailure[] }> {
  type StatusOne = { ok: true; audit: AuditEntry | null } | { failure: DecisionFailureCode };
  const outcomes = await forEachId(ids, (id) =>
    decideOne<StatusOne>(services, companyId, id, ({ value }) => {
      const decided = change(value, services.clock.now().toISOString());
      return Promise.resolve({ next: decided.next, result: decided.ok ? { ok: true, audit: decided.audit ?? null } : { failure: decided.code ?? 'conflict' } });
    }),
  );
  const done: string[] = [];
  const failed: DecisionFailure[] = [];
  const entries: AuditEntry[] = [];
  outcomes.forEach((o, i) => {
    const id = ids[i] ?? '';
    if ('failure' in o) failed.push({ id, code: o.failure });
    else {
      done.push(id);
      if (o.audit) entries.push(o.audit);
    }
  });
  await recordAudit(services, entries, log);
  return { done, failed };
}

/** Users approved per approve call when auto-approval is applied to those already waiting. */
const APPLY_BATCH = 200;
/** Names shown in a preview. */
const PREVIEW_SAMPLE = 10;
/** Pending entries read per page while looking for the ones the rule takes. */
const SCAN_PAGE = 500;

export interface AutoApprovePreview {
  autoApprove: IntegrationSettings['autoApprove'];
  wouldApprove: number;
  sample: Array<{ id: string; displayName: string; email: string | null; matchedUserId: string | null }>;
}

/**
 * Walks the pending list and yields, page by page, the entries the company's current auto-approve
 * rule would take (the same rule a sync applies to new users: flags and a match with a Symbol user).
 */
async function* autoApprovable(services: Deps, companyId: string, settings: IntegrationSettings): AsyncGenerator<Array<{ record: DirectoryUserRecord; matchedUserId: string | null }>> {
  if (settings.autoApprove === 'off') return;
  let cursor: string | null = null;
  do {
    const page = await services.directoryUsers.listForReview(companyId, { status: 'pending', search: null, flag: null, limit: SCAN_PAGE, cursor });
    const records = page.items.map((i) => i.value);
    const symbolUsers = settings.autoApprove === 'clean' ? [] : await symbolUsersMatching(services, companyId, records);
    const taken = records.flatMap((record) => {
      const match = matchSymbolUser(record.id, record.attributes, symbolUsers);
      const matchedUserId = match.kind === 'match' || match.kind === 'linked' ? match.userId : null;
      return autoApproves(record.flags, matchedUserId !== null, settings) ? [{ record, matchedUserId }] : [];
    });
    if (taken.length > 0) yield taken;
    cursor = page.nextCursor;
  } while (cursor !== null);
}

/** How many waiting users the current auto-approve rule would approve, with a few of them. */
export async function previewAutoApprove(services: Deps & Pick<Services, 'integrations'>, companyId: string): Promise<AutoApprovePreview> {
  const { integration } = await loadIntegration(services, companyId);
  const preview: AutoApprovePreview = { autoApprove: integration.settings.autoApprove, wouldApprove: 0, sample: [] };
  for await (const taken of autoApprovable(services, companyId, integration.settings)) {
    preview.wouldApprove += taken.length;
    for (const { record, matchedUserId } of taken) {
      if (preview.sample.length < PREVIEW_SAMPLE) preview.sample.push({ id: record.id, displayName: displayNameOf(record.attributes), email: mailboxAddress(record.attributes), matchedUserId });
    }
  }
  return preview;
}

/**
 * Applies the current auto-approve rule to the users already waiting, through the ordinary approve
 * path (merge by e-mail, etag-checked, idempotent): running it twice approves nobody twice.
 */
export async function applyAutoApprove(services: DecisionDeps & Pick<Services, 'integrations'>, companyId: string, principal: Principal, log: Logger): Promise<ApproveResult & { autoApprove: IntegrationSettings['autoApprove'] }> {
  const { integration } = await loadIntegration(services, companyId);
  const ids: string[] = [];
  for await (const taken of autoApprovable(services, companyId, integration.settings)) ids.push(...taken.map((t) => t.record.id));
  const result: ApproveResult = { approved: [], failed: [] };
  for (let i = 0; i < ids.length; i += APPLY_BATCH) {
    const part = await approvePendingUsers(services, companyId, ids.slice(i, i + APPLY_BATCH), principal, log, { rule: integration.settings.autoApprove });
    result.approved.push(...part.approved);
    result.failed.push(...part.failed);
  }
  return { autoApprove: integration.settings.autoApprove, ...result };
}
