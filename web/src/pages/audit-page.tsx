import { Button, Field, Input, makeStyles, Select, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, tokens } from '@fluentui/react-components';
import { type SyntheticEvent, useState } from 'react';
import { companyPath } from '../api/client';
import { AuditPageSchema } from '../api/schemas';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, DateText, Empty, ErrorBar, Loading, Note, PageHeader, Pager, useUiStyles } from '../components/ui';
import { useLoad } from '../components/use-load';
import { groupName } from '../logic/group-names';
import { ACTION_LABELS, actorText, type AuditFilters, auditQuery, describeEntry, filtersProblem, NO_FILTERS } from '../logic/audit';
import { currentCursor, FIRST_PAGE } from '../logic/paging';
import { paths } from '../logic/routes';

const PAGE_SIZE = 50;

const useStyles = makeStyles({
  filters: { display: 'flex', gap: '12px', alignItems: 'flex-end', flexWrap: 'wrap', marginBottom: '12px' },
  details: { margin: '4px 0 0', paddingLeft: '18px', fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2 },
  whenCell: { width: '16%' },
  whoCell: { width: '22%' },
});

/** Who decided or changed what, when: newest first, filtered by action, by who and by dates. */
export function AuditPage(props: { companyId: string }) {
  const { api } = useSession();
  const s = useStyles();
  const ui = useUiStyles();
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [problem, setProblem] = useState<string | null>(null);
  const [paging, setPaging] = useState(FIRST_PAGE);
  const cursor = currentCursor(paging);
  const trail = useLoad(() => api.get(companyPath(props.companyId, auditQuery(filters, PAGE_SIZE, cursor)), AuditPageSchema), [api, props.companyId, filters, cursor]);
  const items = trail.data?.items ?? [];

  const apply = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = filtersProblem(draft);
    setProblem(found);
    if (found) return;
    setFilters(draft);
    setPaging(FIRST_PAGE);
  };
  const set = (change: Partial<AuditFilters>) => {
    setDraft((d) => ({ ...d, ...change }));
  };

  return (
    <>
      <PageHeader title="Audit trail" subtitle="Every decision and change for this company — by an admin or by the sync — with who, when and what. Kept for 400 days." />
      <Card aria-label="Audit entries">
        <form className={s.filters} onSubmit={apply} aria-label="Filter the audit trail">
          <Field label="What">
            <Select value={draft.action} onChange={(_e, d) => { set({ action: d.value }); }}>
              <option value="">Everything</option>
              {Object.entries(ACTION_LABELS).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Who">
            <Select value={draft.who} onChange={(_e, d) => { set({ who: d.value === 'sync' ? 'sync' : d.value === 'person' ? 'person' : 'anyone' }); }}>
              <option value="anyone">Anyone</option>
              <option value="sync">The Entra ID sync</option>
              <option value="person">An admin…</option>
            </Select>
          </Field>
          {draft.who === 'person' ? (
            <Field label="Admin’s e-mail">
              <Input value={draft.person} type="email" onChange={(_e, d) => { set({ person: d.value }); }} placeholder="name@company.example" />
            </Field>
          ) : null}
          <Field label="From">
            <Input type="date" value={draft.from} onChange={(_e, d) => { set({ from: d.value }); }} />
          </Field>
          <Field label="To">
            <Input type="date" value={draft.to} onChange={(_e, d) => { set({ to: d.value }); }} />
          </Field>
          <Button type="submit" appearance="primary">
            Show
          </Button>
          <Button
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
              setProblem(null);
              setPaging(FIRST_PAGE);
            }}
          >
            Clear
          </Button>
        </form>
        {problem ? <Note intent="warning">{problem}</Note> : null}
        <ErrorBar error={trail.error} title="The audit trail could not be loaded" />
        {trail.data ? (
          items.length === 0 ? (
            <Empty>{filters === NO_FILTERS ? 'Nothing has been decided or changed yet.' : 'Nothing matches these filters.'}</Empty>
          ) : (
            <Table aria-label="Audit entries">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell className={s.whenCell}>When</TableHeaderCell>
                  <TableHeaderCell className={s.whoCell}>Who</TableHeaderCell>
                  <TableHeaderCell>What</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((entry) => {
                  const actor = actorText(entry.actor);
                  const words = describeEntry(entry, (id) => groupName(window.sessionStorage, id));
                  return (
                    <TableRow key={entry.id}>
                      <TableCell>
                        <DateText iso={entry.at} />
                      </TableCell>
                      <TableCell>
                        <div style={{ overflowWrap: 'anywhere' }}>{actor.name}</div>
                        {entry.actor.type === 'sync' ? (
                          <Link to={paths.run(props.companyId, entry.actor.runId)} className={ui.small}>
                            {actor.note ?? ''}
                          </Link>
                        ) : actor.note ? (
                          <Text className={ui.small}>{actor.note}</Text>
                        ) : null}
                      </TableCell>
                      <TableCell>
                        <Text weight="semibold">
                          {entry.target.type === 'symbol_user' ? <Link to={paths.user(props.companyId, entry.target.id)}>{words.what}</Link> : words.what}
                        </Text>
                        {words.details.length > 0 ? (
                          <ul className={s.details}>
                            {words.details.map((line) => (
                              <li key={line}>{line}</li>
                            ))}
                          </ul>
                        ) : null}
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          )
        ) : trail.loading ? (
          <Loading />
        ) : null}
        {trail.data ? <Pager label="Audit entries" paging={paging} nextCursor={trail.data.nextCursor} onChange={setPaging} /> : null}
      </Card>
    </>
  );
}
