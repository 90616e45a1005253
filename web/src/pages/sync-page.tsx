import { Button, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { companyPath } from '../api/client';
import { IntegrationStatusSchema, SyncNowSchema, SyncRunsPageSchema } from '../api/schemas';
import { companyDataChanged } from '../components/changes';
import { openPreview } from '../components/open-preview';
import { Link } from '../components/router';
import { RunProgress } from '../components/run-progress';
import { useSession } from '../components/session-context';
import { Card, Empty, ErrorBar, IntentBadge, Loading, Note, PageHeader, Pager, RunStatusBadge, useUiStyles } from '../components/ui';
import { useAction } from '../components/use-action';
import { useLoad } from '../components/use-load';
import { currentCursor, FIRST_PAGE } from '../logic/paging';
import { paths } from '../logic/routes';
import { previewSummary, runKindLabel, runSummary } from '../logic/runs';
import { formatAge, formatDateTime, formatDuration } from '../logic/time';

/** Sync Now with live progress of the running run, and the run history. */
export function SyncPage(props: { companyId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const status = useLoad(() => api.get(companyPath(props.companyId, 'entra'), IntegrationStatusSchema), [api, props.companyId]);
  const [paging, setPaging] = useState(FIRST_PAGE);
  const cursor = currentCursor(paging);
  const runs = useLoad(() => api.get(companyPath(props.companyId, `entra/sync-runs?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), SyncRunsPageSchema), [api, props.companyId, cursor]);
  const [following, setFollowing] = useState<string | null>(null);
  const [joined, setJoined] = useState(false);
  const action = useAction<'sync' | 'preview'>();
  const busy = action.busy !== null;

  // The latest run is shown when the page opens, and followed live if it is still underway
  // (started by a webhook, the timer, the first import or another admin).
  const latest = status.data?.lastSync?.runId ?? null;
  useEffect(() => {
    if (latest !== null && following === null) setFollowing(latest);
  }, [latest, following]);

  const syncNow = (full: boolean) =>
    action.run('sync', 'Sync Now did not start', async () => {
      const answer = await api.post(companyPath(props.companyId, 'entra/sync'), full ? { full: true } : {}, SyncNowSchema);
      setJoined(answer.coalesced === true);
      setFollowing(answer.runId);
      runs.reload();
    });

  // A preview with the company's settings: what a sync would do now, on its own page.
  const preview = () => action.run('preview', 'The preview did not start', () => openPreview(api, props.companyId), { leaveBusy: true });

  const connected = status.data?.status === 'connected';
  const items = runs.data?.items ?? [];
  const now = Date.now();
  return (
    <>
      <PageHeader
        title="Sync"
        subtitle="Changes in Entra ID arrive by themselves within seconds; a scheduled check runs every few hours. Sync Now reads the changes right away."
        actions={
          <>
            <Button appearance="primary" disabled={!connected || busy} onClick={() => void syncNow(false)}>
              Sync now
            </Button>
            <Button disabled={!connected || busy} onClick={() => void syncNow(true)}>
              Full sync
            </Button>
            <Button disabled={!connected || busy} onClick={() => void preview()}>
              Preview a sync
            </Button>
          </>
        }
      />
      {status.data && !connected ? <Note intent="info" title="Not connected">Connect Entra ID first: <Link to={paths.entra(props.companyId)}>Entra ID</Link>.</Note> : null}
      {joined ? <Note intent="info">A sync was already underway: your request joined it.</Note> : null}
      <ErrorBar error={action.failure?.error ?? null} title={action.failure?.title} />
      {following ? (
        <RunProgress
          key={following}
          companyId={props.companyId}
          runId={following}
          onFinished={() => {
            runs.reload();
            status.reload();
            companyDataChanged();
          }}
        />
      ) : null}
      <Card title="History">
        <ErrorBar error={runs.error} title="The run history could not be loaded" />
        {runs.data ? (
          items.length === 0 ? (
            <Empty>No sync has run yet.</Empty>
          ) : (
            <Table aria-label="Sync runs">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Started</TableHeaderCell>
                  <TableHeaderCell>Trigger</TableHeaderCell>
                  <TableHeaderCell>Status</TableHeaderCell>
                  <TableHeaderCell>Read</TableHeaderCell>
                  <TableHeaderCell>Result</TableHeaderCell>
                  <TableHeaderCell>Took</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((run) => (
                  <TableRow key={run.runId}>
                    <TableCell>
                      <Link to={run.dryRun ? paths.preview(props.companyId, run.runId) : paths.run(props.companyId, run.runId)}>{formatDateTime(run.startedAt ?? run.queuedAt)}</Link>
                      <div className={ui.small}>{formatAge(run.finishedAt ?? run.queuedAt, now)}</div>
                    </TableCell>
                    <TableCell>
                      {run.dryRun ? <IntentBadge intent="info">{runKindLabel(run)}</IntentBadge> : runKindLabel(run)}
                      <div className={ui.small}>{run.dryRun ? (run.preview?.proposedSettings ? 'of a settings change · nothing changed' : 'nothing changed') : run.mode === 'full' ? 'full read' : 'changes only'}</div>
                    </TableCell>
                    <TableCell>
                      <RunStatusBadge status={run.status} />
                    </TableCell>
                    <TableCell>{(run.counts.scanned ?? 0).toLocaleString('en-US')}</TableCell>
                    <TableCell>
                      <Text>{run.error ? `Error: ${run.error.code}` : run.dryRun ? previewSummary(run.counts) : runSummary(run.counts)}</Text>
                    </TableCell>
                    <TableCell>{formatDuration(run.durationMs ?? null)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )
        ) : runs.loading ? (
          <Loading />
        ) : null}
        {runs.data ? <Pager label="Sync runs" paging={paging} nextCursor={runs.data.nextCursor} onChange={setPaging} /> : null}
      </Card>
    </>
  );
}
