import selfsigned from 'selfsigned';
import { provisionProblems } from '../../infra/hooks/preprovision';

// The preprovision hook's checks on the azd environment (pure: no Azure).

const GOOD = {
  ADMIN_UI_URL: 'https://admin.symbol.example',
  AUTH_ISSUER: 'https://issuer.symbol.example',
  AUTH_AUDIENCE: 'api://symbol-entra-sync',
  AUTH_JWKS_URL: 'https://issuer.symbol.example/.well-known/jwks.json',
  MAIL_FROM: 'no-reply@symbol.example',
};

test('well-formed values, and unset ones (azd asks for those), pass', () => {
  expect(provisionProblems(GOOD)).toEqual([]);
  expect(provisionProblems({ ...GOOD, ENTRA_CLIENT_ID: '', ALERT_EMAIL: '  ' })).toEqual([]);
  expect(provisionProblems({})).toEqual([]);
});

test.each([
  ['ADMIN_UI_URL', 'http://admin.symbol.example'],
  ['AUTH_JWKS_URL', 'not a url'],
  ['MAIL_FROM', 'nobody'],
  ['ALERT_EMAIL', 'ops at symbol'],
  ['ENTRA_CLIENT_ID', 'my-app'],
  ['ENTRA_CREDENTIAL', 'password'],
  ['HTTP_ALWAYS_READY_INSTANCES', '11'],
])('%s=%s is named', (name, value) => {
  expect(provisionProblems({ ...GOOD, [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
});

test('a certificate file that holds no private key is named before anything is created', async () => {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'entra-sync' }], { keySize: 2048, algorithm: 'sha256' });
  const files: Record<string, string> = { '/certs/ok.pem': `${pems.cert}\n${pems.private}`, '/certs/cert-only.pem': pems.cert };
  const read = (path: string): string => files[path] ?? '';
  expect(provisionProblems({ ...GOOD, ENTRA_CREDENTIAL: 'client-certificate', ENTRA_CLIENT_CERTIFICATE_FILE: '/certs/ok.pem' }, read)).toEqual([]);
  expect(provisionProblems({ ...GOOD, ENTRA_CREDENTIAL: 'client-certificate', ENTRA_CLIENT_CERTIFICATE_FILE: '/certs/cert-only.pem' }, read)).toEqual([expect.stringMatching(/^ENTRA_CLIENT_CERTIFICATE_FILE: .*no PEM private key/)]);
});
