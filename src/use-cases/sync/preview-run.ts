import { Services } from '../../app/services';
import { Logger } from '../../app/logger';
import { AppError, ErrorCode, isAppError } from '../../domain/app-error';
import { addressesOf, mailboxAddress } from '../../domain/directory/classification';
import { parseDeltaItem } from '../../domain/directory/delta-item';
import { DirectoryUserRecord, RemovalReason } from '../../domain/directory/directory-user';
import { attributesHash } from '../../domain/directory/fingerprint-hash';
import { emptyFold, GroupRoundFold, trackedGroups } from '../../domain/directory/group-scope-state';
import { entryReasons, REMOVAL_WORDS } from '../../domain/directory/reasons';
import { displayNameOf } from '../../domain/directory/review-keys';
import { groupClosure, isScoped, ScopeSettings } from '../../domain/directory/scope';
import { Decision, deletionGuardHolds, DiffContext, diffPage, ScopeContext } from '../../domain/directory/sync-diff';
import { Integration } from '../../domain/integration';
import { IntegrationSettings } from '../../domain/integration-settings';
import { symbolUserIdFor } from '../symbol-user-effects';
import { matchSymbolUser } from '../../domain/symbol-user-matching';
import { SYNC_JOBS_QUEUE, SyncJob } from '../../domain/sync-job';
import {
  MAX_SEEN_IDS,
  awaitsDeactivation,
  PreviewCategory,
  PreviewChunk,
  PreviewItem,
  previewCategory,
  PreviewProgress,
  SEEN_CHUNK,
  unseenCategory,
} from '../../domain/sync-preview';
import { SyncCounts, SyncRun } from '../../domain/sync-run';
import { DirectoryPage } from '../../ports/directory-client.port';
import { Versioned } from '../../ports/integration-store.port';
import { MAX_PREVIEW_CHUNKS_PER_CALL } from '../../ports/preview-store.port';
import { SymbolUser } from '../../domain/symbol-user';
import { jobFor } from '../enqueue-sync';
import { storedRecords, symbolEmailsFor } from './apply-page';
import { finishRun } from './run-records';
import { DeliveryInfo } from './sync-failure';
import { failureKind } from '../../domain/retry-backoff';
import { readRound } from './scope-groups';

/**
 * A dry-run preview (`POST …/entra/sync` with `dryRun`): the sync engine's own decisions (the pure
 * diff with the preview's settings and scope) over a full read of the directory, written nowhere
 * but in the preview's lists. Per page: one read of the stored records, one of the Symbol users
 * an auto-approval could merge into, one write per category the page touched, one update of the
 * run. No user, no delta cursor, no memberships, no `lastSync`, no e-mail: a preview changes
 * nothing an admin or a later sync can see, except the run and its lists.
 *
 * Like a real run it works within the time budget and continues in a follow-up message; its
 * progress (next page, the sweep's position) is on the run record, so a redelivery after a crash
 * repeats at most one page, whose chunks it overwrites.
 */

export type PreviewServices = Pick<
  Services,
  | 'config'
  | 'clock'
  | 'syncRuns'
  | 'directory'
  | 'directoryUsers'
  | 'groupDirectory'
  | 'symbolUsers'
  | 'queue'
  | 'previews'
>;

export type PreviewOutcome = 'succeeded' | 'failed' | 'continued';

const SWEEP_PAGE = 1000;
/** A Graph page holds at most 999 users. */
const MAX_PAGE_ITEMS = 1000;
const MAX_GROUP_PASSES = 5;

interface PreviewInvocation {
  services: PreviewServices;
  integration: Integration & { tenantId: string };
  settings: IntegrationSettings;
  startedMs: number;
  log: Logger;
}

/** The preview's scope: how users are judged and the groups' names for the reasons. */
interface PreviewScope {
  context: ((userIds: readonly string[]) => ScopeContext) | undefined;
  groupNames: ReadonlyMap<string, string>;
}

export async function runPreview(
  services: PreviewServices,
  input: {
    job: SyncJob;
    run: SyncRun;
    integration: Integration & { tenantId: string };
    startedMs: number;
    delivery: DeliveryInfo;
  },
  log: Logger,
): Promise<PreviewOutcome> {
  const { integration, startedMs } = input;
  let run = input.run;
  const settings = run.preview?.settings;
  if (!settings) {
    await finishRun(
      services,
      run,
      'failed',
      { code: 'internal_error', message: 'The preview has no settings.' },
      startedMs,
    );
    return 'failed';
  }
  run = await services.syncRuns.update({
    ...run,
    status: 'running',
    startedAt: run.startedAt ?? services.clock.now().toISOString(),
    invocations: run.invocations + 1,
    error: null,
  });
  const invocation: PreviewInvocation = { services, integration, settings, startedMs, log };
  try {
    return await previewRound(invocation, run);
  } catch (error) {
    const code: ErrorCode = isAppError(error) ? error.code : 'internal_error';
    if (failureKind(code) === 'transient' && input.delivery.deliveryCount < services.config.sync.maxDeliveryCount) {
      // Back to the queue: the redelivery resumes from the last page the run recorded.
      log.warn('sync.preview_redelivery', { companyId: run.companyId, runId: run.runId, code });
      throw error;
    }
    const latest = (await services.syncRuns.get(run.companyId, run.runId).catch(() => null)) ?? run;
    log.error('sync.preview_failed', { companyId: run.companyId, runId: run.runId, code });
    const message =
      isAppError(error) && code !== 'internal_error' ? error.message : 'The preview failed; start it again.';
    await finishRun(services, latest, 'failed', { code, message }, startedMs);
    return 'failed';
  }
}

async function previewRound(invocation: PreviewInvocation, start: SyncRun): Promise<PreviewOutcome> {
  const { services, integration } = invocation;
  let run = start;
  if (progressOf(run).phase !== 'done') {
    // Chunks an interrupted invocation wrote after the run's last save go: the pages (or sweep
    // batches) after it are read again, and the directory may have changed meanwhile.
    await services.previews.discardFrom(run.companyId, run.runId, progressOf(run).index);
  }
  if (progressOf(run).phase === 'pages') run = await readPages(invocation, run);
  if (progressOf(run).phase === 'sweep') {
    const seen = await seenIds(services, run);
    // One listing from where the sweep stands, followed by its continuation (the store serves the
    // pages of one query cheaply); the run records the last id handled, for a later invocation.
    const paging = { after: progressOf(run).sweepCursor, cursor: null as string | null };
    // Saved every few batches, like the pages (a redelivery discards the batches' chunks after the
    // last save and sweeps on from there); the finished run is saved by finishRun.
    let unsaved = 0;
    while (progressOf(run).phase === 'sweep' && !outOfTime(invocation)) {
      run = await sweepBatch(invocation, run, seen, paging);
      if (progressOf(run).phase === 'sweep' && ++unsaved >= services.config.sync.checkpointEveryPages) {
        run = await services.syncRuns.update(run);
        unsaved = 0;
      }
    }
    if (progressOf(run).phase === 'sweep' && unsaved > 0) run = await services.syncRuns.update(run);
  }
  if (progressOf(run).phase !== 'done') return continueLater(invocation, run);

  const progress = progressOf(run);
  const activeSynced =
    progress.deactivations > 0 ? await services.directoryUsers.countActiveApproved(integration.companyId) : 0;
  const wouldHold = deletionGuardHolds(progress.deactivations, activeSynced, progress.settings);
  const counts: SyncCounts = wouldHold
    ? { ...run.counts, held: progress.deactivations, deactivated: 0 }
    : { ...run.counts, deactivated: progress.deactivations, held: 0 };
  const finished = await finishRun(
    services,
    { ...run, counts, preview: { ...progress, wouldHold } },
    'succeeded',
    null,
    invocation.startedMs,
  );
  invocation.log.info('sync.preview_finished', {
    companyId: run.companyId,
    runId: run.runId,
    pages: finished.pages,
    ...counts,
    merged: progress.merged,
    wouldHold,
    ms: elapsedMs(invocation),
  });
  return 'succeeded';
}

/**
 * The pages, as the sync worker reads them: the next page is fetched while the current one is
 * judged and its lists written (one page ahead, never more), and the run (its counts and the next
 * link) is saved every few pages and whenever the phase ends or time runs out. A redelivery
 * resumes at the last saved page, after discarding the chunks written since (previewRound).
 */
async function readPages(invocation: PreviewInvocation, start: SyncRun): Promise<SyncRun> {
  const { services, integration } = invocation;
  const scope = await previewScope(invocation);
  const fetchPage = (link: string | null) => {
    const pending = services.directory.deltaPage(integration.tenantId, link);
    // Awaited below, or dropped with the invocation; never an unhandled rejection.
    pending.catch(() => undefined);
    return pending;
  };
  let run = start;
  let unsaved = 0;
  // The ids the read returned since the last save, written as one chunk (under the index of the
  // first of those pages) before the run is saved: a save never gets ahead of the ids it covers.
  let seen: { index: number; ids: string[] } = { index: progressOf(run).index, ids: [] };
  const save = async () => {
    if (seen.ids.length > 0)
      await services.previews.putChunks([
        {
          companyId: run.companyId,
          runId: run.runId,
          category: SEEN_CHUNK,
          index: seen.index,
          items: [],
          ids: seen.ids,
        },
      ]);
    seen = { index: progressOf(run).index, ids: [] };
    unsaved = 0;
    return services.syncRuns.update(run);
  };
  let next: Promise<DirectoryPage> | null = fetchPage(progressOf(run).nextLink);
  while (next !== null && !outOfTime(invocation)) {
    const page: DirectoryPage = await next;
    if (page.nextLink === null && page.deltaLink === null)
      throw new AppError('directory_invalid_response', 'The last delta page carried no deltaLink.');
    next = page.nextLink !== null ? fetchPage(page.nextLink) : null;
    const judged = await previewPage(invocation, run, scope, page);
    run = judged.run;
    seen.ids.push(...judged.ids);
    unsaved++;
    const due =
      unsaved >= services.config.sync.checkpointEveryPages || seen.ids.length >= MAX_SEEN_IDS - MAX_PAGE_ITEMS;
    if (progressOf(run).phase !== 'pages' || due) run = await save();
  }
  return unsaved > 0 ? save() : run;
}

/** One users/delta page: decided, categorized, written to the lists; the run (in memory) moves on. */
async function previewPage(
  invocation: PreviewInvocation,
  run: SyncRun,
  scope: PreviewScope,
  page: DirectoryPage,
): Promise<{ run: SyncRun; ids: string[] }> {
  const { services, integration, settings } = invocation;
  const progress = progressOf(run);
  const items = page.items.map(parseDeltaItem);
  const ids = items.flatMap((i) => (i.kind === 'user' ? [i.id] : []));
  const stored = await storedRecords(services, integration.companyId, items);
  const judged = { ...integration, settings };
  const ctx: DiffContext = {
    companyId: integration.companyId,
    connectionId: integration.connectionId ?? '',
    runId: run.runId,
    roundId: `preview-${run.runId}`,
    nowIso: services.clock.now().toISOString(),
    settings,
    hash: attributesHash,
    symbolEmails: await symbolEmailsFor(services, judged, items, stored),
    ...(scope.context ? { scope: scope.context(ids) } : {}),
  };
  const decisions = diffPage(items, stored, ctx).decisions;
  const merges = await mergeTargets(services, integration.companyId, decisions);
  const removedReasons = new Map(items.flatMap((i) => (i.kind === 'removed' ? [[i.id, i.reason] as const] : [])));

  const counts: Partial<SyncCounts> = { scanned: items.length };
  const lists = new Map<PreviewCategory, PreviewItem[]>();
  let deactivations = 0;
  let merged = 0;
  for (const decision of decisions) {
    if (decision.kind === 'invalid') {
      bump(counts, 'invalid');
      continue;
    }
    const id = decision.kind === 'put' ? decision.record.id : decision.id;
    const before = stored.get(id);
    let category = previewCategory(decision, before);
    let counter: keyof SyncCounts | null = decision.counter;
    let record: DirectoryUserRecord | undefined = decision.kind === 'put' ? decision.record : before?.record;
    let matchedUserId: string | null = null;
    if (decision.kind === 'put' && decision.effect?.kind === 'approve') {
      // What approveIntoSymbol would do, without doing it.
      const target = merges.get(id) ?? { kind: 'pending' as const };
      if (target.kind === 'pending') {
        counter = 'newPending';
        category = 'newPending';
        record = { ...decision.record, status: 'pending', decidedAt: null, decidedBy: null };
      } else if (target.kind === 'merge') {
        category = 'merged';
        matchedUserId = target.userId;
        merged++;
      }
    }
    if (counter) bump(counts, counter);
    if (category === null || !record) continue;
    if (category === 'deactivated') deactivations++;
    const reasons =
      decision.kind === 'delete'
        ? [removalReason(removedReasons.get(id) ?? 'deleted')]
        : [
            ...entryReasons(record, settings, scope.groupNames),
            ...(matchedUserId
              ? [
                  {
                    code: 'merged.address',
                    text: 'Merges into the existing Symbol user with the same address (training history kept).',
                  },
                ]
              : []),
          ];
    add(lists, category, itemOf(record, reasons, matchedUserId));
  }

  // The lists of the categories this page touched (none for a page of unchanged users).
  await services.previews.putChunks(chunksOf(run, progress.index, lists));
  const done = page.deltaLink !== null;
  const next: SyncRun = {
    ...run,
    counts: addCounts(run.counts, counts),
    pages: run.pages + 1,
    preview: {
      ...progress,
      phase: done ? 'sweep' : 'pages',
      nextLink: done ? null : page.nextLink,
      index: progress.index + 1,
      deactivations: progress.deactivations + deactivations,
      merged: progress.merged + merged,
    },
  };
  return { run: next, ids };
}

type MergeTarget = { kind: 'merge'; userId: string } | { kind: 'own' } | { kind: 'pending' };

/**
 * For each auto-approval in the page: the Symbol user it would merge into, its own (new or already
 * linked) user, or back to pending when approveIntoSymbol would leave it to the admin (several
 * Symbol users share its addresses, or it has no mailbox).
 */
async function mergeTargets(
  services: Pick<PreviewServices, 'symbolUsers'>,
  companyId: string,
  decisions: readonly Decision[],
): Promise<Map<string, MergeTarget>> {
  const approvals = decisions.flatMap((d) => (d.kind === 'put' && d.effect?.kind === 'approve' ? [d.record] : []));
  const targets = new Map<string, MergeTarget>();
  if (approvals.length === 0) return targets;
  const addresses = [...new Set(approvals.flatMap((r) => addressesOf(r.attributes)))];
  const candidates: SymbolUser[] =
    addresses.length > 0 ? (await services.symbolUsers.findByEmailKeys(companyId, addresses)).map((v) => v.value) : [];
  for (const record of approvals) {
    const match = matchSymbolUser(record.id, record.attributes, candidates);
    if (match.kind === 'ambiguous') targets.set(record.id, { kind: 'pending' });
    else if (match.kind === 'none')
      targets.set(record.id, mailboxAddress(record.attributes) ? { kind: 'own' } : { kind: 'pending' });
    else if (match.kind === 'linked') targets.set(record.id, { kind: 'own' });
    else {
      // approveIntoSymbol's rule: taking over any user but the directory user's own is a merge.
      const user = candidates.find((u) => u.id === match.userId);
      const own = user?.source === 'entra' && user.id === symbolUserIdFor(record.id);
      targets.set(record.id, own ? { kind: 'own' } : { kind: 'merge', userId: match.userId });
    }
  }
  return targets;
}

/**
 * Stored users the full read did not return: pending and excluded ones go, approved ones are
 * deactivated. Their lists are written; the run moves on in memory (the caller saves it).
 */
async function sweepBatch(
  invocation: PreviewInvocation,
  run: SyncRun,
  seen: ReadonlySet<string>,
  paging: { after: string | null; cursor: string | null },
): Promise<SyncRun> {
  const { services, integration, settings } = invocation;
  const progress = progressOf(run);
  // Ids only; only the few the read did not return are read in full.
  const page = await services.directoryUsers.listIds(integration.companyId, { ...paging, limit: SWEEP_PAGE });
  paging.cursor = page.nextCursor;
  const unseen = page.items.filter((id) => !seen.has(id));
  const records =
    unseen.length > 0
      ? await services.directoryUsers.getMany(integration.companyId, unseen)
      : new Map<string, Versioned<DirectoryUserRecord>>();
  const lists = new Map<PreviewCategory, PreviewItem[]>();
  const detectedAt = services.clock.now().toISOString();
  let removed = 0;
  let deactivations = 0;
  for (const id of unseen) {
    const record = records.get(id)?.value;
    if (!record) continue;
    const category = unseenCategory(record);
    if (category === 'removed') {
      removed++;
      add(lists, category, itemOf(record, [removalReason('not_seen')], null));
    } else if (category === 'deactivated') {
      deactivations++;
      const flagged = awaitsDeactivation(record)
        ? record
        : { ...record, pendingRemoval: { reason: 'not_seen' as const, runId: run.runId, detectedAt } };
      add(lists, category, itemOf(flagged, entryReasons(flagged, settings), null));
    }
  }
  await services.previews.putChunks(chunksOf(run, progress.index, lists));
  const done = page.nextCursor === null;
  return {
    ...run,
    counts: addCounts(run.counts, { removed }),
    preview: {
      ...progress,
      phase: done ? 'done' : 'sweep',
      sweepCursor: page.items.at(-1) ?? progress.sweepCursor,
      index: progress.index + 1,
      deactivations: progress.deactivations + deactivations,
    },
  };
}

/** Every id the preview's full read returned (from its `seen` chunks). */
async function seenIds(services: Pick<PreviewServices, 'previews'>, run: SyncRun): Promise<Set<string>> {
  const seen = new Set<string>();
  let fromIndex = 0;
  for (;;) {
    const chunks = await services.previews.listChunks(run.companyId, run.runId, SEEN_CHUNK, {
      fromIndex,
      limit: MAX_PREVIEW_CHUNKS_PER_CALL,
    });
    for (const chunk of chunks) for (const id of chunk.ids) seen.add(id);
    if (chunks.length < MAX_PREVIEW_CHUNKS_PER_CALL) return seen;
    fromIndex = (chunks[chunks.length - 1]?.index ?? fromIndex) + 1;
  }
}

/**
 * The scope the preview judges with. Its groups are read here, in memory, in full (the stored
 * memberships follow the company's current scope, and a proposed scope may name other groups).
 */
async function previewScope(invocation: PreviewInvocation): Promise<PreviewScope> {
  const { services, integration, settings, log } = invocation;
  const scope: ScopeSettings = settings.scope;
  if (!isScoped(scope)) return { context: undefined, groupNames: new Map() };
  const none = new Map<string, readonly string[]>();
  if (scope.groups.length === 0) {
    return {
      context: () => ({ settings: scope, closure: new Map(), memberships: none, groupsReadable: true }),
      groupNames: new Map(),
    };
  }
  let tracked = trackedGroups(scope.groups, {}).tracked;
  let fold: GroupRoundFold = emptyFold(null);
  for (let pass = 0; pass < MAX_GROUP_PASSES; pass++) {
    fold = emptyFold(null);
    try {
      await readRound(services, integration.tenantId, { groupIds: tracked }, fold, true);
    } catch (error) {
      if (!isAppError(error, 'group_permission_missing')) throw error;
      log.warn('sync.preview_groups_unreadable', { companyId: integration.companyId });
      return {
        context: () => ({ settings: scope, closure: new Map(), memberships: none, groupsReadable: false }),
        groupNames: new Map(),
      };
    }
    const next = trackedGroups(scope.groups, fold.nested).tracked;
    if (next.length === tracked.length && next.every((g) => tracked.includes(g))) break;
    tracked = next;
  }
  const memberships = new Map<string, string[]>();
  for (const [group, users] of fold.members) {
    if (!tracked.includes(group)) continue;
    for (const user of users) memberships.set(user, [...(memberships.get(user) ?? []), group]);
  }
  const closure = groupClosure(scope.groups, new Map(Object.entries(fold.nested)));
  log.info('sync.preview_groups_read', {
    companyId: integration.companyId,
    tracked: tracked.length,
    members: memberships.size,
  });
  return {
    context: () => ({ settings: scope, closure, memberships, groupsReadable: true }),
    groupNames: new Map(Object.entries(fold.names)),
  };
}

async function continueLater(invocation: PreviewInvocation, run: SyncRun): Promise<PreviewOutcome> {
  const job: SyncJob = { ...jobFor(run), trigger: 'continuation', dryRun: true };
  await invocation.services.queue.send(SYNC_JOBS_QUEUE, {
    messageId: `${run.runId}:${String(run.invocations)}`,
    sessionId: run.companyId,
    body: job,
    subject: 'sync:preview',
  });
  invocation.log.info('sync.preview_continued', { companyId: run.companyId, runId: run.runId, pages: run.pages });
  return 'continued';
}

function progressOf(run: SyncRun): PreviewProgress {
  if (!run.preview) throw new AppError('internal_error', 'The preview run lost its progress.');
  return run.preview;
}

function itemOf(
  record: DirectoryUserRecord,
  reasons: PreviewItem['reasons'],
  matchedUserId: string | null,
): PreviewItem {
  const a = record.attributes;
  return {
    id: record.id,
    displayName: displayNameOf(a).slice(0, 256),
    email: (a.mail ?? a.userPrincipalName)?.slice(0, 320) ?? null,
    reasons: reasons.slice(0, 20),
    matchedUserId,
  };
}

function removalReason(reason: RemovalReason): { code: string; text: string } {
  return { code: `removed.${reason}`, text: `Leaves the list: ${REMOVAL_WORDS[reason]} (it was never in Symbol).` };
}

function add(lists: Map<PreviewCategory, PreviewItem[]>, category: PreviewCategory, item: PreviewItem): void {
  const list = lists.get(category) ?? [];
  list.push(item);
  lists.set(category, list);
}

function chunksOf(run: SyncRun, index: number, lists: ReadonlyMap<PreviewCategory, PreviewItem[]>): PreviewChunk[] {
  return [...lists].map(([category, items]) => ({
    companyId: run.companyId,
    runId: run.runId,
    category,
    index,
    items,
    ids: [],
  }));
}

function addCounts(base: SyncCounts, more: Partial<SyncCounts>): SyncCounts {
  const sum = { ...base };
  for (const [name, value] of Object.entries(more) as Array<[keyof SyncCounts, number]>) sum[name] += value;
  return sum;
}

function bump(counts: Partial<SyncCounts>, name: keyof SyncCounts): void {
  counts[name] = (counts[name] ?? 0) + 1;
}

function outOfTime(invocation: PreviewInvocation): boolean {
  return elapsedMs(invocation) >= invocation.services.config.sync.timeBudgetSeconds * 1000;
}

function elapsedMs(invocation: PreviewInvocation): number {
  return invocation.services.clock.now().getTime() - invocation.startedMs;
}
