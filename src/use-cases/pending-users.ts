import { Services } from '../app/services';
import { isAppError } from '../domain/app-error';
import { addressesOf, mailboxAddress } from '../domain/directory/classification';
import { DirectoryUserRecord, Flag } from '../domain/directory/directory-user';
import { displayNameOf } from '../domain/directory/review-keys';
import { matchSymbolUser } from '../domain/symbol-user-matching';
import { SymbolUser } from '../domain/symbol-user';
import { Versioned } from '../ports/integration-store.port';
import { Page } from '../ports/sync-run-store.port';
import { Principal } from '../ports/token-verifier.port';
import { approveIntoSymbol } from './symbol-user-effects';

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
  /** The existing Symbol user an approval would merge with (found by e-mail), if exactly one. */
  matchedUserId: string | null;
  /** Several Symbol users share this user's addresses: an approval will not guess. */
  matchConflict: string[] | null;
  status: 'pending' | 'denied';
  firstSeenAt: string;
  /** When the directory last reported a change to this user (unchanged users cost no write). */
  lastSeenAt: string;
}

type Deps = Pick<Services, 'directoryUsers' | 'symbolUsers' | 'clock'>;

export async function listPendingUsers(
  services: Deps,
  companyId: string,
  query: { status: 'pending' | 'denied'; search: string | null; flag: Flag | null; limit: number; cursor: string | null },
): Promise<Page<PendingUserView>> {
  const page = await services.directoryUsers.listForReview(companyId, query);
  const addresses = [...new Set(page.items.flatMap((i) => addressesOf(i.value.attributes)))];
  const users = addresses.length > 0 ? await services.symbolUsers.findByEmailKeys(companyId, addresses) : [];
  const symbolUsers = users.map((u) => u.value);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map(({ value: r }) => {
      const match = matchSymbolUser(r.id, r.attributes, symbolUsers);
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
        matchedUserId: match.kind === 'match' || match.kind === 'linked' ? match.userId : null,
        matchConflict: match.kind === 'ambiguous' ? match.userIds : null,
        status: r.status === 'denied' ? 'denied' : 'pending',
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

async function forEachId<T>(ids: readonly string[], task: (id: string) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      results[index] = await task(ids[index] ?? '');
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return results;
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
    const [outcome] = await services.directoryUsers.write(companyId, [{ op: 'put', record: next, expectedEtag: current.etag }]);
    if (outcome?.ok) return result;
  }
  return { failure: 'conflict' };
}

function isFailure(value: unknown): value is { failure: DecisionFailureCode; candidates?: string[] } {
  return typeof value === 'object' && value !== null && 'failure' in value;
}

export interface ApproveResult {
  approved: Array<{ id: string; userId: string; merged: boolean }>;
  failed: DecisionFailure[];
}

/** Approve = add to the Symbol user list (create, or merge by e-mail). Idempotent per id. */
type ApproveOne = { id: string; userId: string; merged: boolean } | { failure: DecisionFailureCode; candidates?: string[] };

export async function approvePendingUsers(services: Deps, companyId: string, ids: readonly string[], principal: Principal): Promise<ApproveResult> {
  // One lookup of matching Symbol users for the whole request instead of one per id.
  const records = await services.directoryUsers.getMany(companyId, ids);
  const addresses = [...new Set([...records.values()].flatMap((r) => addressesOf(r.value.attributes)))];
  const found = addresses.length > 0 ? await services.symbolUsers.findByEmailKeys(companyId, addresses) : [];
  const byEmail = new Map<string, Array<Versioned<SymbolUser>>>();
  for (const user of found) byEmail.set(user.value.emailKey, [...(byEmail.get(user.value.emailKey) ?? []), user]);
  const prefetchedFor = (record: DirectoryUserRecord) => [...new Map(addressesOf(record.attributes).flatMap((a) => byEmail.get(a) ?? []).map((u) => [u.value.id, u])).values()];

  const outcomes = await forEachId(ids, (id) =>
    decideOne<ApproveOne>(services, companyId, id, async ({ value: record }) => {
      if (record.status === 'approved' && record.symbolUserId) {
        const user = await services.symbolUsers.get(companyId, record.symbolUserId);
        return { next: null, result: { id, userId: record.symbolUserId, merged: user ? user.value.links.some((l) => l.entraObjectId === id && l.merged) : false } };
      }
      if (record.status !== 'pending') return { next: null, result: { failure: 'not_pending' as const } };
      const nowIso = services.clock.now().toISOString();
      const outcome = await approveIntoSymbol(services, { companyId, entraObjectId: id, attributes: record.attributes, nowIso, by: principal.subject }, prefetchedFor(record));
      if (outcome.kind === 'ambiguous') return { next: null, result: { failure: 'ambiguous_match' as const, candidates: outcome.candidateIds } };
      if (outcome.kind === 'no_mailbox') return { next: null, result: { failure: 'no_mailbox' as const } };
      if (outcome.kind === 'email_taken') return { next: null, result: { failure: 'conflict' as const } };
      return {
        next: { ...record, status: 'approved' as const, symbolUserId: outcome.symbolUserId, decidedAt: nowIso, decidedBy: principal.subject },
        result: { id, userId: outcome.symbolUserId, merged: outcome.merged },
      };
    }).catch((error: unknown) => {
      if (isAppError(error, 'conflict') || isAppError(error, 'precondition_failed')) return { failure: 'conflict' } satisfies ApproveOne;
      throw error;
    }),
  );
  const result: ApproveResult = { approved: [], failed: [] };
  outcomes.forEach((o: ApproveOne, i) => {
    const id = ids[i] ?? '';
    if ('failure' in o) result.failed.push({ id, code: o.failure, ...(o.candidates ? { candidates: o.candidates } : {}) });
    else result.approved.push(o);
  });
  return result;
}

/** Deny keeps the entry, as denied: it is never proposed as new again. Idempotent. */
export async function denyPendingUsers(services: Deps, companyId: string, ids: readonly string[], principal: Principal): Promise<{ denied: string[]; failed: DecisionFailure[] }> {
  return statusChange(services, companyId, ids, (record, nowIso) => {
    if (record.status === 'denied') return { next: null, ok: true };
    if (record.status !== 'pending' && record.status !== 'excluded') return { next: null, ok: false, code: 'not_pending' };
    return { next: { ...record, status: 'denied', decidedAt: nowIso, decidedBy: principal.subject }, ok: true };
  }).then(({ done, failed }) => ({ denied: done, failed }));
}

/** Restore returns a denied entry to pending. Idempotent. */
export async function restorePendingUsers(services: Deps, companyId: string, ids: readonly string[]): Promise<{ restored: string[]; failed: DecisionFailure[] }> {
  return statusChange(services, companyId, ids, (record) => {
    if (record.status === 'pending') return { next: null, ok: true };
    if (record.status !== 'denied') return { next: null, ok: false, code: 'not_denied' };
    return { next: { ...record, status: 'pending', decidedAt: null, decidedBy: null }, ok: true };
  }).then(({ done, failed }) => ({ restored: done, failed }));
}

async function statusChange(
  services: Deps,
  companyId: string,
  ids: readonly string[],
  change: (record: DirectoryUserRecord, nowIso: string) => { next: DirectoryUserRecord | null; ok: boolean; code?: DecisionFailureCode },
): Promise<{ done: string[]; failed: DecisionFailure[] }> {
  const outcomes = await forEachId(ids, (id) =>
    decideOne(services, companyId, id, ({ value }) => {
      const decided = change(value, services.clock.now().toISOString());
      return Promise.resolve({ next: decided.next, result: decided.ok ? { ok: true as const } : { failure: decided.code ?? 'conflict' } });
    }),
  );
  const done: string[] = [];
  const failed: DecisionFailure[] = [];
  outcomes.forEach((o, i) => {
    const id = ids[i] ?? '';
    if (isFailure(o)) failed.push({ id, code: o.failure });
    else done.push(id);
  });
  return { done, failed };
}
