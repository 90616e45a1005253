import { Button, Text } from '@fluentui/react-components';
import { companyPath } from '../api/client';
import { ConnectSchema, IntegrationStatusSchema, SyncNowSchema } from '../api/schemas';
import { companyDataChanged } from '../components/changes';
import { Link, navigate, useLocation } from '../components/router';
import { openPreview } from '../components/open-preview';
import { RunProgress } from '../components/run-progress';
import { useSession } from '../components/session-context';
import { Card, ConfirmButton, ConnectionBadge, ErrorBar, Loading, Note, PageHeader, RunStatusBadge, Tile, useUiStyles } from '../components/ui';
import { useAction } from '../components/use-action';
import { useLoad } from '../components/use-load';
import { paths } from '../logic/routes';
import { formatAge, formatDateTime } from '../logic/time';
import { consentResultMessage, plural, scopeStateMessage, triggerLabel } from '../logic/words';

/** The company's Entra ID connection: connect through Microsoft, the result banner, status, disconnect. */
export function EntraPage(props: { companyId: string }) {
  const { api } = useSession();
  const s = useUiStyles();
  const { search, pathname } = useLocation();
  const query = new URLSearchParams(search);
  const status = useLoad(() => api.get(companyPath(props.companyId, 'entra'), IntegrationStatusSchema), [api, props.companyId]);
  // Connected and never synced: the first import waits for an admin (importOnConnect off).
  const awaitingImport = status.data?.status === 'connected' && status.data.lastSync === null;
  // Once the status says whether the first import started (the banner's words depend on it).
  const banner = status.data || status.error ? consentResultMessage(query.get('status'), query.get('code'), awaitingImport ? 'waiting' : 'started') : null;
  const { busy, failure, run } = useAction<'connect' | 'disconnect' | 'import' | 'preview'>();
  const now = Date.now();

  // Same-origin fetch with cookies: the flow binds itself to this browser, then Microsoft takes over.
  const connect = () =>
    run(
      'connect',
      'Entra ID could not be connected',
      async () => {
        const { consentUrl } = await api.post(companyPath(props.companyId, 'entra/connect'), {}, ConnectSchema);
        window.location.assign(consentUrl);
      },
      { leaveBusy: true },
    );

  const disconnect = () =>
    run('disconnect', 'Entra ID was not disconnected', async () => {
      await api.delete(companyPath(props.companyId, 'entra'));
      status.reload();
      companyDataChanged();
    });

  const startImport = () =>
    run('import', 'The first import did not start', async () => {
      await api.post(companyPath(props.companyId, 'entra/sync'), {}, SyncNowSchema);
      status.reload();
      companyDataChanged();
    });

  const preview = () => run('preview', 'The preview did not start', () => openPreview(api, props.companyId), { leaveBusy: true });

  const dismissBanner = () => {
    navigate(pathname.replace(/^\/console/, ''), { replace: true });
  };

  const data = status.data;
  const connected = data?.status === 'connected';
  const lastAt = data?.lastSync?.finishedAt ?? data?.lastSync?.queuedAt ?? null;
  return (
    <>
      <PageHeader
        title="Entra ID"
        subtitle={`Keep the users of ${props.companyId} in step with its Microsoft Entra ID directory.`}
        actions={
          data ? (
            connected ? (
              <>
                <Button onClick={() => void connect()} disabled={busy !== null}>
                  Reconnect
                </Button>
                <ConfirmButton
                  label="Disconnect"
                  title="Disconnect Entra ID?"
                  body="The directory is no longer followed. Symbol users stay as they are; pending users stay pending. You can connect again at any time."
                  confirm="Disconnect"
                  disabled={busy !== null}
                  onConfirm={() => void disconnect()}
                />
              </>
            ) : (
              <Button appearance="primary" size="large" onClick={() => void connect()} disabled={busy !== null}>
                {busy === 'connect' ? 'Opening Microsoft…' : 'Integrate Entra ID'}
              </Button>
            )
          ) : null
        }
      />
      {banner ? (
        <div role="status" aria-live="polite">
          <Note intent={banner.intent} title={banner.title} actions={<Button size="small" appearance="transparent" onClick={dismissBanner}>Dismiss</Button>}>
            {banner.text}
          </Note>
        </div>
      ) : null}
      <ErrorBar error={failure?.error ?? null} title={failure?.title} />
      <ErrorBar error={status.error} title="The integration could not be loaded" />
      {data && data.counts.held > 0 ? (
        <Note intent="warning" title={`${plural(data.counts.held, 'deactivation')} held for review`} actions={<Link to={paths.held(props.companyId)}>Review held deactivations</Link>}>
          A sync would have deactivated more users than the safety threshold allows, so nobody was deactivated.
        </Note>
      ) : null}
      {data?.status === 'consent_revoked' ? (
        <Note intent="error" title="Access to the directory was revoked">
          Microsoft no longer lets Symbol read this directory (the consent was revoked or the app removed). Users stay as they are. Reconnect to resume.
        </Note>
      ) : null}
      {data?.scope.state === 'groups_unreadable' ? (
        <Note intent="error" title={scopeStateMessage(data.scope).title} actions={<Link to={paths.settings(props.companyId)}>Scope settings</Link>}>
          {scopeStateMessage(data.scope).text}
        </Note>
      ) : null}
      {data && awaitingImport ? (
        <Card title="Nothing imported yet">
          <div className={s.stack}>
            <Text>
              {data.settings.importOnConnect ? 'The directory is connected, and no import has run yet.' : 'The directory is connected. As the settings ask (“Start the first import as soon as Entra ID is connected” is off), nothing is imported until you start it.'}{' '}
              Preview what the first import would do — who would wait for approval, who would be approved automatically or excluded, and why — then start it.
            </Text>
            <div className={s.row}>
              <Button appearance="primary" disabled={busy !== null} onClick={() => void startImport()}>
                {busy === 'import' ? 'Starting…' : 'Start the first import'}
              </Button>
              <Button disabled={busy !== null} onClick={() => void preview()}>
                {busy === 'preview' ? 'Starting the preview…' : 'Preview'}
              </Button>
              <Link to={paths.settings(props.companyId)}>Scope and exclusions first</Link>
            </div>
          </div>
        </Card>
      ) : null}
      {data?.lastSync && (data.lastSync.status === 'queued' || data.lastSync.status === 'running') ? (
        <RunProgress
          companyId={props.companyId}
          runId={data.lastSync.runId}
          title={data.lastSync.trigger === 'connect' ? 'First import in progress' : 'Sync in progress'}
          onFinished={() => {
            status.reload();
            companyDataChanged();
          }}
        />
      ) : null}
      {data ? (
        <>
          <Card title="Connection">
            <div className={s.stack}>
              <div className={s.row}>
                <ConnectionBadge status={data.status} />
                {data.tenantId ? <Text className={s.muted}>Tenant {data.tenantId}</Text> : null}
              </div>
              {connected ? (
                <Text>
                  Connected {formatDateTime(data.connectedAt)}
                  {data.connectedBy?.email ? ` by ${data.connectedBy.email}` : ''}.{' '}
                  {data.subscription ? `Directory changes arrive within seconds (change notifications until ${formatDateTime(data.subscription.expiresAt)}).` : 'Change notifications start after the first successful sync; until then a scheduled check keeps the list current.'}
                </Text>
              ) : (
                <Text>
                  {data.status === 'disconnected' ? `Disconnected ${formatDateTime(data.disconnectedAt ?? null)}. ` : ''}
                  Click <strong>Integrate Entra ID</strong>: Microsoft asks a Global Administrator of your directory to sign in and let Symbol read its users (User.Read.All). You come back here when it is done.
                </Text>
              )}
              {data.lastSync ? (
                <div className={s.row}>
                  <Text>Last sync:</Text>
                  <RunStatusBadge status={data.lastSync.status} />
                  <Text className={s.muted}>
                    {triggerLabel(data.lastSync.trigger)}, {formatAge(lastAt, now)}
                  </Text>
                  <Link to={paths.sync(props.companyId)}>Sync details</Link>
                </div>
              ) : null}
            </div>
          </Card>
          <Card title="Users">
            <div className={s.tiles}>
              <Tile label="Waiting for approval" value={data.counts.pending.toLocaleString('en-US')} />
              <Tile label="Active users (billable)" value={data.counts.activeUsers.toLocaleString('en-US')} />
              <Tile label="Denied" value={data.counts.denied.toLocaleString('en-US')} />
              <Tile label="Excluded by settings" value={data.counts.excluded.toLocaleString('en-US')} />
              <Tile label="Held deactivations" value={data.counts.held.toLocaleString('en-US')} />
            </div>
            <div className={s.row} style={{ marginTop: 14 }}>
              <Link to={paths.pending(props.companyId)}>Review pending users</Link>
              <Link to={paths.users(props.companyId)}>Open the user list</Link>
              <Link to={paths.settings(props.companyId)}>Change sync settings</Link>
            </div>
          </Card>
          <Card title="E-mails">
            <Text>
              Integration e-mails go to {data.notificationRecipients.length > 0 ? data.notificationRecipients.join(', ') : 'nobody yet (the admin who connects gets them by default)'}.
            </Text>
          </Card>
        </>
      ) : status.loading ? (
        <Loading />
      ) : null}
    </>
  );
}
