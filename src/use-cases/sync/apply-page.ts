import { Services } from '../../app/services';
import { Logger } from '../../app/logger';
import { AppError } from '../../domain/app-error';
import { AuditEntry, auditEntry, directoryUserTarget, symbolUserTarget, syncActor } from '../../domain/audit';
import { addressesOf } from '../../domain/directory/classification';
import { DeltaItem, mergeAttributes, parseDeltaItem } from '../../domain/directory/delta-item';
import { DirectoryUserRecord, EMPTY_ATTRIBUTES, SyncWrite } from '../../domain/directory/directory-user';
import { attributesHash } from '../../domain/directory/fingerprint-hash';
import { Decision, DiffContext, diffPage, ScopeContext, StoredRecord } from '../../domain/directory/sync-diff';
import { Integration } from '../../domain/integration';
import { SyncCounts } from '../../domain/sync-run';
import { PageResult, readsStoredRecords, SyncRound } from '../../domain/sync-round';
import { DirectoryUserWrite } from '../../ports/directory-user-store.port';
import { recordAudit } from '../audit-trail';
import { Versioned } from '../../ports/integration-store.port';
import { approveIntoSymbol, followOnSymbolUser } from '../symbol-user-effects';

/**
 * One page of `users/delta` → stored records: validate the items, read what is stored for them,
 * decide with the pure diff, carry out each decision's Symbol-user effect, write the records
 * (each write conditional on the version read, stamped with the round, attempt and page), and
 * count. Users that someone else changed meanwhile (an admin approving, say) are read and decided
 * again, a few times at most. A record an earlier attempt of the round wrote after its last
 * checkpoint (it crashed, or failed) is found unchanged; it is counted as that attempt counted it.
 * The decisions written — auto-approvals (and the merges they make), reactivations — go to the
 * audit trail in one write per page, after the records.
 */

export type PageServices = Pick<Services, 'directoryUsers' | 'symbolUsers' | 'clock' | 'audit'>;

export interface PageTarget {
  integration: Integration;
  runId: string;
  round: SyncRound;
  /** The company's scope for these users (absent: everyone is in scope). */
  scope?: ((userIds: readonly string[]) => Promise<ScopeContext>) | undefined;
  /** Re-judging stored users (not reading Graph): users without a record are left alone. */
  knownOnly?: boolean;
  /**
   * Ids this invocation counted from an earlier attempt's stamp (see `recoveredWrite`), so that
   * a user Graph returns twice is recovered once. Owned by the invocation.
   */
  recovered: Set<string>;
}

const MAX_CONFLICT_ROUNDS = 3;

type Put = Extract<Decision, { kind: 'put' }>;
type Resolved = Exclude<Decision, { kind: 'invalid' }>;

export async function applyPage(
  services: PageServices,
  target: PageTarget,
  rawItems: readonly unknown[],
  log: Logger,
): Promise<PageResult> {
  const { companyId } = target.integration;
  const items = rawItems.map(parseDeltaItem);
  const seen = [...new Set(items.flatMap((i) => (i.kind === 'user' ? [i.id] : [])))];
  const result: PageResult = { counts: { scanned: items.length }, newPending: [], removalsFlagged: 0, seen };
  let toDecide = items;
  const audit: AuditEntry[] = [];
  for (let attempt = 1; attempt <= MAX_CONFLICT_ROUNDS && toDecide.length > 0; attempt++) {
    // A first import has no records yet: no reads. If a resumed round meets records its earlier
    // attempt wrote, the creates conflict and those users are read and decided on the next pass.
    const stored =
      readsStoredRecords(target.round) || attempt > 1 || target.knownOnly === true
        ? await storedRecords(services, companyId, toDecide)
        : new Map<string, StoredRecord>();
    if (target.knownOnly === true) toDecide = toDecide.filter((i) => i.kind !== 'invalid' && stored.has(i.id));
    const ctx = await diffContext(services, target, toDecide, stored);
    const resolved: Resolved[] = [];
    // Entries for decisions that count only once their record is written, by user id.
    const ifWritten = new Map<string, AuditEntry>();
    for (const decision of diffPage(toDecide, stored, ctx).decisions) {
      if (decision.kind === 'invalid') {
        bump(result.counts, 'invalid');
        log.warn('sync.invalid_item', { companyId, runId: target.runId, problem: decision.problem });
      } else if (decision.kind === 'put') {
        const effected = await withEffect(
          services,
          decision,
          { ...ctx, rule: target.integration.settings.autoApprove },
          log,
        );
        resolved.push(effected.decision);
        audit.push(...effected.happened);
        if (effected.ifWritten) ifWritten.set(decision.record.id, effected.ifWritten);
      } else resolved.push(decision);
    }
    const conflicted = await write(services, companyId, resolved, stored, stampFor(target.round));
    const written = resolved.filter((d) => !conflicted.has(idOf(d)));
    tally(result, written, (id) => recoveredWrite(target, stored.get(id)?.record));
    for (const d of written) {
      const entry = ifWritten.get(idOf(d));
      if (entry) audit.push(entry);
    }
    if (conflicted.size > 0)
      log.warn('sync.write_conflicts', { companyId, runId: target.runId, conflicts: conflicted.size, attempt });
    toDecide = toDecide.filter((i) => i.kind !== 'invalid' && conflicted.has(i.id));
  }
  await recordAudit(services, audit, log);
  if (toDecide.length > 0)
    throw new AppError(
      'dependency_unavailable',
      `${toDecide.length} users kept changing during the sync; the page will be retried.`,
    );
  return result;
}

export async function storedRecords(
  services: Pick<PageServices, 'directoryUsers'>,
  companyId: string,
  items: readonly DeltaItem[],
): Promise<Map<string, StoredRecord>> {
  const ids = [...new Set(items.flatMap((i) => (i.kind === 'invalid' ? [] : [i.id])))];
  const found = await services.directoryUsers.getMany(companyId, ids);
  return new Map([...found].map(([id, v]) => [id, { record: v.value, etag: v.etag }]));
}

async function diffContext(
  services: PageServices,
  target: PageTarget,
  items: readonly DeltaItem[],
  stored: ReadonlyMap<string, StoredRecord>,
): Promise<DiffContext> {
  const { integration, round } = target;
  return {
    companyId: integration.companyId,
    connectionId: integration.connectionId ?? '',
    runId: target.runId,
    roundId: round.mode === 'full' ? round.roundId : null,
    nowIso: services.clock.now().toISOString(),
    settings: integration.settings,
    hash: attributesHash,
    symbolEmails: await symbolEmailsFor(services, integration, items, stored),
    ...(target.scope ? { scope: await target.scope(items.flatMap((i) => (i.kind === 'invalid' ? [] : [i.id]))) } : {}),
  };
}

/** Addresses of new users that already belong to Symbol users (only when auto-approval may match on them). */
export async function symbolEmailsFor(
  services: Pick<PageServices, 'symbolUsers'>,
  integration: Integration,
  items: readonly DeltaItem[],
  stored: ReadonlyMap<string, StoredRecord>,
): Promise<Set<string>> {
  if (integration.settings.autoApprove !== 'matched' && integration.settings.autoApprove !== 'clean_or_matched')
    return new Set();
  const addresses = new Set<string>();
  for (const item of items) {
    if (item.kind !== 'user' || stored.has(item.id)) continue;
    for (const address of addressesOf(mergeAttributes(EMPTY_ATTRIBUTES, item.changes))) addresses.add(address);
  }
  if (addresses.size === 0) return addresses;
  const users = await services.symbolUsers.findByEmailKeys(integration.companyId, [...addresses]);
  return new Set(users.map((u) => u.value.emailKey));
}

interface Effected {
  decision: Put;
  /** Entries for what happened already (a merge is made on the Symbol user, whatever becomes of the record's write). */
  happened: AuditEntry[];
  /** The entry for the decision itself, recorded only once its record is written. */
  ifWritten: AuditEntry | null;
}

/** Carries out a decision's Symbol-user effect first, so the record never claims what did not happen. */
async function withEffect(
  services: PageServices,
  decision: Put,
  ctx: Pick<DiffContext, 'nowIso' | 'runId' | 'settings'> & { rule: Integration['settings']['autoApprove'] },
  log: Logger,
): Promise<Effected> {
  const { record, effect } = decision;
  const { nowIso } = ctx;
  const actor = syncActor(ctx.runId);
  const companyId = record.companyId;
  if (!effect) return { decision, happened: [], ifWritten: null };
  if (effect.kind === 'approve') {
    const approval = {
      companyId,
      entraObjectId: record.id,
      attributes: record.attributes,
      nowIso,
      by: 'auto-approval',
    };
    const outcome = await approveIntoSymbol(services, approval);
    if (outcome.kind === 'approved') {
      const merge = outcome.mergedNow;
      const happened = merge
        ? [
            auditEntry({
              companyId,
              at: nowIso,
              actor,
              action: 'merge',
              target: symbolUserTarget(merge.user),
              details: { entraObjectId: record.id, changed: merge.changes },
            }),
          ]
        : [];
      const approved = auditEntry({
        companyId,
        at: nowIso,
        actor,
        action: 'auto_approve',
        target: directoryUserTarget(record),
        details: { symbolUserId: outcome.symbolUserId, merged: outcome.merged, rule: ctx.rule },
      });
      return {
        decision: { ...decision, record: { ...record, symbolUserId: outcome.symbolUserId } },
        happened,
        ifWritten: approved,
      };
    }
    // Auto-approval cannot decide (ambiguous match, no mailbox): the admin does.
    log.info('sync.auto_approve_skipped', { companyId, reason: outcome.kind });
    return {
      decision: {
        ...decision,
        record: { ...record, status: 'pending', decidedAt: null, decidedBy: null },
        counter: 'newPending',
        effect: null,
      },
      happened: [],
      ifWritten: null,
    };
  }
  const followed = await followOnSymbolUser(services, {
    companyId,
    symbolUserId: effect.symbolUserId,
    entraObjectId: record.id,
    attributes: record.attributes,
    nowIso,
    ...(effect.kind === 'reactivate' ? { active: true } : {}),
  });
  if (followed === 'missing') log.warn('sync.symbol_user_missing', { companyId, symbolUserId: effect.symbolUserId });
  if (followed === 'unlinked') log.info('sync.symbol_user_unlinked', { companyId, symbolUserId: effect.symbolUserId });
  const reactivated =
    effect.kind === 'reactivate' && followed === 'done'
      ? auditEntry({
          companyId,
          at: nowIso,
          actor,
          action: 'reactivate',
          target: { ...directoryUserTarget(record), type: 'symbol_user', id: effect.symbolUserId },
          details: { entraObjectId: record.id },
        })
      : null;
  return { decision, happened: [], ifWritten: reactivated };
}

/**
 * Writes what changed, each write naming the version it replaces (the record as read) and stamped
 * with what the run counts it as; returns the ids whose precondition failed (changed or appeared
 * meanwhile). Unchanged users cost no write, in full rounds too (the ids a full round sees are
 * kept per checkpoint, not marked per user).
 */
async function write(
  services: PageServices,
  companyId: string,
  decisions: readonly Resolved[],
  stored: ReadonlyMap<string, StoredRecord>,
  stamp: (counted: SyncWrite['counted']) => SyncWrite,
): Promise<Set<string>> {
  const writes: DirectoryUserWrite[] = [];
  for (const d of decisions) {
    if (d.kind === 'put') {
      const record = { ...d.record, syncWrite: stamp(d.counter) };
      writes.push({ op: 'put', record, expected: d.expectedEtag === null ? null : expectedVersion(stored, record.id) });
    } else if (d.kind === 'delete') writes.push({ op: 'delete', expected: expectedVersion(stored, d.id) });
  }
  if (writes.length === 0) return new Set();
  const outcomes = await services.directoryUsers.write(companyId, writes);
  return new Set(outcomes.filter((o) => !o.ok).map((o) => o.id));
}

/** The version a decision was made against (the diff takes its etag from the same map). */
function expectedVersion(stored: ReadonlyMap<string, StoredRecord>, id: string): Versioned<DirectoryUserRecord> {
  const found = stored.get(id);
  if (!found) throw new AppError('internal_error', 'A write of a stored record without the version it was decided on');
  return { value: found.record, etag: found.etag };
}

function stampFor(round: SyncRound): (counted: SyncWrite['counted']) => SyncWrite {
  return (counted) => ({ roundId: round.roundId, attempt: round.attempt, page: round.pages, counted });
}

/**
 * The stamp of a record an earlier attempt of this round wrote after its last checkpoint (from
 * the page this attempt began at), if this invocation has not counted it yet: that attempt's
 * counts of it were lost with it.
 */
function recoveredWrite(target: PageTarget, record: DirectoryUserRecord | undefined): SyncWrite | null {
  const stamp = record?.syncWrite;
  const { round } = target;
  if (!record || !stamp || target.recovered.has(record.id)) return null;
  if (stamp.roundId !== round.roundId || stamp.attempt >= round.attempt || stamp.page < round.attemptStartPage)
    return null;
  target.recovered.add(record.id);
  return stamp;
}

/** Counts the decisions that were written (and, for users found unchanged, what a lost attempt wrote). */
function tally(result: PageResult, written: readonly Resolved[], recovered: (id: string) => SyncWrite | null): void {
  for (const d of written) {
    if (d.kind === 'delete') bump(result.counts, 'removed');
    else if (d.kind === 'unchanged') {
      const stamp = recovered(d.id);
      if (stamp === null) bump(result.counts, d.counter);
      else if (stamp.counted !== null) bump(result.counts, stamp.counted);
    } else {
      if (d.record.pendingRemoval) result.removalsFlagged++;
      if (d.counter) bump(result.counts, d.counter);
      if (d.counter === 'newPending' && d.record.status === 'pending')
        result.newPending.push(d.record.attributes.displayName ?? d.record.attributes.mail ?? d.record.id);
    }
  }
}

function idOf(d: Resolved): string {
  return d.kind === 'put' ? d.record.id : d.id;
}

function bump(counts: Partial<SyncCounts>, name: keyof SyncCounts): void {
  counts[name] = (counts[name] ?? 0) + 1;
}
