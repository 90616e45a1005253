import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { AppError, isAppError } from '../domain/app-error';
import { mergeAttributes, parseDeltaItem } from '../domain/directory/delta-item';
import { attributesHash } from '../domain/directory/fingerprint-hash';
import { addressesOf } from '../domain/directory/classification';
import { DirectoryUserRecord, EMPTY_ATTRIBUTES } from '../domain/directory/directory-user';
import { applyRemoval, Decision, deletionGuardHolds, DiffContext, diffPage, StoredRecord } from '../domain/directory/sync-diff';
import { Integration } from '../domain/integration';
import { notificationRecipients } from '../domain/integration-settings';
import { NotificationMessage } from '../domain/notification-message';
import { NOTIFICATIONS_QUEUE, SYNC_JOBS_QUEUE, SyncJob, SyncJobSchema } from '../domain/sync-job';
import { queuedRun, SyncCounts, SyncRun } from '../domain/sync-run';
import { SyncRound, SyncState } from '../domain/sync-state';
import { DirectoryUserWrite } from '../ports/directory-user-store.port';
import { Versioned } from '../ports/integration-store.port';
import { fieldProblems } from '../http/request';
import { jobFor, lastSyncOf } from './enqueue-sync';
import { updateIntegration } from './integration-updates';
import { approveIntoSymbol, followOnSymbolUser, setSymbolUserActive } from './symbol-user-effects';
import { ensureSubscriptionAfterRun } from './ensure-subscription';

/**
 * The sync worker: one `sync-jobs` message → (part of) one sync run. Reads `users/delta` page by
 * page, decides with the pure diff, writes only what changed, checkpoints, and continues in a
 * follow-up message on the same session when its time budget runs low. Every step is idempotent,
 * so a redelivery after a crash resumes from the last checkpoint and ends in the same state.
 */

export interface DeliveryInfo {
  messageId: string;
  deliveryCount: number;
}

export type SyncOutcome = 'succeeded' | 'held' | 'failed' | 'continued' | 'skipped';

const hash = attributesHash;
const SWEEP_PAGE = 200;
const MAX_CONFLICT_ROUNDS = 3;

function addCounts(a: SyncCounts, b: Partial<SyncCounts>): SyncCounts {
  const out = { ...a };
  for (const [k, v] of Object.entries(b) as Array<[keyof SyncCounts, number | undefined]>) out[k] += v ?? 0;
  return out;
}

export async function runSync(services: Services, body: unknown, delivery: DeliveryInfo, log: Logger, now: () => number = Date.now): Promise<SyncOutcome> {
  const started = now();
  const parsed = SyncJobSchema.safeParse(body);
  if (!parsed.success) {
    log.error('sync.invalid_job', { messageId: delivery.messageId, problems: fieldProblems(parsed.error).length });
    throw new AppError('validation_failed', 'Invalid sync job message.', { errors: fieldProblems(parsed.error) });
  }
  const job = parsed.data;
  const { companyId } = job;
  const integration = (await services.integrations.get(companyId))?.value;
  let run = (await services.syncRuns.get(companyId, job.runId)) ?? (await services.syncRuns.create(queuedRun({ ...job, nowIso: job.requestedAt })));
  if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'held') {
    log.info('sync.duplicate_delivery', { companyId, runId: run.runId, status: run.status });
    return 'skipped';
  }
  if (!integration || integration.status !== 'connected' || integration.connectionId !== job.connectionId || !integration.tenantId) {
    // Disconnected, revoked, or reconnected to another tenant since this job was queued.
    await finishRun(services, { ...run, startedAt: run.startedAt ?? iso(now()) }, 'failed', { code: 'not_connected', message: 'The integration is no longer connected to this tenant.' }, now, started);
    log.warn('sync.stale_job', { companyId, runId: run.runId });
    return 'skipped';
  }
  const tenantId = integration.tenantId;

  run = await services.syncRuns.update({ ...run, status: 'running', startedAt: run.startedAt ?? iso(now()), invocations: run.invocations + 1, error: null });
  await setLastSync(services, integration, run);

  try {
    let stateV = await loadState(services, companyId, job.connectionId, now);
    let round = startOrResumeRound(stateV.value, job, services, now);
    const deadline = started + services.config.sync.timeBudgetSeconds * 1000;
    let sinceCheckpoint = 0;
    const checkpoint = async () => {
      stateV = await saveState(services, { ...stateV.value, round: { ...round, checkpointedAt: iso(now()) }, updatedAt: iso(now()) }, stateV.etag);
      run = await services.syncRuns.update({ ...run, counts: round.counts, pages: round.pages });
      sinceCheckpoint = 0;
    };
    await checkpoint();

    while (!round.pagesDone) {
      if (now() >= deadline) return await continueLater(services, job, run, checkpoint, log);
      const link = round.nextLink ?? (round.mode === 'delta' ? stateV.value.deltaLink : null);
      let page;
      try {
        page = await services.directory.deltaPage(tenantId, link);
      } catch (error) {
        if (isAppError(error, 'directory_delta_reset') && link !== null) {
          // Delta state expired or reset: a full round, then a sweep of users it did not return.
          log.warn('sync.delta_reset', { companyId, runId: run.runId });
          round = { ...round, mode: 'full', roundId: services.ids.uuid(), nextLink: null, deltaLink: null, sweep: true };
          stateV = await saveState(services, { ...stateV.value, deltaLink: null, round, updatedAt: iso(now()) }, stateV.etag);
          continue;
        }
        throw error;
      }
      const result = await applyPage(services, integration, round, run.runId, page.items, log, now);
      round = {
        ...round,
        counts: addCounts(round.counts, result.counts),
        newPendingSample: [...round.newPendingSample, ...result.newPending].slice(0, 10),
        removalsFlagged: round.removalsFlagged + result.removalsFlagged,
        nextLink: page.nextLink,
        deltaLink: page.deltaLink ?? round.deltaLink,
        pagesDone: page.nextLink === null,
        pages: round.pages + 1,
      };
      if (page.nextLink === null && page.deltaLink === null) throw new AppError('directory_invalid_response', 'The last delta page carried no deltaLink.');
      sinceCheckpoint++;
      if (round.pagesDone || sinceCheckpoint >= services.config.sync.checkpointEveryPages) await checkpoint();
    }

    // All pages read. A full round sweeps users it did not see (deleted while the delta state was lost).
    if (round.mode === 'full' && round.sweep) {
      const swept = await sweepUnseen(services, companyId, round, run.runId, now, deadline);
      round = { ...round, counts: addCounts(round.counts, swept.counts), removalsFlagged: round.removalsFlagged + swept.flagged };
      if (!swept.done) return await continueLater(services, job, run, checkpoint, log);
    }

    const mayHaveRemovals = round.removalsFlagged > 0 || stateV.value.removalsOutstanding || job.releaseHeld === true;
    const removals = mayHaveRemovals ? await settleRemovals(services, integration, now, job.releaseHeld === true) : { counts: {}, held: 0, activeSynced: 0 };
    round = { ...round, counts: addCounts(round.counts, removals.counts) };

    // Only now, with every change it covers written, does the deltaLink move on.
    stateV = await saveState(services, { ...stateV.value, deltaLink: round.deltaLink, round: null, removalsOutstanding: removals.held > 0, replacedConnection: false, lastFullRoundAt: round.mode === 'full' ? iso(now()) : stateV.value.lastFullRoundAt, updatedAt: iso(now()) }, stateV.etag);
    run = { ...run, mode: round.mode, counts: round.counts, pages: round.pages };
    const status = removals.held > 0 ? 'held' : 'succeeded';
    run = await finishRun(services, run, status, null, now, started);
    await setLastSync(services, integration, run);
    await notifyAfterRun(services, integration, run, round, removals, log);
    // The company's Graph subscription (created after its first import, replaced after a reconnect); never fails the run.
    await ensureSubscriptionAfterRun(services, companyId, log);
    log.info('sync.finished', { companyId, runId: run.runId, status, mode: round.mode, pages: round.pages, ...round.counts, ms: now() - started });
    return status;
  } catch (error) {
    return await handleFailure(services, integration, run, error, delivery, log, now, started);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

async function loadState(services: Services, companyId: string, connectionId: string, now: () => number): Promise<Versioned<SyncState>> {
  const stored = await services.syncState.get(companyId);
  if (stored && stored.value.connectionId === connectionId) return stored;
  // First sync of this connection (or a new tenant): no delta cursor carries over.
  const fresh: SyncState = { companyId, connectionId, deltaLink: null, lastFullRoundAt: null, removalsOutstanding: false, replacedConnection: stored !== null, round: null, updatedAt: iso(now()) };
  return saveState(services, fresh, stored?.etag ?? null);
}

async function saveState(services: Services, state: SyncState, etag: string | null): Promise<Versioned<SyncState>> {
  return services.syncState.save(state, etag);
}

function startOrResumeRound(state: SyncState, job: SyncJob, services: Services, now: () => number): SyncRound {
  const current = state.round;
  // Resume this run's round, or adopt an abandoned one (same work, idempotent) unless a full round was asked for.
  if (current && (current.runId === job.runId || !(job.mode === 'full' && current.mode === 'delta'))) return { ...current, runId: job.runId };
  const mode = job.mode === 'full' || state.deltaLink === null ? 'full' : 'delta';
  const at = iso(now());
  // The very first import of a company has nothing to sweep (and the sweep's query is not free).
  const firstImport = state.deltaLink === null && state.lastFullRoundAt === null && !state.replacedConnection;
  return {
    runId: job.runId,
    roundId: services.ids.uuid(),
    mode,
    nextLink: null,
    pagesDone: false,
    deltaLink: null,
    pages: 0,
    counts: { scanned: 0, newPending: 0, autoApproved: 0, updated: 0, deactivated: 0, unchanged: 0, excluded: 0, removed: 0, invalid: 0, held: 0 },
    newPendingSample: [],
    sweep: !firstImport,
    removalsFlagged: 0,
    startedAt: at,
    checkpointedAt: at,
  };
}

/** Diffs one page against the stored records and writes the outcome; retries users that changed meanwhile. */
async function applyPage(
  services: Services,
  integration: Integration,
  round: SyncRound,
  runId: string,
  rawItems: unknown[],
  log: Logger,
  now: () => number,
): Promise<{ counts: Partial<SyncCounts>; newPending: string[]; removalsFlagged: number }> {
  const companyId = integration.companyId;
  let removalsFlagged = 0;
  const items = rawItems.map(parseDeltaItem);
  const counts: Partial<SyncCounts> = { scanned: items.length };
  const bump = (name: keyof SyncCounts) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  const newPending: string[] = [];
  let pendingIds = new Set(items.flatMap((i) => (i.kind === 'invalid' ? [] : [i.id])));
  let toDecide = items;

  // A company's first import has no records yet: skip the reads. If a resumed round meets records
  // its earlier attempt wrote, the creates conflict and those users are read and decided again.
  const firstImport = round.mode === 'full' && !round.sweep;
  for (let attempt = 1; attempt <= MAX_CONFLICT_ROUNDS && toDecide.length > 0; attempt++) {
    const ids = [...pendingIds];
    const storedMap = firstImport && attempt === 1 ? new Map<string, Versioned<DirectoryUserRecord>>() : await services.directoryUsers.getMany(companyId, ids);
    const stored = new Map<string, StoredRecord>([...storedMap].map(([id, v]) => [id, { record: v.value, etag: v.etag }]));
    const ctx: DiffContext = {
      companyId,
      connectionId: integration.connectionId ?? '',
      runId,
      roundId: round.mode === 'full' ? round.roundId : null,
      nowIso: iso(now()),
      settings: integration.settings,
      hash,
      symbolEmails: await symbolEmailsFor(services, integration, toDecide, stored),
    };
    const { decisions } = diffPage(toDecide, stored, ctx);
    const writes: DirectoryUserWrite[] = [];
    const byId = new Map<string, Decision>();
    for (const decision of decisions) {
      if (decision.kind === 'invalid') {
        bump('invalid');
        log.warn('sync.invalid_item', { companyId, runId, problem: decision.problem });
        continue;
      }
      const resolved = decision.kind === 'put' ? await applyEffect(services, decision, ctx.nowIso, log) : decision;
      const id = resolved.kind === 'put' ? resolved.record.id : resolved.kind === 'invalid' ? null : resolved.id;
      if (id === null) continue;
      byId.set(id, resolved);
      if (resolved.kind === 'put') writes.push({ op: 'put', record: resolved.record, expectedEtag: resolved.expectedEtag });
      else if (resolved.kind === 'delete') writes.push({ op: 'delete', id: resolved.id, expectedEtag: resolved.expectedEtag });
      else if (resolved.kind === 'unchanged' && resolved.markSeen && ctx.roundId) writes.push({ op: 'mark_seen', id: resolved.id, roundId: ctx.roundId });
    }
    const outcomes = writes.length > 0 ? await services.directoryUsers.write(companyId, writes) : [];
    const conflicted = new Set(outcomes.filter((o) => !o.ok).map((o) => o.id));
    for (const [id, decision] of byId) {
      if (conflicted.has(id)) continue;
      if (decision.kind === 'put') {
        if (decision.record.pendingRemoval) removalsFlagged++;
        if (decision.counter) bump(decision.counter);
        if (decision.counter === 'newPending' && decision.record.status === 'pending') newPending.push(decision.record.attributes.displayName ?? decision.record.attributes.mail ?? id);
      } else if (decision.kind === 'delete') bump('removed');
      else if (decision.kind === 'unchanged') bump(decision.counter);
    }
    // Users changed by someone else meanwhile (an admin approving, say) are decided again on fresh state.
    toDecide = toDecide.filter((i) => i.kind !== 'invalid' && conflicted.has(i.id));
    pendingIds = conflicted;
    if (conflicted.size > 0) log.warn('sync.write_conflicts', { companyId, runId, conflicts: conflicted.size, attempt });
  }
  if (toDecide.length > 0) throw new AppError('dependency_unavailable', `${toDecide.length} users kept changing during the sync; the page will be retried.`);
  return { counts, newPending, removalsFlagged };
}

async function symbolEmailsFor(services: Services, integration: Integration, items: ReturnType<typeof parseDeltaItem>[], stored: ReadonlyMap<string, StoredRecord>): Promise<Set<string>> {
  if (integration.settings.autoApprove !== 'matched' && integration.settings.autoApprove !== 'clean_or_matched') return new Set();
  const addresses = new Set<string>();
  for (const item of items) {
    if (item.kind !== 'user' || stored.has(item.id)) continue;
    for (const address of addressesOf(mergeAttributes(EMPTY_ATTRIBUTES, item.changes))) addresses.add(address);
  }
  if (addresses.size === 0) return addresses;
  const users = await services.symbolUsers.findByEmailKeys(integration.companyId, [...addresses]);
  return new Set(users.map((u) => u.value.emailKey));
}

/** Runs a decision's Symbol-user effect first, so the record never claims what did not happen. */
async function applyEffect(services: Services, decision: Extract<Decision, { kind: 'put' }>, nowIso: string, log: Logger): Promise<Decision> {
  const record = decision.record;
  const effect = decision.effect;
  if (!effect) return decision;
  if (effect.kind === 'approve') {
    const outcome = await approveIntoSymbol(services, { companyId: record.companyId, entraObjectId: record.id, attributes: record.attributes, nowIso, by: 'auto-approval' });
    if (outcome.kind === 'approved') return { ...decision, record: { ...record, symbolUserId: outcome.symbolUserId } };
    // Auto-approval cannot decide (ambiguous match, no mailbox): the admin does.
    log.info('sync.auto_approve_skipped', { companyId: record.companyId, reason: outcome.kind });
    return { ...decision, record: { ...record, status: 'pending', decidedAt: null, decidedBy: null }, counter: 'newPending', effect: null };
  }
  const found = await followOnSymbolUser(services, { companyId: record.companyId, symbolUserId: effect.symbolUserId, entraObjectId: record.id, attributes: record.attributes, nowIso, ...(effect.kind === 'reactivate' ? { active: true } : {}) });
  if (!found) log.warn('sync.symbol_user_missing', { companyId: record.companyId, symbolUserId: effect.symbolUserId });
  return decision;
}

/** After a full round: users not returned by it are gone from the directory. */
async function sweepUnseen(services: Services, companyId: string, round: SyncRound, runId: string, now: () => number, deadline: number): Promise<{ counts: Partial<SyncCounts>; done: boolean; flagged: number }> {
  const counts: Partial<SyncCounts> = {};
  let flagged = 0;
  for (;;) {
    if (now() >= deadline) return { counts, done: false, flagged };
    // Always the first page: what was handled no longer matches, so the query shrinks as we go.
    const page = await services.directoryUsers.listNotSeenIn(companyId, round.roundId, { limit: SWEEP_PAGE, cursor: null });
    const writes: DirectoryUserWrite[] = [];
    for (const { value: record, etag } of page.items) {
      if (record.status === 'pending' || record.status === 'excluded') writes.push({ op: 'delete', id: record.id, expectedEtag: etag });
      else if (record.status === 'approved' && !record.deactivated && !record.pendingRemoval) {
        writes.push({ op: 'put', record: { ...record, seenRound: round.roundId, pendingRemoval: { reason: 'not_seen', runId, detectedAt: iso(now()) } }, expectedEtag: etag });
        flagged++;
      } else writes.push({ op: 'mark_seen', id: record.id, roundId: round.roundId });
    }
    if (writes.length > 0) {
      const outcomes = await services.directoryUsers.write(companyId, writes);
      counts.removed = (counts.removed ?? 0) + outcomes.filter((o, i) => o.ok && writes[i]?.op === 'delete').length;
    }
    if (page.items.length < SWEEP_PAGE) return { counts, done: true, flagged };
  }
}

/** Applies this company's pending removals, unless the deletion guard holds them. */
async function settleRemovals(services: Services, integration: Integration, now: () => number, released: boolean): Promise<{ counts: Partial<SyncCounts>; held: number; activeSynced: number }> {
  const companyId = integration.companyId;
  const pending: Array<Versioned<DirectoryUserRecord>> = [];
  let cursor: string | null = null;
  do {
    const page = await services.directoryUsers.listPendingRemovals(companyId, null, { limit: 500, cursor });
    pending.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (pending.length === 0) return { counts: {}, held: 0, activeSynced: 0 };
  const activeSynced = await services.directoryUsers.countActiveApproved(companyId);
  if (!released && deletionGuardHolds(pending.length, activeSynced, integration.settings)) {
    return { counts: { held: pending.length }, held: pending.length, activeSynced };
  }
  let deactivated = 0;
  for (const { value: record, etag } of pending) {
    const applied = applyRemoval(record, iso(now()));
    if (applied.deactivateSymbolUserId) await setSymbolUserActive(services, { companyId, symbolUserId: applied.deactivateSymbolUserId, active: false, nowIso: iso(now()) });
    const [outcome] = await services.directoryUsers.write(companyId, [{ op: 'put', record: applied.record, expectedEtag: etag }]);
    if (outcome?.ok) deactivated++;
  }
  return { counts: { deactivated }, held: 0, activeSynced };
}

async function continueLater(services: Services, job: SyncJob, run: SyncRun, checkpoint: () => Promise<void>, log: Logger): Promise<SyncOutcome> {
  await checkpoint();
  const continuation: SyncJob = { ...jobFor(run), trigger: 'continuation', mode: job.mode, ...(job.releaseHeld ? { releaseHeld: true } : {}) };
  await services.queue.send(SYNC_JOBS_QUEUE, { messageId: `${run.runId}:${run.invocations}`, sessionId: run.companyId, body: continuation, subject: 'sync:continuation' });
  log.info('sync.continued', { companyId: run.companyId, runId: run.runId, invocation: run.invocations, pages: run.pages });
  return 'continued';
}

async function finishRun(services: Services, run: SyncRun, status: 'succeeded' | 'failed' | 'held', error: SyncRun['error'], now: () => number, started: number): Promise<SyncRun> {
  const finishedAt = iso(now());
  const priorMs = run.durationMs ?? 0;
  return services.syncRuns.update({ ...run, status, error, finishedAt, durationMs: priorMs + (now() - started) });
}

async function setLastSync(services: Services, integration: Integration, run: SyncRun): Promise<void> {
  await updateIntegration(services, integration.companyId, (current, nowIso) => {
    if (current.connectionId !== run.connectionId) return { next: null, result: undefined };
    // Never let an older run overwrite the pointer to a newer one.
    if (current.lastSync && current.lastSync.runId !== run.runId && current.lastSync.queuedAt > run.queuedAt) return { next: null, result: undefined };
    const lastSync = lastSyncOf(run);
    if (JSON.stringify(current.lastSync) === JSON.stringify(lastSync)) return { next: null, result: undefined };
    return { next: { ...current, lastSync, updatedAt: nowIso }, result: undefined };
  });
}

async function notifyAfterRun(services: Services, integration: Integration, run: SyncRun, round: SyncRound, removals: { held: number; activeSynced: number }, log: Logger): Promise<void> {
  const to = notificationRecipients(integration.settings, integration.connectedBy?.email ?? null);
  if (to.length === 0) return;
  const messages: Array<{ id: string; body: NotificationMessage }> = [];
  if (round.counts.newPending > 0) {
    messages.push({ id: `new-pending:${run.runId}`, body: { kind: 'new-pending-users', version: 1, companyId: run.companyId, to, runId: run.runId, count: round.counts.newPending, sample: round.newPendingSample.slice(0, 5) } });
  }
  if (removals.held > 0) {
    messages.push({ id: `held:${run.runId}`, body: { kind: 'deactivations-held', version: 1, companyId: run.companyId, to, runId: run.runId, held: removals.held, activeSynced: removals.activeSynced, thresholdPercent: integration.settings.deletionThresholdPercent } });
  }
  for (const message of messages) {
    try {
      await services.queue.send(NOTIFICATIONS_QUEUE, { messageId: message.id, body: message.body, subject: message.body.kind });
    } catch (error) {
      // An e-mail never fails a sync.
      log.error('sync.email_not_queued', { companyId: run.companyId, runId: run.runId, kind: message.body.kind, error: error instanceof Error ? error.message : 'unknown' });
    }
  }
}

async function handleFailure(services: Services, integration: Integration, run: SyncRun, error: unknown, delivery: DeliveryInfo, log: Logger, now: () => number, started: number): Promise<SyncOutcome> {
  const code = isAppError(error) ? error.code : 'internal_error';
  if (code === 'consent_revoked') {
    await markConsentRevoked(services, integration, log, now);
    await finishRun(services, run, 'failed', { code, message: 'The app can no longer read this tenant: admin consent was revoked or the app was removed.' }, now, started);
    await setLastSync(services, integration, { ...run, status: 'failed' });
    log.warn('sync.consent_revoked', { companyId: run.companyId, runId: run.runId });
    return 'failed';
  }
  const lastAttempt = delivery.deliveryCount >= services.config.sync.maxDeliveryCount;
  const safe = { code, message: lastAttempt ? 'The sync failed repeatedly and was stopped; the next sync starts over from the last checkpoint.' : 'The sync hit an error and will be retried.' };
  log.error('sync.failed', { companyId: run.companyId, runId: run.runId, code, deliveryCount: delivery.deliveryCount, lastAttempt, error: error instanceof Error ? error.message : 'unknown' });
  try {
    if (lastAttempt) {
      const failed = await finishRun(services, run, 'failed', safe, now, started);
      await setLastSync(services, integration, failed);
    } else {
      await services.syncRuns.update({ ...run, error: safe });
    }
  } catch (recordError) {
    log.error('sync.failure_not_recorded', { companyId: run.companyId, runId: run.runId, error: recordError instanceof Error ? recordError.message : 'unknown' });
  }
  // Rethrow: the queue redelivers (then dead-letters); the checkpoint makes the retry resume.
  throw error;
}

async function markConsentRevoked(services: Services, integration: Integration, log: Logger, now: () => number): Promise<void> {
  const { result: transitioned, integration: updated } = await updateIntegration(services, integration.companyId, (current, nowIso) => {
    if (current.status !== 'connected' || current.connectionId !== integration.connectionId) return { next: null, result: false };
    return { next: { ...current, status: 'consent_revoked', updatedAt: nowIso }, result: true };
  });
  if (!transitioned) return;
  const to = notificationRecipients(updated.settings, updated.connectedBy?.email ?? null);
  if (to.length === 0 || !updated.tenantId) return;
  try {
    await services.queue.send(NOTIFICATIONS_QUEUE, {
      messageId: `consent-revoked:${updated.connectionId ?? ''}:${updated.connectedAt ?? ''}`,
      body: { kind: 'consent-revoked', version: 1, companyId: updated.companyId, to, tenantId: updated.tenantId, detectedAt: iso(now()) } satisfies NotificationMessage,
      subject: 'consent-revoked',
    });
  } catch (error) {
    log.error('sync.email_not_queued', { companyId: updated.companyId, kind: 'consent-revoked', error: error instanceof Error ? error.message : 'unknown' });
  }
}
