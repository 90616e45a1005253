import { ProgressBar, Text } from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { type ApiError, companyPath } from '../api/client';
import { type SyncRun, SyncRunSchema } from '../api/schemas';
import { isFinished, pollDelay, runSummary } from '../logic/runs';
import { formatDuration } from '../logic/time';
import { plural, RUN_COUNTS, runErrorText, triggerLabel } from '../logic/words';
import { Link } from './router';
import { useSession } from './session-context';
import { Card, ErrorBar, RunStatusBadge, Tile, useUiStyles } from './ui';
import { paths } from '../logic/routes';
import { asApiError } from './use-load';

/**
 * A run followed live: asked about every second or so while it is queued or running (counts,
 * pages, scanned so far), until it finishes; then `onFinished` once.
 */
export function useFollowedRun(companyId: string, runId: string, onFinished: (run: SyncRun) => void): { run: SyncRun | null; error: ApiError | null } {
  const { api } = useSession();
  const [run, setRun] = useState<SyncRun | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const finished = useRef(onFinished);
  finished.current = onFinished;

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const started = Date.now();
    const poll = async () => {
      try {
        const current = await api.get(companyPath(companyId, `entra/sync-runs/${encodeURIComponent(runId)}`), SyncRunSchema);
        if (stopped) return;
        setRun(current);
        setError(null);
        if (isFinished(current.status)) {
          finished.current(current);
          return;
        }
      } catch (e) {
        if (stopped) return;
        const failure = asApiError(e);
        setError(failure);
        // No such run, or not this admin's: asking again will not change that.
        if (failure.status === 403 || failure.status === 404) return;
      }
      timer = window.setTimeout(() => void poll(), pollDelay(Date.now() - started));
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [api, companyId, runId]);
  return { run, error };
}

/** A sync followed live (see useFollowedRun): its counts as tiles, then its summary. */
export function RunProgress(props: { companyId: string; runId: string; onFinished: (run: SyncRun) => void; title?: string }) {
  const ui = useUiStyles();
  const { run, error } = useFollowedRun(props.companyId, props.runId, props.onFinished);

  const done = run !== null && isFinished(run.status);
  return (
    <Card title={done ? 'Last run' : (props.title ?? 'Sync in progress')} aria-label="Sync progress">
      <ErrorBar error={error} title="Progress could not be read" />
      {run ? (
        <div className={ui.stack} role="status" aria-live="polite" aria-busy={!done}>
          <div className={ui.row}>
            <RunStatusBadge status={run.status} />
            <Text>
              {triggerLabel(run.trigger)} · {run.mode === 'full' ? 'full read' : 'changes only'}
            </Text>
            <Text className={ui.small}>
              {plural(run.pages, 'page')} · {formatDuration(run.durationMs ?? (run.startedAt ? Date.now() - Date.parse(run.startedAt) : null))}
            </Text>
            <Link to={paths.run(props.companyId, run.runId)}>Details</Link>
          </div>
          {!done ? <ProgressBar thickness="large" aria-label="Sync running" /> : null}
          <div className={ui.tiles}>
            {RUN_COUNTS.slice(0, 6).map((c) => (
              <Tile key={c.key} label={c.label} hint={c.help} value={(run.counts[c.key] ?? 0).toLocaleString('en-US')} />
            ))}
          </div>
          <Text>{done ? `Finished: ${runSummary(run.counts)}.` : `Read so far: ${(run.counts.scanned ?? 0).toLocaleString('en-US')} directory entries.`}</Text>
          {run.error ? <Text>{runErrorText(run.error.code)}</Text> : null}
        </div>
      ) : (
        <ProgressBar aria-label="Sync starting" />
      )}
    </Card>
  );
}
