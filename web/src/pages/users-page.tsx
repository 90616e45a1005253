import { Badge, Tab, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, TabList, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { companyPath } from '../api/client';
import { UsersPageSchema } from '../api/schemas';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, DateText, Empty, ErrorBar, JobText, Loading, PageHeader, Pager, useUiStyles } from '../components/ui';
import { useLoad } from '../components/use-load';
import { currentCursor, FIRST_PAGE } from '../logic/paging';
import { paths } from '../logic/routes';
import { SOURCE_LABELS } from '../logic/words';

/** The Symbol user list: active (billable) or inactive, where each user came from, merges visible. */
export function UsersPage(props: { companyId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const [status, setStatus] = useState<'active' | 'inactive'>('active');
  const [paging, setPaging] = useState(FIRST_PAGE);
  const cursor = currentCursor(paging);
  const list = useLoad(() => api.get(companyPath(props.companyId, `users?status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), UsersPageSchema), [api, props.companyId, status, cursor]);
  const items = list.data?.items ?? [];
  return (
    <>
      <PageHeader title="Users" subtitle="The company’s Symbol users. Active users are trained, phished and billed; inactive ones keep their history." />
      <Card aria-label="User list">
        <TabList
          selectedValue={status}
          onTabSelect={(_e, d) => {
            setStatus(d.value === 'inactive' ? 'inactive' : 'active');
            setPaging(FIRST_PAGE);
          }}
          aria-label="Which users"
        >
          <Tab value="active">Active</Tab>
          <Tab value="inactive">Inactive</Tab>
        </TabList>
        <ErrorBar error={list.error} title="The users could not be loaded" />
        {list.data ? (
          items.length === 0 ? (
            <Empty>{status === 'active' ? 'No active users yet: approve users in "Pending approval".' : 'No inactive users.'}</Empty>
          ) : (
            <Table aria-label={status === 'active' ? 'Active users' : 'Inactive users'}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell style={{ width: '34%' }}>User</TableHeaderCell>
                  <TableHeaderCell>Source</TableHeaderCell>
                  <TableHeaderCell>Entra ID</TableHeaderCell>
                  <TableHeaderCell>Job</TableHeaderCell>
                  <TableHeaderCell>Updated</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((u) => (
                  <TableRow key={u.id}>
                    <TableCell>
                      <Link to={paths.user(props.companyId, u.id)}>{u.displayName ?? u.email}</Link>
                      <div className={ui.small} style={{ overflowWrap: 'anywhere' }}>{u.email}</div>
                    </TableCell>
                    <TableCell>{SOURCE_LABELS[u.source] ?? u.source}</TableCell>
                    <TableCell>
                      {u.entraObjectId ? (
                        <Badge appearance="tint" color="brand" shape="rounded" size="small">
                          {u.merged ? 'Linked (merged)' : 'Linked'}
                        </Badge>
                      ) : (
                        <Text className={ui.small}>Not from Entra ID</Text>
                      )}
                    </TableCell>
                    <TableCell>
                      <JobText jobTitle={u.jobTitle} department={u.department} />
                    </TableCell>
                    <TableCell>
                      <DateText iso={u.updatedAt} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )
        ) : list.loading ? (
          <Loading />
        ) : null}
        {list.data ? <Pager label="Users" paging={paging} nextCursor={list.data.nextCursor} onChange={setPaging} /> : null}
      </Card>
    </>
  );
}
