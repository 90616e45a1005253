import { Button, Field, makeStyles, Spinner, Text, Textarea, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { Note } from '../components/ui';
import { type Session, sessionFromToken } from '../logic/session';

/**
 * Sign-in. Locally (`npm start`) the stack offers simulated people who get a token from the local
 * issuer (`/_local/identities`, `/_local/token`); anywhere else the console takes a bearer token
 * from Symbol's identity provider, pasted here.
 */

const IdentitiesSchema = z.object({
  identities: z.array(z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string(), description: z.string() })),
});
type Identity = z.infer<typeof IdentitiesSchema>['identities'][number];
const TokenSchema = z.object({ token: z.string() });

const useStyles = makeStyles({
  page: { minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', padding: '24px' },
  panel: { width: '100%', maxWidth: '560px', backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusXLarge, boxShadow: tokens.shadow16, padding: '36px 40px' },
  brand: { color: tokens.colorBrandForeground1, fontWeight: tokens.fontWeightSemibold },
  title: { fontSize: tokens.fontSizeHero800, lineHeight: tokens.lineHeightHero800, fontWeight: tokens.fontWeightSemibold, margin: '6px 0 6px' },
  list: { listStyle: 'none', padding: 0, margin: '20px 0 0', display: 'flex', flexDirection: 'column', gap: '10px' },
  person: {
    width: '100%',
    justifyContent: 'flex-start',
    textAlign: 'left',
    padding: '12px 14px',
    height: 'auto',
    display: 'flex',
    gap: '14px',
  },
  avatar: { width: '36px', height: '36px', borderRadius: '50%', backgroundColor: tokens.colorBrandBackground2, color: tokens.colorBrandForeground1, display: 'flex', alignItems: 'center', justifyContent: 'center', fontWeight: tokens.fontWeightSemibold, flexShrink: 0 },
  who: { display: 'flex', flexDirection: 'column', gap: '2px' },
  muted: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200, fontWeight: tokens.fontWeightRegular },
  paste: { marginTop: '28px', borderTop: `1px solid ${tokens.colorNeutralStroke2}`, paddingTop: '20px', display: 'flex', flexDirection: 'column', gap: '10px' },
});

function initials(name: string): string {
  return name
    .split(' ')
    .map((p) => p[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

export function SignInPage(props: { onSignedIn: (session: Session) => void }) {
  const s = useStyles();
  const [identities, setIdentities] = useState<Identity[] | null | 'loading'>('loading');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pasted, setPasted] = useState('');

  useEffect(() => {
    fetch('/_local/identities', { headers: { accept: 'application/json' } })
      .then(async (r) => (r.ok ? IdentitiesSchema.parse(await r.json()).identities : null))
      .then(setIdentities, () => {
        setIdentities(null);
      });
  }, []);

  const pick = async (identity: Identity) => {
    setBusy(identity.id);
    setError(null);
    try {
      const response = await fetch('/_local/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: identity.id }) });
      const session = response.ok ? sessionFromToken(TokenSchema.parse(await response.json()).token) : null;
      if (!session) throw new Error('no token');
      props.onSignedIn(session);
    } catch {
      setError('The local sign-in did not answer. Is the local stack still running?');
    } finally {
      setBusy(null);
    }
  };

  const usePasted = () => {
    const session = sessionFromToken(pasted);
    if (!session) {
      setError('That is not a bearer token this console can use (a JWT with a companies claim).');
      return;
    }
    props.onSignedIn(session);
  };

  return (
    <main className={s.page}>
      <div className={s.panel}>
        <Text className={s.brand}>Symbol Security</Text>
        <h1 className={s.title}>Sign in to Entra ID sync</h1>
        <Text as="p" className={s.muted} style={{ margin: 0 }}>
          Connect companies to Microsoft Entra ID, review who joins, and keep user lists in step.
        </Text>
        {error ? <div style={{ marginTop: 16 }}><Note intent="error">{error}</Note></div> : null}
        {identities === 'loading' ? <div style={{ marginTop: 24 }}><Spinner size="small" label="Looking for the local sign-in…" /></div> : null}
        {Array.isArray(identities) ? (
          <>
            <Text as="p" className={s.muted} style={{ marginTop: 20, marginBottom: 0 }}>
              Local stack: choose who you are. These people exist only on this machine.
            </Text>
            <ul className={s.list} aria-label="People to sign in as">
              {identities.map((identity) => (
                <li key={identity.id}>
                  <Button className={s.person} appearance="outline" disabled={busy !== null} onClick={() => void pick(identity)}>
                    <span className={s.avatar} aria-hidden="true">{initials(identity.name)}</span>
                    <span className={s.who}>
                      <Text weight="semibold">
                        {identity.name} · {identity.role}
                      </Text>
                      <span className={s.muted}>{identity.email}</span>
                      <span className={s.muted}>{identity.description}</span>
                    </span>
                    {busy === identity.id ? <Spinner size="tiny" /> : null}
                  </Button>
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <div className={s.paste}>
          <Field label="Or use a bearer token" hint="A token from Symbol’s identity provider (with a companies claim). It is kept in this tab only.">
            <Textarea value={pasted} onChange={(_e, d) => { setPasted(d.value); }} resize="vertical" rows={2} />
          </Field>
          <div>
            <Button appearance={Array.isArray(identities) ? 'secondary' : 'primary'} disabled={pasted.trim() === ''} onClick={usePasted}>
              Sign in with token
            </Button>
          </div>
        </div>
      </div>
    </main>
  );
}
