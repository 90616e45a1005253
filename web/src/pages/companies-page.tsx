import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { CompaniesPageSchema } from '../api/schemas';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, ConnectionBadge, Empty, ErrorBar, Loading, PageHeader, Pager, RunStatusBadge, Tile, useUiStyles } from '../components/ui';
import { useLoad } from '../components/use-load';
import { currentCursor, FIRST_PAGE } from '../logic/paging';
import { paths } from '../logic/routes';
import { formatAge, isStale } from '../logic/time';
import { plural } from '../logic/words';

/** The MSP view: every company the token grants, with status, last sync and its age, and counts. */
export function CompaniesPage() {
  const { api, session } = useSession();
  const s = useUiStyles();
  const [paging, setPaging] = useState(FIRST_PAGE);
  const cursor = currentCursor(paging);
  const list = useLoad(() => api.get(`companies?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, CompaniesPageSchema), [api, cursor]);
  const now = Date.now();
  const items = list.data?.items ?? [];
  const total = (key: 'pending' | 'held' | 'activeUsers') => items.reduce((sum, c) => sum + c.counts[key], 0);
  return (
    <>
      <PageHeader
        title={session.companies === '*' ? 'All companies' : 'Your companies'}
        subtitle={session.companies === '*' ? 'Every company with an Entra ID integration record.' : `The ${plural(session.companies.length, 'company', 'companies')} you manage. Each one is connected, reviewed and billed on its own.`}
      />
      <ErrorBar error={list.error} title="The companies could not be loaded" />
      {list.data ? (
        <>
          <Card title="Overview" aria-label="Overview">
          <div className={s.tiles}>
            <Tile label="Companies on this page" value={items.length} />
            <Tile label="Connected" value={items.filter((c) => c.status === 'connected').length} />
            <Tile label="Waiting for approval" value={total('pending').toLocaleString('en-US')} />
            <Tile label="Held deactivations" value={total('held').toLocaleString('en-US')} />
            <Tile label="Active (billable) users" value={total('activeUsers').toLocaleString('en-US')} />
          </div>
          </Card>
          <Card title="Companies">
            {items.length === 0 ? (
              <Empty>No companies yet.</Empty>
            ) : (
              <Table aria-label="Companies" size="medium">
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>Company</TableHeaderCell>
                    <TableHeaderCell>Entra ID</TableHeaderCell>
                    <TableHeaderCell>Last sync</TableHeaderCell>
                    <TableHeaderCell>Pending</TableHeaderCell>
                    <TableHeaderCell>Held</TableHeaderCell>
                    <TableHeaderCell>Active users</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {items.map((c) => {
                    const at = c.lastSync?.finishedAt ?? c.lastSync?.queuedAt ?? null;
                    return (
                      <TableRow key={c.companyId}>
                        <TableCell>
                          <Link to={paths.entra(c.companyId)}>{c.companyId}</Link>
                          {c.tenantId ? <div className={s.small}>Tenant {c.tenantId}</div> : null}
                        </TableCell>
                        <TableCell>
                          <ConnectionBadge status={c.status} />
                        </TableCell>
                        <TableCell>
                          {c.lastSync ? (
                            <div className={s.row}>
                              <RunStatusBadge status={c.lastSync.status} />
                              <Text className={s.small} style={isStale(at, now) && c.status === 'connected' ? { color: '#b10e1c' } : undefined}>
                                {formatAge(at, now)}
                              </Text>
                            </div>
                          ) : (
                            <Text className={s.small}>never</Text>
                          )}
                        </TableCell>
                        <TableCell>{c.counts.pending > 0 ? <Link to={paths.pending(c.companyId)}>{c.counts.pending.toLocaleString('en-US')}</Link> : '0'}</TableCell>
                        <TableCell>{c.counts.held > 0 ? <Link to={paths.held(c.companyId)}>{c.counts.held.toLocaleString('en-US')}</Link> : '0'}</TableCell>
                        <TableCell>{c.counts.activeUsers.toLocaleString('en-US')}</TableCell>
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
            )}
            <Pager label="Companies" paging={paging} nextCursor={list.data.nextCursor} onChange={setPaging} />
          </Card>
        </>
      ) : list.loading ? (
        <Loading />
      ) : null}
    </>
  );
}
