import { MessageBar, MessageBarBody, MessageBarTitle, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { companyPath } from '../api/client';
import { type UserDetail, UserDetailSchema } from '../api/schemas';
import { companyDataChanged } from '../components/changes';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, ConfirmButton, ErrorBar, IntentBadge, Loading, Note, PageHeader, useUiStyles } from '../components/ui';
import { asApiError, useLoad } from '../components/use-load';
import { paths } from '../logic/routes';
import { formatDateTime } from '../logic/time';
import { fieldLabel, fieldValueText, mergeUndoErrorText, SOURCE_LABELS } from '../logic/words';

type Merge = NonNullable<UserDetail['merge']>;

/** The merge card's "Undo merge" (after a confirmation), or why it is gone (30 days passed). */
function UndoMergeButton(props: { merge: Merge; busy: boolean; onConfirm: () => void }) {
  const ui = useUiStyles();
  const until = props.merge.undoableUntil ?? null;
  if (until !== null && Date.parse(until) < Date.now()) {
    return <Text className={ui.small}>A merge can be undone for 30 days: this one could be undone until {formatDateTime(until)}.</Text>;
  }
  return (
    <div className={ui.row}>
      <ConfirmButton
        label="Undo merge"
        title="Undo this merge?"
        body="This user gets back the details it had before the merge (the “Before” column) and is no longer linked to Entra ID, so the directory stops updating it. The directory user goes back to Pending approval. The user’s id, history and training data stay as they are."
        confirm="Undo merge"
        disabled={props.busy}
        onConfirm={props.onConfirm}
      />
      {until ? <Text className={ui.small}>Possible until {formatDateTime(until)}</Text> : null}
    </div>
  );
}

/** One Symbol user, what merging with its directory user changed, and undoing it. */
export function UserPage(props: { companyId: string; userId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const user = useLoad(() => api.get(companyPath(props.companyId, `users/${encodeURIComponent(props.userId)}`), UserDetailSchema), [api, props.companyId, props.userId]);
  const [undone, setUndone] = useState<UserDetail | null>(null);
  const [busy, setBusy] = useState(false);
  const [undoError, setUndoError] = useState<string | null>(null);
  const u = undone ?? user.data;

  const undo = async () => {
    setBusy(true);
    setUndoError(null);
    try {
      setUndone(await api.post(companyPath(props.companyId, `users/${encodeURIComponent(props.userId)}/merge/undo`), {}, UserDetailSchema));
      companyDataChanged();
    } catch (e) {
      const failure = asApiError(e);
      setUndoError(mergeUndoErrorText(failure.code, failure.message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title={u ? (u.displayName ?? u.email) : 'User'} subtitle={<Link to={paths.users(props.companyId)}>All users</Link>} />
      <ErrorBar error={user.error} title="The user could not be loaded" />
      {undoError ? (
        <div role="alert">
          <MessageBar intent="error" className={ui.bar}>
            <MessageBarBody>
              <MessageBarTitle>The merge was not undone</MessageBarTitle>
              {undoError}
            </MessageBarBody>
          </MessageBar>
        </div>
      ) : null}
      {undone ? (
        <div role="status" aria-live="polite">
          <Note intent="success" title="The merge was undone">
            {undone.displayName ?? undone.email} has its own details back and is no longer linked to Entra ID. The directory user waits in <Link to={paths.pending(props.companyId)}>Pending approval</Link> again; the <Link to={paths.audit(props.companyId)}>audit trail</Link> records the undo.
          </Note>
        </div>
      ) : null}
      {u ? (
        <>
          <Card title="Details">
            <div className={ui.stack}>
              <div className={ui.row}>
                <IntentBadge intent={u.status === 'active' ? 'success' : 'info'}>{u.status === 'active' ? 'Active' : 'Inactive'}</IntentBadge>
                <Text>{SOURCE_LABELS[u.source] ?? u.source}</Text>
                <Text className={ui.muted}>{u.entraObjectId ? `Linked to Entra user ${u.entraObjectId}` : 'Not linked to Entra ID'}</Text>
              </div>
              <Text>
                {u.email} · {u.jobTitle ?? 'no job title'} · {u.department ?? 'no department'}
              </Text>
              <Text className={ui.small}>
                Added {formatDateTime(u.createdAt)}, updated {formatDateTime(u.updatedAt)}
                {u.deactivatedAt ? `, deactivated ${formatDateTime(u.deactivatedAt)}` : ''}
              </Text>
            </div>
          </Card>
          <Card title="Merge with Entra ID">
            {u.merge ? (
              <>
                <Text as="p">
                  Merged {formatDateTime(u.merge.mergedAt)} by {u.merge.by === 'auto-approval' ? 'the auto-approve rule' : u.merge.by}: this user, added before, kept its id, history and training data, and took the directory’s details.
                </Text>
                <Table aria-label="Fields the merge changed" size="small">
                  <TableHeader>
                    <TableRow>
                      <TableHeaderCell>Field</TableHeaderCell>
                      <TableHeaderCell>Before</TableHeaderCell>
                      <TableHeaderCell>After</TableHeaderCell>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {Object.entries(u.merge.changed).map(([field, change]) => (
                      <TableRow key={field}>
                        <TableCell>{fieldLabel(field)}</TableCell>
                        <TableCell>{fieldValueText(field, change.before)}</TableCell>
                        <TableCell>{fieldValueText(field, change.after)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
                <div style={{ marginTop: 12 }}>
                  <UndoMergeButton merge={u.merge} busy={busy} onConfirm={() => void undo()} />
                </div>
              </>
            ) : (
              <Text>{u.entraObjectId ? 'Created from Entra ID on approval: nothing was merged.' : 'Not merged. Approving a directory user with the same e-mail address merges the two.'}</Text>
            )}
          </Card>
          {Object.keys(u.customFields).length > 0 ? (
            <Card title="Symbol data kept on this user">
              <Text className={ui.small}>{Object.keys(u.customFields).join(', ')}</Text>
            </Card>
          ) : null}
        </>
      ) : user.loading ? (
        <Loading />
      ) : null}
    </>
  );
}
