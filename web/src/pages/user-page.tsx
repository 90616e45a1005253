import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { companyPath } from '../api/client';
import { UserDetailSchema } from '../api/schemas';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, ErrorBar, IntentBadge, Loading, PageHeader, useUiStyles } from '../components/ui';
import { useLoad } from '../components/use-load';
import { paths } from '../logic/routes';
import { formatDateTime } from '../logic/time';
import { SOURCE_LABELS } from '../logic/words';

const FIELD_LABELS: Record<string, string> = {
  givenName: 'First name',
  surname: 'Last name',
  displayName: 'Display name',
  jobTitle: 'Job title',
  department: 'Department',
  officeLocation: 'Office',
  mobilePhone: 'Mobile phone',
  country: 'Country',
  city: 'City',
  employeeId: 'Employee id',
  managerEntraId: 'Manager',
  email: 'E-mail',
  entraObjectId: 'Entra object id',
};

/** One Symbol user, and what merging with its directory user changed. */
export function UserPage(props: { companyId: string; userId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const user = useLoad(() => api.get(companyPath(props.companyId, `users/${encodeURIComponent(props.userId)}`), UserDetailSchema), [api, props.companyId, props.userId]);
  const u = user.data;
  return (
    <>
      <PageHeader title={u ? (u.displayName ?? u.email) : 'User'} subtitle={<Link to={paths.users(props.companyId)}>All users</Link>} />
      <ErrorBar error={user.error} title="The user could not be loaded" />
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
                        <TableCell>{FIELD_LABELS[field] ?? field}</TableCell>
                        <TableCell>{change.before ?? '—'}</TableCell>
                        <TableCell>{change.after ?? '—'}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
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
