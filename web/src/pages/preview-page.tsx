import { Button, ProgressBar, Switch, Tab, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, TabList, Text } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { companyPath } from '../api/client';
import { type IntegrationStatus, IntegrationStatusSchema, PreviewListSchema, SettingsSchema, SyncNowSchema, type SyncRun, SymbolUserSchema } from '../api/schemas';
import { companyDataChanged } from '../components/changes';
import { ReasonList } from '../components/reasons';
import { openPreview } from '../components/open-preview';
import { Link } from '../components/router';
import { RunProgress, useFollowedRun } from '../components/run-progress';
import { useSession } from '../components/session-context';
import { Card, ErrorBar, LoadedPage, Loading, Note, PageHeader, RunStatusBadge, useUiStyles } from '../components/ui';
import { useAction } from '../components/use-action';
import { useLoad } from '../components/use-load';
import { useGroupNames } from '../components/use-group-names';
import { groupName, rememberGroupNames } from '../logic/group-names';
import { currentCursor, FIRST_PAGE } from '../logic/paging';
import { firstCategory, isPreviewCategory, PREVIEW_CATEGORIES, type PreviewCategory, previewCounts, previewStage } from '../logic/preview';
import { paths } from '../logic/routes';
import { changeLine, patchFor, settingsDiff } from '../logic/settings-changes';
import { formatDateTime, formatDuration } from '../logic/time';
import { plural, runErrorText } from '../logic/words';

const PAGE_SIZE = 50;

/** The Symbol user a merge goes into, by name (looked up), linked to its page. */
function SymbolUserLink(props: { companyId: string; userId: string }) {
  const { api } = useSession();
  const user = useLoad(() => api.get(companyPath(props.companyId, `users/${encodeURIComponent(props.userId)}`), SymbolUserSchema), [api, props.companyId, props.userId]);
  const name = user.data ? `${user.data.displayName ?? user.data.email} (${user.data.email})` : 'the Symbol user';
  return <Link to={paths.user(props.companyId, props.userId)}>{name}</Link>;
}

/** One category's users, a page at a time, each with its reasons. */
function CategoryList(props: { companyId: string; runId: string; category: PreviewCategory; label: string; allReasons: boolean }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const [paging, setPaging] = useState(FIRST_PAGE);
  const cursor = currentCursor(paging);
  const list = useLoad(
    () => api.get(companyPath(props.companyId, `entra/sync-runs/${encodeURIComponent(props.runId)}/preview?category=${props.category}&limit=${String(PAGE_SIZE)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), PreviewListSchema),
    [api, props.companyId, props.runId, props.category, cursor],
  );
  const merged = props.category === 'merged';
  return (
    <LoadedPage list={list} label={`${props.label} users`} errorTitle="The list could not be loaded" empty="Nobody in this list." paging={paging} onPaging={setPaging}>
      {(items) => (
        <Table aria-label={`${props.label} users`}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell style={{ width: merged ? '60%' : '100%' }}>User and reasons</TableHeaderCell>
              {merged ? <TableHeaderCell>Merges into</TableHeaderCell> : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((item) => (
              <TableRow key={item.id}>
                <TableCell>
                  <div style={{ fontWeight: 600 }}>{item.displayName}</div>
                  <div className={ui.small}>{item.email ?? 'no e-mail address'}</div>
                  <ReasonList name={item.displayName} reasons={item.reasons} open={props.allReasons} />
                </TableCell>
                {merged ? <TableCell>{item.matchedUserId ? <SymbolUserLink companyId={props.companyId} userId={item.matchedUserId} /> : '—'}</TableCell> : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </LoadedPage>
  );
}

/**
 * The settings the preview judged with, as changes to the company's settings now, and applying
 * them (the same change, as a PATCH). Once they are the company's, there is nothing to apply.
 */
function ProposedSettings(props: { run: SyncRun; status: IntegrationStatus; onApplied: () => void }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const { busy, failure, run } = useAction<'apply'>();
  const [applied, setApplied] = useState(false);
  const proposed = props.run.preview?.settings;
  useGroupNames(props.status.companyId, [...(proposed?.scope.groups ?? []), ...props.status.settings.scope.groups]);
  if (!proposed) return null;
  const current = props.status.settings;
  const changes = settingsDiff(current, proposed);
  const name = (id: string) => groupName(window.sessionStorage, id);

  const apply = () =>
    run('apply', 'The settings were not applied', async () => {
      await api.patch(companyPath(props.status.companyId, 'entra/settings'), patchFor(current, proposed), SettingsSchema);
      setApplied(true);
      props.onApplied();
      companyDataChanged();
    });

  return (
    <Card title="These settings">
      <ErrorBar error={failure?.error ?? null} title={failure?.title} />
      {applied ? (
        <div role="status">
          <Note intent="success" title="Settings applied">
            They are the company’s settings now; the next sync works with them.
          </Note>
        </div>
      ) : null}
      {changes.length === 0 ? (
        <Text>{applied ? 'Nothing left to apply.' : 'The preview’s settings are the company’s settings now: nothing to apply.'}</Text>
      ) : (
        <div className={ui.stack}>
          <Text>This preview judged the directory with these changes to the company’s settings (not applied yet):</Text>
          <ul style={{ margin: 0, paddingLeft: 18 }} aria-label="Proposed changes">
            {changes.map((c) => (
              <li key={c.path}>{changeLine(c.path, c.before, c.after, name)}</li>
            ))}
          </ul>
          <div className={ui.row}>
            <Button appearance="primary" disabled={busy !== null} onClick={() => void apply()}>
              {busy ? 'Applying…' : 'Apply these settings'}
            </Button>
            <Link to={paths.settings(props.status.companyId)}>Back to the settings</Link>
          </div>
          <Text className={ui.small}>Until they are applied, syncs keep working with the company’s current settings.</Text>
        </div>
      )}
    </Card>
  );
}

/**
 * A preview (dry run): followed while it reads the directory, then what a sync would do — counts
 * per category, each a paged list of users with their reasons — the deletion guard's verdict, the
 * settings it judged with (applicable when proposed), and Sync now / the first import.
 */
export function PreviewPage(props: { companyId: string; runId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const status = useLoad(() => api.get(companyPath(props.companyId, 'entra'), IntegrationStatusSchema), [api, props.companyId]);
  const { run, error } = useFollowedRun(props.companyId, props.runId, () => undefined);
  const [chosen, setChosen] = useState<PreviewCategory | null>(null);
  const [allReasons, setAllReasons] = useState(false);
  const [syncRun, setSyncRun] = useState<string | null>(null);
  const action = useAction<'sync' | 'preview'>();

  const stage = run ? previewStage(run) : null;
  const counts = run ? previewCounts(run) : null;
  const category = chosen ?? (counts ? firstCategory(counts) : 'newPending');
  const data = status.data;
  useEffect(() => {
    if (data) rememberGroupNames(window.sessionStorage, data.scope.groups);
  }, [data]);
  const firstImport = data?.lastSync === null;

  const syncNow = () =>
    action.run('sync', 'The sync did not start', async () => {
      const answer = await api.post(companyPath(props.companyId, 'entra/sync'), {}, SyncNowSchema);
      setSyncRun(answer.runId);
      companyDataChanged();
    });

  // A fresh preview: of the same proposed settings (as a change to the company's settings now), or of the company's own.
  const again = () =>
    action.run('preview', 'The preview did not start', () => openPreview(api, props.companyId, run?.preview?.proposedSettings && data ? patchFor(data.settings, run.preview.settings) : undefined), { leaveBusy: true });

  const proposed = run?.preview?.proposedSettings === true;
  const title = proposed ? 'Preview of a settings change' : firstImport ? 'Preview of the first import' : 'Preview of a sync';
  return (
    <>
      <PageHeader
        title={title}
        subtitle={
          <>
            What a sync would do now, read from the directory without changing anything. <Link to={paths.sync(props.companyId)}>All runs</Link>
          </>
        }
        actions={
          stage === 'ready' && data?.status === 'connected' ? (
            <>
              <Button appearance={proposed ? 'secondary' : 'primary'} disabled={action.busy !== null || syncRun !== null} onClick={() => void syncNow()}>
                {firstImport ? 'Start the first import' : 'Sync now'}
              </Button>
              <Button disabled={action.busy !== null} onClick={() => void again()}>
                Preview again
              </Button>
            </>
          ) : null
        }
      />
      <ErrorBar error={error} title="The preview could not be read" />
      <ErrorBar error={status.error} title="The company could not be loaded" />
      <ErrorBar error={action.failure?.error ?? null} title={action.failure?.title} />
      {run === null && error === null ? <Loading label="Loading the preview…" /> : null}
      {run && stage === 'not_a_preview' ? (
        <Note intent="info" title="This run is a sync, not a preview" actions={<Link to={paths.run(props.companyId, run.runId)}>Open the run</Link>}>
          It changed the user lists; its details are on the run’s page.
        </Note>
      ) : null}
      {run && stage === 'running' ? (
        <Card title="Reading the directory" aria-label="Preview progress">
          <div className={ui.stack} role="status" aria-live="polite" aria-busy="true">
            <div className={ui.row}>
              <RunStatusBadge status={run.status} />
              <Text className={ui.small}>
                {plural(run.pages, 'page')} · {formatDuration(run.startedAt ? Date.now() - Date.parse(run.startedAt) : null)}
              </Text>
            </div>
            <ProgressBar thickness="large" aria-label="Preview running" />
            <Text>Read so far: {(run.counts.scanned ?? 0).toLocaleString('en-US')} directory entries. The lists are ready when the whole directory is read.</Text>
          </div>
        </Card>
      ) : null}
      {run && stage === 'failed' ? (
        <Note
          intent="error"
          title="The preview failed"
          actions={
            <Button size="small" disabled={action.busy !== null} onClick={() => void again()}>
              Preview again
            </Button>
          }
        >
          {run.error ? runErrorText(run.error.code) : 'It did not finish.'} Nothing was changed.
        </Note>
      ) : null}
      {run && stage === 'ready' && counts ? (
        <>
          {run.preview?.wouldHold ? (
            <Note intent="warning" title="The deletion guard would hold these deactivations">
              This sync would deactivate {plural(counts.deactivated, 'user')}: more than the safety threshold allows ({run.preview.settings.deletionThresholdPercent}% of the synced users, at least {run.preview.settings.deletionThresholdMinimum}). A real sync would deactivate nobody and hold them until an admin releases them (Held deactivations).
            </Note>
          ) : null}
          {syncRun ? (
            <RunProgress
              companyId={props.companyId}
              runId={syncRun}
              title={firstImport ? 'First import in progress' : 'Sync in progress'}
              onFinished={() => {
                status.reload();
                companyDataChanged();
              }}
            />
          ) : null}
          {syncRun ? (
            <Text as="p">
              Then: <Link to={paths.pending(props.companyId)}>review the pending users</Link>.
            </Text>
          ) : null}
          {proposed && data ? (
            <ProposedSettings run={run} status={data} onApplied={status.reload} />
          ) : (
            <Note intent="info" title="Judged with the company’s settings">
              This preview used the settings as they were when it was asked for.
            </Note>
          )}
          <Card title="What a sync would do" aria-label="Preview results">
            <Text as="p" className={ui.small} style={{ marginTop: 0 }}>
              Read {formatDateTime(run.finishedAt)}: {plural(run.counts.scanned ?? 0, 'directory entry', 'directory entries')} in {formatDuration(run.durationMs ?? null)}. Nothing was changed. Each list below says who, and why.
            </Text>
            <TabList
              selectedValue={category}
              onTabSelect={(_e, d) => {
                const value = String(d.value);
                if (isPreviewCategory(value)) setChosen(value);
              }}
              aria-label="Which users"
            >
              {PREVIEW_CATEGORIES.map((c) => (
                <Tab key={c.key} value={c.key}>
                  {`${c.label} (${counts[c.key].toLocaleString('en-US')})`}
                </Tab>
              ))}
            </TabList>
            <div className={ui.row} style={{ justifyContent: 'space-between', margin: '12px 0' }}>
              <Text className={ui.small}>{PREVIEW_CATEGORIES.find((c) => c.key === category)?.help}</Text>
              <Switch label="Show every reason in full" checked={allReasons} onChange={(_e, d) => { setAllReasons(d.checked); }} />
            </div>
            <CategoryList key={category} companyId={props.companyId} runId={props.runId} category={category} label={PREVIEW_CATEGORIES.find((c) => c.key === category)?.label ?? category} allReasons={allReasons} />
          </Card>
        </>
      ) : null}
    </>
  );
}
