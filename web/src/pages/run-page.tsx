import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { companyPath } from '../api/client';
import { SyncRunSchema } from '../api/schemas';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, ErrorBar, Loading, Note, PageHeader, RunStatusBadge, useUiStyles } from '../components/ui';
import { useLoad } from '../components/use-load';
import { paths } from '../logic/routes';
import { formatDateTime, formatDuration } from '../logic/time';
import { runKindLabel } from '../logic/runs';
import { plural, RUN_COUNTS, runErrorText } from '../logic/words';

/** One run: what started it, how long it took, each count in words, and its error explained. */
export function RunPage(props: { companyId: string; runId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const run = useLoad(() => api.get(companyPath(props.companyId, `entra/sync-runs/${encodeURIComponent(props.runId)}`), SyncRunSchema), [api, props.companyId, props.runId]);
  const r = run.data;
  return (
    <>
      <PageHeader title={r ? `Sync run of ${formatDateTime(r.startedAt ?? r.queuedAt)}` : 'Sync run'} subtitle={<Link to={paths.sync(props.companyId)}>All runs</Link>} />
      <ErrorBar error={run.error} title="The run could not be loaded" />
      {r ? (
        <>
          {r.dryRun ? (
            <Note intent="info" title="This run is a preview" actions={<Link to={paths.preview(props.companyId, r.runId)}>Open the preview</Link>}>
              It read the directory and changed nothing; the preview lists who each count is.
            </Note>
          ) : null}
          {r.error ? (
            <Note intent="error" title="This run failed">
              {runErrorText(r.error.code)}
            </Note>
          ) : null}
          {r.status === 'held' ? (
            <Note intent="warning" title="Deactivations held" actions={<Link to={paths.held(props.companyId)}>Review</Link>}>
              This run would have deactivated more users than the safety threshold allows, so it deactivated nobody.
            </Note>
          ) : null}
          <Card title="Run">
            <div className={ui.stack}>
              <div className={ui.row}>
                <RunStatusBadge status={r.status} />
                <Text>
                  {runKindLabel(r)} · {r.mode === 'full' ? 'full read of the directory' : 'changes since the last run'}
                </Text>
              </div>
              <Text className={ui.small}>
                Queued {formatDateTime(r.queuedAt)} · started {formatDateTime(r.startedAt)} · finished {formatDateTime(r.finishedAt)} · took {formatDuration(r.durationMs ?? null)} · {plural(r.pages, 'page')} in {plural(r.invocations, 'step')}
              </Text>
            </div>
          </Card>
          <Card title="What it did">
            <Table aria-label="Run counts" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Count</TableHeaderCell>
                  <TableHeaderCell>Meaning</TableHeaderCell>
                  <TableHeaderCell>Users</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {RUN_COUNTS.map((c) => (
                  <TableRow key={c.key}>
                    <TableCell>{c.label}</TableCell>
                    <TableCell>{c.help}</TableCell>
                    <TableCell>{(r.counts[c.key] ?? 0).toLocaleString('en-US')}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Card>
        </>
      ) : run.loading ? (
        <Loading />
      ) : null}
    </>
  );
}
