// Prepares the loopback TLS certificate that the simulated Entra tenant serves, and makes this
// process tree trust it. Node reads NODE_EXTRA_CA_CERTS once, at start, so the certificate is
// made (or reused) here and the real command is started as a child with the variable appended —
// never replaced: the machine's own bundle may already be in it.
//
//   node scripts/local-ca.mjs <command> [args...]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, '.local', 'tls');
const certFile = join(dir, 'loopback-cert.pem');
const keyFile = join(dir, 'loopback-key.pem');
const bundleFile = join(dir, 'ca-bundle.pem');

function certificateIsUsable() {
  if (!existsSync(certFile) || !existsSync(keyFile)) return false;
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    // Renew a week before expiry so a long-running stack never meets an expired certificate.
    return new Date(cert.validTo).getTime() - Date.now() > 7 * 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

async function ensureCertificate() {
  if (certificateIsUsable()) return;
  mkdirSync(dir, { recursive: true });
  const now = new Date();
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3600 * 1000),
    notAfterDate: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  writeFileSync(`${keyFile}.tmp`, pems.private, { mode: 0o600 });
  writeFileSync(`${certFile}.tmp`, pems.cert);
  renameSync(`${keyFile}.tmp`, keyFile);
  renameSync(`${certFile}.tmp`, certFile);
}

function writeBundle() {
  const inherited = process.env.NODE_EXTRA_CA_CERTS;
  const parts = [];
  if (inherited && resolve(inherited) !== bundleFile && existsSync(inherited)) {
    parts.push(readFileSync(inherited, 'utf8').trim());
  }
  parts.push(readFileSync(certFile, 'utf8').trim());
  writeFileSync(`${bundleFile}.tmp`, `${parts.join('\n')}\n`);
  renameSync(`${bundleFile}.tmp`, bundleFile);
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/local-ca.mjs <command> [args...]');
  process.exit(2);
}
await ensureCertificate();
if (resolve(process.env.NODE_EXTRA_CA_CERTS ?? '') !== bundleFile) writeBundle();
const child = spawn(command, args, {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_EXTRA_CA_CERTS: bundleFile,
    LOCAL_TLS_CERT_FILE: certFile,
    LOCAL_TLS_KEY_FILE: keyFile,
  },
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
