import { Badge, Button, Checkbox, Field, Input, makeStyles, Select, Switch, Tab, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, TabList, Text, tokens } from '@fluentui/react-components';
import { type SyntheticEvent, useEffect, useState } from 'react';
import { type ApiError, companyPath } from '../api/client';
import { ApproveResultSchema, AutoApprovePreviewSchema, DenyResultSchema, type IntegrationStatus, IntegrationStatusSchema, PendingPageSchema, type PendingUser, RestoreResultSchema } from '../api/schemas';
import { companyDataChanged, onCompanyDataChanged } from '../components/changes';
import { ReasonList } from '../components/reasons';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, DateText, ErrorBar, JobText, LoadedPage, Note, PageHeader, useUiStyles } from '../components/ui';
import { asApiError, useLoad } from '../components/use-load';
import { decisionSummary, selectionState, toggle, toggleAll } from '../logic/decisions';
import { currentCursor, FIRST_PAGE } from '../logic/paging';
import { paths } from '../logic/routes';
import { type ReviewStatus, REVIEW_TABS, reviewTab, tabLabel } from '../logic/review-tabs';
import { AUTO_APPROVE_LABELS, FLAG_LABELS, FLAG_MEANINGS, plural, SOURCE_LABELS } from '../logic/words';

const PAGE_SIZES = [50, 100, 200] as const;

const useStyles = makeStyles({
  filters: { display: 'flex', gap: '12px', alignItems: 'flex-end', flexWrap: 'wrap', marginBottom: '12px' },
  search: { minWidth: '280px' },
  bulk: { display: 'flex', gap: '8px', alignItems: 'center', padding: '10px 12px', backgroundColor: tokens.colorBrandBackground2, borderRadius: tokens.borderRadiusMedium, marginBottom: '12px' },
  name: { fontWeight: tokens.fontWeightSemibold },
  listTools: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: '12px', flexWrap: 'wrap', marginBottom: '8px' },
  match: { fontSize: tokens.fontSizeBase200 },
  checkboxCell: { width: '44px' },
  userCell: { width: '44%' },
  jobCell: { width: '17%' },
  matchCell: { width: '24%' },
  dateCell: { width: '15%' },
});

function Match(props: { user: PendingUser; companyId: string }) {
  const s = useStyles();
  const matched = props.user.matchedUser;
  if (matched) {
    return (
      <div className={s.match}>
        <Badge appearance="tint" color="success" shape="rounded" size="small">
          Merges
        </Badge>{' '}
        with <Link to={paths.user(props.companyId, matched.id)}>{matched.displayName ?? matched.email}</Link> ({matched.email}, {SOURCE_LABELS[matched.source] ?? matched.source})
      </div>
    );
  }
  if (props.user.matchConflict && props.user.matchConflict.length > 0) {
    return (
      <div className={s.match}>
        <Badge appearance="tint" color="danger" shape="rounded" size="small">
          Conflict
        </Badge>{' '}
        {plural(props.user.matchConflict.length, 'Symbol user')} share this address
      </div>
    );
  }
  return <Text className={s.match}>New user</Text>;
}

/** The Symbol user an approved entry became (or merged into). */
function Approved(props: { user: PendingUser; companyId: string }) {
  const s = useStyles();
  const linked = props.user.matchedUser;
  if (!linked) return <Text className={s.match}>—</Text>;
  return (
    <div className={s.match}>
      <Link to={paths.user(props.companyId, linked.id)}>{linked.displayName ?? linked.email}</Link> ({linked.status === 'active' ? 'active' : 'inactive'})
    </div>
  );
}

function AutoApproveOffer(props: { companyId: string; status: IntegrationStatus | undefined; onApplied: (title: string, details: string[], intent: 'success' | 'warning') => void }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const mode = props.status?.settings.autoApprove;
  const preview = useLoad(
    () => (mode && mode !== 'off' ? api.post(companyPath(props.companyId, 'pending-users/apply-auto-approve'), { dryRun: true }, AutoApprovePreviewSchema) : Promise.resolve(null)),
    [api, props.companyId, mode],
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (!preview.data || preview.data.wouldApprove === 0) return null;
  const n = preview.data.wouldApprove;
  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.post(companyPath(props.companyId, 'pending-users/apply-auto-approve'), {}, ApproveResultSchema);
      const summary = decisionSummary('approve', { done: result.approved.length, merged: result.approved.filter((a) => a.merged).length, failed: result.failed }, (id) => id);
      props.onApplied(summary.title, summary.details, summary.intent);
      preview.reload();
      companyDataChanged();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <ErrorBar error={error} />
      <Note
        intent="info"
        title={`Auto-approve: ${AUTO_APPROVE_LABELS[preview.data.autoApprove]?.label ?? preview.data.autoApprove}`}
        actions={
          <Button appearance="primary" size="small" disabled={busy} onClick={() => void apply()}>
            Apply to {plural(n, 'waiting user')}
          </Button>
        }
      >
        The rule decides new users only. {plural(n, 'user')} already waiting {n === 1 ? 'matches' : 'match'} it
        <span className={ui.small}> (for example {preview.data.sample.slice(0, 3).map((u) => u.displayName).join(', ')})</span>.
      </Note>
    </>
  );
}

/**
 * Pending for approval: search, flag filter, every entry with its reasons (flags and the rule that
 * put it here), the merge shown beforehand, bulk decisions, tabs for denied (restore), excluded
 * (deny for good) and approved entries, paging.
 */
export function PendingPage(props: { companyId: string }) {
  const { api } = useSession();
  const s = useStyles();
  const ui = useUiStyles();
  const company = useLoad(() => api.get(companyPath(props.companyId, 'entra'), IntegrationStatusSchema), [api, props.companyId]);
  const reloadCompany = company.reload;
  useEffect(() => onCompanyDataChanged(reloadCompany), [reloadCompany]);
  const [status, setStatus] = useState<ReviewStatus>('pending');
  const tab = reviewTab(status);
  const [allReasons, setAllReasons] = useState(false);
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [flag, setFlag] = useState('');
  const [limit, setLimit] = useState<number>(50);
  const [paging, setPaging] = useState(FIRST_PAGE);
  const [selection, setSelection] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ intent: 'success' | 'warning'; title: string; details: string[] } | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const cursor = currentCursor(paging);
  // The search text travels in a POST body, never in a URL (URLs end up in request logs).
  const loaded = useLoad(
    () => api.post(companyPath(props.companyId, 'pending-users/search'), { status, search, flag: flag === '' ? null : flag, limit, cursor }, PendingPageSchema).then((page) => ({ status, page })),
    [api, props.companyId, status, search, flag, limit, cursor],
  );
  // While another tab's list loads, the last one is not shown under this tab's name.
  const list = { ...loaded, data: loaded.data?.status === status ? loaded.data.page : undefined };
  const items = list.data?.items ?? [];
  const ids = items.map((u) => u.id);
  const names = new Map(items.map((u) => [u.id, u.displayName]));

  // The selection survives searches, filters and pages (select across them, then decide once);
  // it is cleared by a decision or by switching between pending and denied.
  const resetPaging = () => {
    setPaging(FIRST_PAGE);
  };
  const submitSearch = (event: SyntheticEvent) => {
    event.preventDefault();
    setSearch(searchText.trim());
    resetPaging();
  };

  const decide = async (action: 'approve' | 'deny' | 'restore') => {
    const chosen = [...selection];
    if (chosen.length === 0) return;
    setBusy(true);
    setActionError(null);
    try {
      const path = companyPath(props.companyId, `pending-users/${action}`);
      let summary;
      if (action === 'approve') {
        const r = await api.post(path, { ids: chosen }, ApproveResultSchema);
        summary = decisionSummary('approve', { done: r.approved.length, merged: r.approved.filter((a) => a.merged).length, failed: r.failed }, (id) => names.get(id) ?? id);
      } else if (action === 'deny') {
        const r = await api.post(path, { ids: chosen }, DenyResultSchema);
        summary = decisionSummary('deny', { done: r.denied.length, failed: r.failed }, (id) => names.get(id) ?? id);
      } else {
        const r = await api.post(path, { ids: chosen }, RestoreResultSchema);
        summary = decisionSummary('restore', { done: r.restored.length, failed: r.failed }, (id) => names.get(id) ?? id);
      }
      setOutcome(summary);
      setSelection(new Set());
      list.reload();
      companyDataChanged();
    } catch (error) {
      setActionError(asApiError(error));
    } finally {
      setBusy(false);
    }
  };

  const headerState = selectionState(selection, ids);
  const selectable = tab.actions.length > 0;
  return (
    <>
      <PageHeader title="Pending for approval" subtitle="Users found in Entra ID wait here. They are not trained, phished or billed until you approve them." />
      <AutoApproveOffer companyId={props.companyId} status={company.data} onApplied={(title, details, intent) => { setOutcome({ title, details, intent }); list.reload(); }} />
      {outcome ? (
        <div role="status" aria-live="polite">
          <Note intent={outcome.intent} title={outcome.title} actions={<Button size="small" appearance="transparent" onClick={() => { setOutcome(null); }}>Dismiss</Button>}>
            {outcome.details.length > 0 ? (
              <ul style={{ margin: 0, paddingLeft: 18 }}>
                {outcome.details.map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ul>
            ) : null}
          </Note>
        </div>
      ) : null}
      <ErrorBar error={actionError} />
      <Card aria-label="Review list">
        <TabList
          selectedValue={status}
          onTabSelect={(_e, d) => {
            setStatus(reviewTab(d.value).status);
            resetPaging();
            setSelection(new Set());
            setOutcome(null);
          }}
          aria-label="Which users"
        >
          {REVIEW_TABS.map((t) => (
            <Tab key={t.status} value={t.status}>
              {tabLabel(t, company.data?.counts)}
            </Tab>
          ))}
        </TabList>
        {status === 'excluded' ? (
          <Note intent="info" title="Kept out by the settings">
            The exclusions and the scope keep these users out; each says why. To include them, <Link to={paths.settings(props.companyId)}>change the settings</Link>: the next sync lists them for review. Denying one keeps it out for good, whatever the settings.
          </Note>
        ) : null}
        <form className={s.filters} onSubmit={submitSearch} role="search" style={{ marginTop: 12 }}>
          <Field label="Search by name or e-mail" className={s.search}>
            <Input value={searchText} onChange={(_e, d) => { setSearchText(d.value); }} placeholder="Starts with…" type="search" />
          </Field>
          <Button type="submit">Search</Button>
          <Field label="Flag" hint={flag ? FLAG_MEANINGS[flag] : undefined}>
            <Select
              value={flag}
              onChange={(_e, d) => {
                setFlag(d.value);
                resetPaging();
              }}
            >
              <option value="">Any</option>
              {Object.entries(FLAG_LABELS).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Per page">
            <Select
              value={String(limit)}
              onChange={(_e, d) => {
                setLimit(Number(d.value));
                resetPaging();
              }}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          </Field>
        </form>
        {selection.size > 0 ? (
          <div className={s.bulk} role="toolbar" aria-label="Selected users">
            <Text weight="semibold">{plural(selection.size, 'user')} selected</Text>
            {[...selection].some((id) => !ids.includes(id)) ? <Text size={200}>(some on other pages or searches)</Text> : null}
            {tab.actions.includes('approve') ? (
              <Button appearance="primary" disabled={busy} onClick={() => void decide('approve')}>
                Approve
              </Button>
            ) : null}
            {tab.actions.includes('deny') ? (
              <Button disabled={busy} onClick={() => void decide('deny')}>
                {status === 'excluded' ? 'Deny for good' : 'Deny'}
              </Button>
            ) : null}
            {tab.actions.includes('restore') ? (
              <Button appearance="primary" disabled={busy} onClick={() => void decide('restore')}>
                Restore to pending
              </Button>
            ) : null}
            <Button appearance="subtle" onClick={() => { setSelection(new Set()); }}>
              Clear selection
            </Button>
          </div>
        ) : null}
        <LoadedPage list={list} label={tab.tableLabel} errorTitle="The list could not be loaded" empty={search || flag ? 'Nobody matches this search.' : tab.empty} paging={paging} onPaging={setPaging}>
          {(rows) => (
            <>
              <div className={s.listTools}>
                <Text className={ui.small}>Each entry says why it is here: its flags, and the rule that decided (“Why?” for the full text).</Text>
                <Switch label="Show every reason in full" checked={allReasons} onChange={(_e, d) => { setAllReasons(d.checked); }} />
              </div>
              <Table aria-label={tab.tableLabel}>
                <TableHeader>
                  <TableRow>
                    {selectable ? (
                      <TableHeaderCell className={s.checkboxCell}>
                        <Checkbox checked={headerState} onChange={() => { setSelection(toggleAll(selection, ids)); }} aria-label="Select all on this page" />
                      </TableHeaderCell>
                    ) : null}
                    <TableHeaderCell className={s.userCell}>User and reasons</TableHeaderCell>
                    <TableHeaderCell className={s.jobCell}>Job</TableHeaderCell>
                    <TableHeaderCell className={s.matchCell}>{tab.matchHeader}</TableHeaderCell>
                    <TableHeaderCell className={s.dateCell}>First seen</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {rows.map((user) => (
                    <TableRow key={user.id}>
                      {selectable ? (
                        <TableCell className={s.checkboxCell}>
                          <Checkbox checked={selection.has(user.id)} onChange={() => { setSelection(toggle(selection, user.id)); }} aria-label={`Select ${user.displayName}`} />
                        </TableCell>
                      ) : null}
                      <TableCell>
                        <div className={s.name}>{user.displayName}</div>
                        <div className={ui.small}>{user.email ?? user.userPrincipalName ?? 'no e-mail address'}</div>
                        <ReasonList name={user.displayName} reasons={user.reasons} flags={user.flags} open={allReasons} />
                      </TableCell>
                      <TableCell>
                        <JobText jobTitle={user.jobTitle} department={user.department} />
                      </TableCell>
                      <TableCell>
                        {status === 'approved' ? <Approved user={user} companyId={props.companyId} /> : <Match user={user} companyId={props.companyId} />}
                      </TableCell>
                      <TableCell>
                        <DateText iso={user.firstSeenAt} />
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </>
          )}
        </LoadedPage>
      </Card>
    </>
  );
}
