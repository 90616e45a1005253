import { Button, CounterBadge, makeStyles, Select, Text, tokens } from '@fluentui/react-components';
import { type ReactNode, useEffect } from 'react';
import { companyPath } from '../api/client';
import { IntegrationStatusSchema } from '../api/schemas';
import { paths, type Route } from '../logic/routes';
import { roleLabel } from '../logic/session';
import { onCompanyDataChanged } from './changes';
import { Link, navigate } from './router';
import { useSession } from './session-context';
import { useLoad } from './use-load';

const useStyles = makeStyles({
  top: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: '16px',
    padding: '0 24px',
    height: '52px',
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  brand: { display: 'flex', alignItems: 'baseline', gap: '10px', fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400 },
  product: { fontWeight: tokens.fontWeightRegular, fontSize: tokens.fontSizeBase300 },
  who: { display: 'flex', alignItems: 'center', gap: '12px' },
  whoText: { display: 'flex', flexDirection: 'column', alignItems: 'flex-end', lineHeight: '1.2' },
  role: { fontSize: tokens.fontSizeBase200 },
  body: { display: 'flex', minHeight: 'calc(100vh - 52px)' },
  nav: { width: '236px', flexShrink: 0, padding: '20px 12px', borderRight: `1px solid ${tokens.colorNeutralStroke2}`, backgroundColor: tokens.colorNeutralBackground1, display: 'flex', flexDirection: 'column', gap: '4px' },
  navHeading: { fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground3, textTransform: 'uppercase', letterSpacing: '0.04em', margin: '14px 10px 6px' },
  navLink: {
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'center',
    padding: '8px 10px',
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground1,
    textDecorationLine: 'none',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover, textDecorationLine: 'none' },
  },
  navCurrent: { backgroundColor: tokens.colorBrandBackground2, fontWeight: tokens.fontWeightSemibold, ':hover': { backgroundColor: tokens.colorBrandBackground2Hover } },
  main: { flexGrow: 1, padding: '28px 36px', maxWidth: '1280px', minWidth: 0 },
  switcher: { margin: '0 6px 6px' },
  signOut: { color: tokens.colorNeutralForegroundOnBrand },
});

function NavItem(props: { to: string; current: boolean; children: ReactNode; count?: number; countLabel?: string }) {
  const s = useStyles();
  return (
    <Link to={props.to} aria-current={props.current ? 'page' : undefined} className={`${s.navLink} ${props.current ? s.navCurrent : ''}`}>
      <span>{props.children}</span>
      {props.count !== undefined && props.count > 0 ? <CounterBadge count={props.count} overflowCount={9999} size="small" color="brand" aria-label={props.countLabel} /> : null}
    </Link>
  );
}

function CompanyNav(props: { companyId: string; route: Route }) {
  const { api, session } = useSession();
  const status = useLoad(() => api.get(companyPath(props.companyId, 'entra'), IntegrationStatusSchema), [api, props.companyId]);
  const { reload } = status;
  useEffect(() => onCompanyDataChanged(reload), [reload]);
  const s = useStyles();
  const counts = status.data?.counts;
  const page = props.route.page;
  const id = props.companyId;
  const companies = session.companies === '*' ? null : session.companies;
  return (
    <>
      <h2 className={s.navHeading}>Company</h2>
      {companies && companies.length > 1 ? (
        <Select className={s.switcher} aria-label="Company" value={id} onChange={(_e, d) => { navigate(paths.entra(d.value)); }}>
          {companies.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </Select>
      ) : (
        <Text weight="semibold" style={{ margin: '0 10px 6px' }}>
          {id}
        </Text>
      )}
      <NavItem to={paths.entra(id)} current={page === 'entra'}>Entra ID</NavItem>
      <NavItem to={paths.pending(id)} current={page === 'pending'} count={counts?.pending} countLabel={`${String(counts?.pending ?? 0)} waiting`}>
        Pending approval
      </NavItem>
      <NavItem to={paths.users(id)} current={page === 'users' || page === 'user'}>Users</NavItem>
      <NavItem to={paths.sync(id)} current={page === 'sync' || page === 'run' || page === 'preview'}>Sync</NavItem>
      <NavItem to={paths.held(id)} current={page === 'held'} count={counts?.held} countLabel={`${String(counts?.held ?? 0)} held`}>
        Held deactivations
      </NavItem>
      <NavItem to={paths.settings(id)} current={page === 'settings'}>Settings</NavItem>
      <NavItem to={paths.audit(id)} current={page === 'audit'}>Audit trail</NavItem>
    </>
  );
}

export function Shell(props: { route: Route; children: ReactNode }) {
  const { session, signOut } = useSession();
  const s = useStyles();
  const companyId = 'companyId' in props.route ? props.route.companyId : null;
  const overview = session.companies === '*' || session.companies.length > 1;
  return (
    <>
      <header className={s.top}>
        <div className={s.brand}>
          <span>Symbol Security</span>
          <span className={s.product}>Entra ID user sync</span>
        </div>
        <div className={s.who}>
          <div className={s.whoText}>
            <span>{session.email ?? session.subject}</span>
            <span className={s.role}>{roleLabel(session)}</span>
          </div>
          <Button appearance="transparent" className={s.signOut} onClick={signOut}>
            Sign out
          </Button>
        </div>
      </header>
      <div className={s.body}>
        <nav className={s.nav} aria-label="Console">
          {overview ? (
            <NavItem to={paths.companies()} current={props.route.page === 'companies'}>
              All companies
            </NavItem>
          ) : null}
          {companyId !== null ? <CompanyNav companyId={companyId} route={props.route} /> : null}
        </nav>
        <main className={s.main}>{props.children}</main>
      </div>
    </>
  );
}
