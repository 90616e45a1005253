import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiClient } from './api/client';
import { navigate, useLocation } from './components/router';
import { SessionContext } from './components/session-context';
import { Shell } from './components/shell';
import { ConfirmHost, Empty, Note } from './components/ui';
import { innerPath, parseRoute, paths, type Route, safeNext } from './logic/routes';
import { homePath, loadSession, saveSession, type Session } from './logic/session';
import { AuditPage } from './pages/audit-page';
import { CompaniesPage } from './pages/companies-page';
import { ConsentResultPage } from './pages/consent-result-page';
import { EntraPage } from './pages/entra-page';
import { HeldPage } from './pages/held-page';
import { PendingPage } from './pages/pending-page';
import { PreviewPage } from './pages/preview-page';
import { RunPage } from './pages/run-page';
import { SettingsPage } from './pages/settings-page';
import { SignInPage } from './pages/signin-page';
import { SyncPage } from './pages/sync-page';
import { UserPage } from './pages/user-page';
import { UsersPage } from './pages/users-page';

function mayOpen(session: Session, companyId: string): boolean {
  return session.companies === '*' || session.companies.includes(companyId);
}

function companyOf(route: Route): string | null {
  return 'companyId' in route ? route.companyId : null;
}

function Page(props: { route: Route }) {
  const { route } = props;
  switch (route.page) {
    case 'companies':
      return <CompaniesPage />;
    case 'entra':
      return <EntraPage companyId={route.companyId} />;
    case 'pending':
      return <PendingPage companyId={route.companyId} />;
    case 'users':
      return <UsersPage companyId={route.companyId} />;
    case 'user':
      return <UserPage companyId={route.companyId} userId={route.userId} />;
    case 'sync':
      return <SyncPage companyId={route.companyId} />;
    case 'run':
      return <RunPage companyId={route.companyId} runId={route.runId} />;
    case 'preview':
      return <PreviewPage key={route.runId} companyId={route.companyId} runId={route.runId} />;
    case 'held':
      return <HeldPage companyId={route.companyId} />;
    case 'settings':
      return <SettingsPage companyId={route.companyId} />;
    case 'audit':
      return <AuditPage companyId={route.companyId} />;
    case 'consent-result':
      return <ConsentResultPage />;
    case 'home':
    case 'signin':
    case 'not-found':
      return <Empty>This page does not exist.</Empty>;
  }
}

export function App() {
  const location = useLocation();
  const inner = innerPath(location.pathname) ?? '/';
  const route = parseRoute(inner, location.search);
  const [session, setSession] = useState<Session | null>(() => loadSession(window.sessionStorage, Date.now()));

  const signOut = useCallback(() => {
    saveSession(window.sessionStorage, null);
    setSession(null);
    navigate(paths.signin(), { replace: true });
  }, []);
  const api = useMemo(() => (session ? new ApiClient(session.token, { onUnauthorized: signOut }) : null), [session, signOut]);

  useEffect(() => {
    if (session && route.page === 'home') navigate(homePath(session), { replace: true });
  }, [session, route.page]);

  if (route.page === 'signin' || !session || !api) {
    const next = route.page === 'signin' ? route.next : `${inner}${location.search}`;
    return (
      <SignInPage
        onSignedIn={(fresh) => {
          saveSession(window.sessionStorage, fresh);
          setSession(fresh);
          const target = safeNext(next);
          navigate(target !== null && target !== '/' ? target : homePath(fresh), { replace: true });
        }}
      />
    );
  }

  const companyId = companyOf(route);
  return (
    <SessionContext.Provider value={{ session, api, signOut }}>
      <ConfirmHost>
        <Shell route={route}>
          {companyId !== null && !mayOpen(session, companyId) ? (
            <Note intent="warning" title="No access to this company">
              You are signed in as {session.email ?? session.subject}, who may not manage company “{companyId}”. Sign in with an account that manages it.
            </Note>
          ) : (
            <Page route={route} />
          )}
        </Shell>
      </ConfirmHost>
    </SessionContext.Provider>
  );
}
