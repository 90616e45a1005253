import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { AppError, isAppError } from '../domain/app-error';
import { countsDelta, isEmptyDelta } from '../domain/company-counts';
import { fieldProblems } from '../domain/field-problems';
import { awaitsFirstImport, Integration } from '../domain/integration';
import { SYNC_JOBS_QUEUE, SyncJob, SyncJobSchema } from '../domain/sync-job';
import { queuedRun, SyncRun } from '../domain/sync-run';
import {
  afterGroups,
  afterPage,
  afterRescope,
  afterSweep,
  checkpointed,
  keepsSeenIds,
  needsSweep,
  nextPageLink,
  recountsAtEnd,
  restartedAsFull,
  resumed,
  roundForJob,
  stoppedCleanly,
  SyncRound,
  withRemovals,
  withSeenChunks,
} from '../domain/sync-round';
import { SyncState } from '../domain/sync-state';
import { DirectoryPage } from '../ports/directory-client.port';
import { Versioned } from '../ports/integration-store.port';
import { MAX_SEEN_IDS_PER_CHUNK } from '../ports/round-seen-store.port';
import { chunk } from '../shared/bounded-concurrency';
import { jobFor } from './enqueue-sync';
import { ensureSubscriptionAfterRun } from './ensure-subscription';
import { applyPage } from './sync/apply-page';
import { endRun, finishRun, setLastSync } from './sync/run-records';
import { DeliveryInfo, handleFailure } from './sync/sync-failure';
import { notifyAfterRun } from './sync/sync-notifications';
import { NOTHING_TO_SETTLE, settleRemovals, sweepUnseen } from './sync/settle-removals';
import { readScopeGroups, scopeContextFor } from './sync/scope-groups';
import { runPreview } from './sync/preview-run';

/** The rescope cursor of 'all': the last id re-judged. */
const RESCOPE_AFTER = 'after:';

/**
 * The sync worker: one `sync-jobs` message → (part of) one sync run.
 *
 *   load      the job, its run and the company's sync state; skip finished runs and stale jobs
 *   loop      read a `users/delta` page → apply it (sync/apply-page.ts) → checkpoint every few
 *             pages; the next page is fetched while the current one is applied (one page ahead);
 *             when the time budget runs low, checkpoint and continue in a follow-up message
 *   finish    sweep (full rounds), settle removals through the deletion guard, move the deltaLink
 *             on, record the run, e-mail, make sure the Graph subscription exists
 *
 * The round's state is an explicit value (domain/sync-round.ts) changed only through named
 * transitions; failures go to sync/sync-failure.ts (retry later, or fail). Every step is
 * idempotent, so a redelivery after a crash resumes from the last checkpoint and ends the same.
 */

export type { DeliveryInfo } from './sync/sync-failure';

export type SyncOutcome = 'succeeded' | 'held' | 'failed' | 'continued' | 'retrying' | 'skipped';

export type SyncServices = Pick<
  Services,
  | 'config'
  | 'clock'
  | 'ids'
  | 'integrations'
  | 'integrationLister'
  | 'syncRuns'
  | 'syncState'
  | 'directory'
  | 'directoryUsers'
  | 'groupDirectory'
  | 'groupMemberships'
  | 'symbolUsers'
  | 'queue'
  | 'subscriptions'
  | 'subscriptionStore'
  | 'previews'
  | 'audit'
  | 'roundSeen'
  | 'userCounts'
>;

/** Where a run stands: the stored sync state (with its etag), the run record, the round in memory. */
interface Progress {
  state: Versioned<SyncState>;
  run: SyncRun;
  round: SyncRound;
  /** Ids the round saw since its last checkpoint (rounds that sweep): stored as a chunk with the next checkpoint. */
  seen: string[];
}

/** What one invocation works with. */
interface Invocation {
  services: SyncServices;
  job: SyncJob;
  integration: Integration & { tenantId: string };
  startedMs: number;
  log: Logger;
  /** Users this invocation counted from an earlier attempt's write stamps (see sync/apply-page.ts). */
  recovered: Set<string>;
}

export async function runSync(
  services: SyncServices,
  body: unknown,
  delivery: DeliveryInfo,
  log: Logger,
): Promise<SyncOutcome> {
  const startedMs = services.clock.now().getTime();
  const job = parseJob(body, delivery, log);
  const integration = (await services.integrations.get(job.companyId))?.value;
  if (integration && awaitsFirstImport(integration) && (job.trigger === 'webhook' || job.trigger === 'schedule')) {
    // The admin asked to start the first import themselves: a tenant-wide webhook or a timer does not.
    log.info('sync.awaiting_first_import', { companyId: job.companyId, runId: job.runId, trigger: job.trigger });
    return 'skipped';
  }
  let run =
    (await services.syncRuns.get(job.companyId, job.runId)) ??
    (await services.syncRuns.create(queuedRun({ ...job, nowIso: job.requestedAt })));
  if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'held') {
    log.info('sync.duplicate_delivery', { companyId: job.companyId, runId: run.runId, status: run.status });
    return 'skipped';
  }
  if (!integration || !isConnectedFor(integration, job)) {
    // Disconnected, revoked, or reconnected to another tenant since this job was queued.
    const started = { ...run, startedAt: run.startedAt ?? iso(services) };
    const error = { code: 'not_connected', message: 'The integration is no longer connected to this tenant.' };
    await finishRun(services, started, 'failed', error, startedMs);
    log.warn('sync.stale_job', { companyId: job.companyId, runId: run.runId });
    return 'skipped';
  }

  // A preview reads and reports; it has its own loop and touches neither users nor lastSync.
  if (job.dryRun) return runPreview(services, { job, run, integration, startedMs, delivery }, log);

  run = await services.syncRuns.update({
    ...run,
    status: 'running',
    startedAt: run.startedAt ?? iso(services),
    invocations: run.invocations + 1,
    error: null,
  });
  // Every invocation that works on a run says so first: the stuck-runs alert looks for runs that
  // started and then fell silent without ending (infra/queries/stuck-runs.kql).
  log.info('sync.started', {
    companyId: job.companyId,
    runId: run.runId,
    messageId: delivery.messageId,
    invocation: run.invocations,
  });
  await setLastSync(services, integration, run);
  const invocation: Invocation = { services, job, integration, startedMs, log, recovered: new Set() };
  try {
    return await syncRound(invocation, run);
  } catch (error) {
    // The run as last checkpointed (its counts and pages), not as this invocation found it.
    const latest = (await services.syncRuns.get(job.companyId, run.runId).catch(() => null)) ?? run;
    const failed = { integration, run: latest, job, delivery, invocationStartedMs: startedMs };
    return await handleFailure(services, failed, error, log);
  }
}

function parseJob(body: unknown, delivery: DeliveryInfo, log: Logger): SyncJob {
  const parsed = SyncJobSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = fieldProblems(parsed.error);
  log.error('sync.invalid_job', { messageId: delivery.messageId, problems: errors.length });
  throw new AppError('validation_failed', 'Invalid sync job message.', { errors });
}

function isConnectedFor(integration: Integration, job: SyncJob): integration is Integration & { tenantId: string } {
  return (
    integration.status === 'connected' && integration.connectionId === job.connectionId && integration.tenantId !== null
  );
}

/** Load → loop over pages → finish. */
async function syncRound(invocation: Invocation, run: SyncRun): Promise<SyncOutcome> {
  const { services, job } = invocation;
  const state = await loadState(services, job);
  const round = resumed(roundForJob(state.value, job, { roundId: services.ids.uuid(), nowIso: iso(services) }));
  let progress = await checkpoint(services, { state, run, round, seen: [] });

  if (!progress.round.scope.groupsRead) progress = await readGroups(invocation, progress);
  progress = await readPages(invocation, progress);
  if (!progress.round.pagesDone) return continueLater(invocation, progress);

  if (needsSweep(progress.round)) {
    const swept = await sweepUnseen(services, job.companyId, progress.round, () => outOfTime(invocation));
    progress = { ...progress, round: afterSweep(progress.round, swept) };
    if (!swept.done) return continueLater(invocation, progress);
  }
  if (!progress.round.scope.done) {
    progress = await rescopeUsers(invocation, progress);
    if (!progress.round.scope.done) return continueLater(invocation, progress);
  }
  return finish(invocation, progress);
}

/** The scope's groups first: memberships are current before any page is judged. */
async function readGroups(invocation: Invocation, progress: Progress): Promise<Progress> {
  const { services, integration, log } = invocation;
  const read = await readScopeGroups(
    services,
    {
      companyId: integration.companyId,
      tenantId: integration.tenantId,
      scope: integration.settings.scope,
      previous: progress.state.value.groups ?? null,
      scopeApplied: progress.state.value.scopeApplied ?? null,
      firstImport: progress.round.firstImport,
    },
    log,
  );
  return checkpoint(services, { ...progress, round: afterGroups(progress.round, read) }, { groups: read.groups });
}

/** The scope for a batch of users (undefined: everyone is in scope). */
function scopeOf(invocation: Invocation, progress: Progress) {
  const { services, integration } = invocation;
  return scopeContextFor(
    services,
    integration.companyId,
    integration.settings.scope,
    progress.state.value.groups ?? null,
  );
}

/** Users whose memberships changed — or everyone, when the scope or the nesting changed — are judged again. */
async function rescopeUsers(invocation: Invocation, start: Progress): Promise<Progress> {
  const { services, integration, log } = invocation;
  const batch = 200;
  let progress = start;
  const target = {
    integration,
    runId: progress.run.runId,
    scope: scopeOf(invocation, progress),
    knownOnly: true,
    recovered: invocation.recovered,
  };
  while (!progress.round.scope.done && !outOfTime(invocation)) {
    const { scope } = progress.round;
    let ids: string[];
    let next: string | null;
    if (scope.rescope === 'all') {
      // Ids only, after the last id re-judged (a cursor of another form, from an older version,
      // starts over: re-judging a user again changes nothing).
      const after = scope.cursor?.startsWith(RESCOPE_AFTER) ? scope.cursor.slice(RESCOPE_AFTER.length) : null;
      const page = await services.directoryUsers.listIds(integration.companyId, { after, limit: batch, cursor: null });
      ids = page.items;
      const last = ids[ids.length - 1];
      next = page.nextCursor !== null && last !== undefined ? `${RESCOPE_AFTER}${last}` : null;
    } else {
      const offset = scope.cursor === null ? 0 : Number(scope.cursor);
      ids = scope.touched.slice(offset, offset + batch);
      next = offset + batch < scope.touched.length ? String(offset + batch) : null;
    }
    const result = await applyPage(
      services,
      { ...target, round: progress.round },
      ids.map((id) => ({ id })),
      log,
    );
    progress = await checkpoint(services, { ...progress, round: afterRescope(progress.round, next, result) });
  }
  return progress;
}

/**
 * Reads and applies pages until the round has read them all or the time budget runs out. While a
 * page is applied, the next one is already being fetched (one page ahead, never more): with Graph
 * slower than Cosmos a run takes about as long as fetching its pages. Checkpoints are unchanged —
 * a prefetched page that was not applied is simply fetched again by whoever resumes.
 */
async function readPages(invocation: Invocation, start: Progress): Promise<Progress> {
  const { services, integration, log } = invocation;
  let progress = start;
  let sinceCheckpoint = 0;
  let ahead: Prefetch | null = null;
  while (!progress.round.pagesDone && !outOfTime(invocation)) {
    const link = nextPageLink(progress.round, progress.state.value.deltaLink);
    let page: DirectoryPage;
    try {
      page = await (ahead?.link === link ? ahead.page : services.directory.deltaPage(integration.tenantId, link));
    } catch (error) {
      if (!isAppError(error, 'directory_delta_reset') || link === null) throw error;
      // The delta state expired or was reset: a full round, then a sweep of users it did not return.
      log.warn('sync.delta_reset', { companyId: integration.companyId, runId: progress.run.runId });
      const round = restartedAsFull(progress.round, services.ids.uuid());
      progress = await checkpoint(services, { ...progress, round, seen: [] }, { deltaLink: null });
      sinceCheckpoint = 0;
      continue;
    } finally {
      ahead = null;
    }
    if (page.nextLink === null && page.deltaLink === null)
      throw new AppError('directory_invalid_response', 'The last delta page carried no deltaLink.');
    if (page.nextLink !== null && !outOfTime(invocation))
      ahead = prefetch(services, integration.tenantId, page.nextLink);
    const result = await applyPage(
      services,
      {
        integration,
        runId: progress.run.runId,
        round: progress.round,
        scope: scopeOf(invocation, progress),
        recovered: invocation.recovered,
      },
      page.items,
      log,
    );
    progress = {
      ...progress,
      round: afterPage(progress.round, page, result),
      seen: keepsSeenIds(progress.round) ? [...progress.seen, ...result.seen] : progress.seen,
    };
    sinceCheckpoint++;
    if (progress.round.pagesDone || sinceCheckpoint >= services.config.sync.checkpointEveryPages) {
      progress = await checkpoint(services, progress);
      sinceCheckpoint = 0;
    }
  }
  return progress;
}

/** The next page, being fetched. */
interface Prefetch {
  link: string;
  page: Promise<DirectoryPage>;
}

function prefetch(services: Pick<SyncServices, 'directory'>, tenantId: string, link: string): Prefetch {
  const page = services.directory.deltaPage(tenantId, link);
  // Awaited when its turn comes; if it never comes (the current page failed, the time ran out),
  // its failure must not surface as an unhandled rejection.
  page.catch(() => undefined);
  return { link, page };
}

/** The round is read (and swept): settle removals, move the deltaLink on, record and announce the run. */
async function finish(invocation: Invocation, progress: Progress): Promise<SyncOutcome> {
  const { services, job, integration, log } = invocation;
  const { state } = progress;
  const mayHaveRemovals =
    progress.round.removalsFlagged > 0 || state.value.removalsOutstanding || job.releaseHeld === true;
  const removals = mayHaveRemovals
    ? await settleRemovals(
        services,
        integration,
        { runId: progress.run.runId, released: job.releaseHeld === true },
        log,
      )
    : NOTHING_TO_SETTLE;
  const round = withRemovals(progress.round, removals.counts);
  if (recountsAtEnd(round)) await recount(invocation, round);
  const nowIso = iso(services);
  const heldSince = removals.held > 0 ? (state.value.heldSince ?? { runId: progress.run.runId, at: nowIso }) : null;

  // Only now, with every change it covers written, does the deltaLink move on.
  await saveState(services, state, {
    deltaLink: round.deltaLink,
    round: null,
    removalsOutstanding: removals.held > 0,
    replacedConnection: false,
    heldSince,
    lastFullRoundAt: round.mode === 'full' ? nowIso : state.value.lastFullRoundAt,
    // Every stored decision now reflects the settings' scope.
    scopeApplied: integration.settings.scope,
  });
  const status = removals.held > 0 ? 'held' : 'succeeded';
  const counted = { ...progress.run, mode: round.mode, counts: round.counts, pages: round.pages };
  const run = await endRun(services, integration, counted, {
    status,
    error: null,
    invocationStartedMs: invocation.startedMs,
  });
  const held = {
    count: removals.held,
    activeSynced: removals.activeSynced,
    episodeStartedBy: heldSince?.runId ?? null,
  };
  await notifyAfterRun(services, integration, { run, round, held }, log);
  // The company's Graph subscription (created after its first import, replaced after a reconnect); never fails the run.
  await ensureSubscriptionAfterRun(services, job.companyId, log);
  log.info('sync.finished', {
    companyId: job.companyId,
    runId: run.runId,
    status,
    mode: round.mode,
    pages: round.pages,
    ...round.counts,
    ms: elapsedMs(invocation),
  });
  return status;
}

/**
 * The company's counts derived from its records again: every full round (which heals any drift) and
 * a round an attempt left uncleanly (whose count changes may be missing). Differences are logged.
 */
async function recount(invocation: Invocation, round: SyncRound): Promise<void> {
  const { services, job, log } = invocation;
  const { before, after, saved } = await services.userCounts.recount(job.companyId);
  // Stored minus true, per count that differs.
  const drift = before === null ? {} : countsDelta(after, before);
  if (before === null || !isEmptyDelta(drift) || !saved)
    log.warn('sync.counts_rederived', {
      companyId: job.companyId,
      runId: round.runId,
      hadCounts: before !== null,
      saved,
      countsInDoubt: round.countsInDoubt,
      ...Object.fromEntries(Object.entries(drift).map(([name, value]) => [`drift_${name}`, value])),
    });
}

/** Checkpoints, then continues the run in a follow-up message on the same session. */
async function continueLater(invocation: Invocation, progress: Progress): Promise<SyncOutcome> {
  const { services, job, log } = invocation;
  const { run } = await checkpoint(services, { ...progress, round: stoppedCleanly(progress.round) });
  const continuation: SyncJob = {
    ...jobFor(run),
    trigger: 'continuation',
    mode: job.mode,
    ...(job.releaseHeld ? { releaseHeld: true } : {}),
    ...(job.retry ? { retry: job.retry } : {}),
  };
  await services.queue.send(SYNC_JOBS_QUEUE, {
    messageId: `${run.runId}:${run.invocations}`,
    sessionId: run.companyId,
    body: continuation,
    subject: 'sync:continuation',
  });
  log.info('sync.continued', {
    companyId: run.companyId,
    runId: run.runId,
    invocation: run.invocations,
    pages: run.pages,
  });
  return 'continued';
}

/** The company's sync state for this connection; a new connection starts with no delta cursor. */
async function loadState(
  services: Pick<SyncServices, 'syncState' | 'clock'>,
  job: SyncJob,
): Promise<Versioned<SyncState>> {
  const stored = await services.syncState.get(job.companyId);
  if (stored && stored.value.connectionId === job.connectionId) return stored;
  const fresh: SyncState = {
    companyId: job.companyId,
    connectionId: job.connectionId,
    deltaLink: null,
    lastFullRoundAt: null,
    removalsOutstanding: false,
    replacedConnection: stored !== null,
    heldSince: null,
    round: null,
    updatedAt: iso(services),
  };
  return services.syncState.save(fresh, stored?.etag ?? null);
}

/**
 * Saves the ids seen since the last checkpoint (as chunks, first: the round that counts them is
 * saved after), the round (and any other state change) and the run's counters.
 */
async function checkpoint(
  services: Pick<SyncServices, 'syncState' | 'syncRuns' | 'roundSeen' | 'clock'>,
  progress: Progress,
  change: Partial<SyncState> = {},
): Promise<Progress> {
  let round = progress.round;
  for (const ids of chunk(progress.seen, MAX_SEEN_IDS_PER_CHUNK)) {
    await services.roundSeen.put(progress.state.value.companyId, round.roundId, round.seenChunks, ids);
    round = withSeenChunks(round, round.seenChunks + 1);
  }
  round = checkpointed(round, iso(services));
  const state = await saveState(services, progress.state, { ...change, round });
  const run = await services.syncRuns.update({ ...progress.run, counts: round.counts, pages: round.pages });
  return { state, run, round, seen: [] };
}

async function saveState(
  services: Pick<SyncServices, 'syncState' | 'clock'>,
  current: Versioned<SyncState>,
  change: Partial<SyncState>,
): Promise<Versioned<SyncState>> {
  return services.syncState.save({ ...current.value, ...change, updatedAt: iso(services) }, current.etag);
}

function outOfTime(invocation: Invocation): boolean {
  return elapsedMs(invocation) >= invocation.services.config.sync.timeBudgetSeconds * 1000;
}

function elapsedMs(invocation: Invocation): number {
  return invocation.services.clock.now().getTime() - invocation.startedMs;
}

function iso(services: Pick<SyncServices, 'clock'>): string {
  return services.clock.now().toISOString();
}
