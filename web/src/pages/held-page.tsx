import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { type ApiError, companyPath } from '../api/client';
import { HeldPageSchema, SyncNowSchema } from '../api/schemas';
import { companyDataChanged } from '../components/changes';
import { Link } from '../components/router';
import { RunProgress } from '../components/run-progress';
import { useSession } from '../components/session-context';
import { Card, ConfirmButton, Empty, ErrorBar, Loading, Note, PageHeader, Pager, useUiStyles } from '../components/ui';
import { asApiError, useLoad } from '../components/use-load';
import { currentCursor, FIRST_PAGE } from '../logic/paging';
import { paths } from '../logic/routes';
import { formatDateTime } from '../logic/time';
import { plural, REMOVAL_LABELS } from '../logic/words';

/** Who the deletion guard holds and why, and releasing them. */
export function HeldPage(props: { companyId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const [paging, setPaging] = useState(FIRST_PAGE);
  const cursor = currentCursor(paging);
  const held = useLoad(() => api.get(companyPath(props.companyId, `entra/held-deactivations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), HeldPageSchema), [api, props.companyId, cursor]);
  const [releaseRun, setReleaseRun] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const release = async () => {
    setBusy(true);
    setError(null);
    try {
      const { runId } = await api.post(companyPath(props.companyId, 'entra/held-deactivations/release'), {}, SyncNowSchema);
      setReleaseRun(runId);
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };

  const data = held.data;
  const items = data?.items ?? [];
  return (
    <>
      <PageHeader
        title="Held deactivations"
        subtitle="When one sync would deactivate an unusual share of users, nobody is deactivated until an admin looks (like Entra’s accidental-deletion prevention)."
        actions={
          items.length > 0 ? (
            <ConfirmButton
              label="Release deactivations"
              appearance="primary"
              title="Deactivate these users?"
              body="The held users are deactivated in Symbol (their history is kept, and they stop being billed). Do this only if the change in Entra ID was intended."
              confirm="Release"
              disabled={busy || releaseRun !== null}
              onConfirm={() => void release()}
            />
          ) : null
        }
      />
      <ErrorBar error={error} title="The release did not start" />
      {data && items.length > 0 ? (
        <Note intent="warning" title={`${plural(items.length, 'user')} on this page would be deactivated`}>
          The safety threshold holds a sync’s deactivations when they are at least {data.guard.thresholdMinimum} and more than {data.guard.thresholdPercent}% of the synced users.
          {data.guard.heldRunId ? (
            <>
              {' '}
              See <Link to={paths.run(props.companyId, data.guard.heldRunId)}>the run that held them</Link>.
            </>
          ) : null}{' '}
          If the directory change was a mistake, fix it in Entra ID and sync again; or <Link to={paths.settings(props.companyId)}>change the threshold</Link>.
        </Note>
      ) : null}
      {releaseRun ? (
        <RunProgress
          companyId={props.companyId}
          runId={releaseRun}
          onFinished={() => {
            held.reload();
            companyDataChanged();
          }}
        />
      ) : null}
      <Card title="Who would be deactivated">
        <ErrorBar error={held.error} title="The held deactivations could not be loaded" />
        {data ? (
          items.length === 0 ? (
            <Empty>Nothing is held: every deactivation the directory asked for has been applied.</Empty>
          ) : (
            <Table aria-label="Held deactivations">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>User</TableHeaderCell>
                  <TableHeaderCell>What happened in Entra ID</TableHeaderCell>
                  <TableHeaderCell>Seen</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((item) => (
                  <TableRow key={item.id}>
                    <TableCell>
                      {item.symbolUserId ? <Link to={paths.user(props.companyId, item.symbolUserId)}>{item.displayName}</Link> : item.displayName}
                      <div className={ui.small}>{item.email ?? ''}</div>
                    </TableCell>
                    <TableCell>
                      <Text weight="semibold">{REMOVAL_LABELS[item.reason] ?? item.reason}</Text>
                      <div className={ui.small}>{item.reasonText}</div>
                    </TableCell>
                    <TableCell>
                      <Text className={ui.small}>{formatDateTime(item.detectedAt)}</Text>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )
        ) : held.loading ? (
          <Loading />
        ) : null}
        {data ? <Pager label="Held deactivations" paging={paging} nextCursor={data.nextCursor} onChange={setPaging} /> : null}
      </Card>
    </>
  );
}
