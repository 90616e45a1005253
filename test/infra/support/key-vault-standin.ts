// A Key Vault stand-in on loopback HTTPS, for driving the real @azure/keyvault-secrets client:
// challenge-based bearer auth (401 + WWW-Authenticate, then the token), secret versions, tags and
// content types, and soft delete as a vault with purge protection has it (a deleted name can be
// recovered, not reused: PUT answers 409 until it is). Optionally answers 403 to the first N
// authenticated requests, as Key Vault does while a new role assignment propagates.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { loopbackTls } from '../../local/entra-simulator/helpers';

export const STANDIN_TOKEN = 'key-vault-standin-token';

interface Version {
  id: string;
  value: string;
  tags: Record<string, string>;
  contentType: string | undefined;
  created: number;
}

export interface KeyVaultStandin {
  url: string;
  /** Live secrets: name → versions, newest last. */
  secrets: Map<string, Version[]>;
  deleted: Map<string, Version[]>;
  /** Requests by method and path, e.g. `PUT /secrets/x`. */
  requests: string[];
  forbidNext(count: number): void;
  close(): Promise<void>;
}

export const standinCredential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: STANDIN_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

function bundle(url: string, name: string, version: Version, withValue = true): Record<string, unknown> {
  return {
    ...(withValue ? { value: version.value } : {}),
    id: `${url}/secrets/${name}/${version.id}`,
    ...(version.contentType ? { contentType: version.contentType } : {}),
    tags: version.tags,
    attributes: { enabled: true, created: version.created, updated: version.created, recoveryLevel: 'Recoverable' },
  };
}

export async function startKeyVaultStandin(): Promise<KeyVaultStandin> {
  const secrets = new Map<string, Version[]>();
  const deleted = new Map<string, Version[]>();
  const requests: string[] = [];
  let forbidden = 0;
  let url = '';

  const server: Server = createServer(loopbackTls(), (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', url).pathname.replace(/\/+$/, '');
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${STANDIN_TOKEN}`) {
        send(401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, {
          'WWW-Authenticate': `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001", resource="${url}"`,
        });
        return;
      }
      requests.push(`${req.method ?? ''} ${path}`);
      if (forbidden > 0) {
        forbidden -= 1;
        send(403, { error: { code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.', innererror: { code: 'ForbiddenByRbac' } } });
        return;
      }
      const notFound = (name: string): void => {
        send(404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } });
      };
      const [, collection, name = '', action] = path.split('/');
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value?: string; tags?: Record<string, string>; contentType?: string }) : {};
      if (collection === 'secrets' && req.method === 'GET') {
        const latest = secrets.get(name)?.at(-1);
        if (latest === undefined) notFound(name);
        else send(200, bundle(url, name, latest));
      } else if (collection === 'secrets' && req.method === 'PUT') {
        if (deleted.has(name)) {
          send(409, { error: { code: 'Conflict', message: `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`, innererror: { code: 'ObjectIsDeletedButRecoverable' } } });
          return;
        }
        const version: Version = { id: randomUUID().replace(/-/g, ''), value: body.value ?? '', tags: body.tags ?? {}, contentType: body.contentType, created: Math.floor(Date.now() / 1000) };
        secrets.set(name, [...(secrets.get(name) ?? []), version]);
        send(200, bundle(url, name, version));
      } else if (collection === 'secrets' && req.method === 'DELETE') {
        const versions = secrets.get(name);
        if (versions === undefined) {
          notFound(name);
          return;
        }
        secrets.delete(name);
        deleted.set(name, versions);
        const latest = versions.at(-1);
        send(200, { ...(latest ? bundle(url, name, latest, false) : {}), recoveryId: `${url}/deletedsecrets/${name}`, deletedDate: Math.floor(Date.now() / 1000), scheduledPurgeDate: Math.floor(Date.now() / 1000) + 90 * 86400 });
      } else if (collection === 'deletedsecrets' && req.method === 'GET') {
        const latest = deleted.get(name)?.at(-1);
        if (latest === undefined) notFound(name);
        else send(200, { ...bundle(url, name, latest, false), recoveryId: `${url}/deletedsecrets/${name}` });
      } else if (collection === 'deletedsecrets' && action === 'recover' && req.method === 'POST') {
        const versions = deleted.get(name);
        const latest = versions?.at(-1);
        if (versions === undefined || latest === undefined) {
          notFound(name);
          return;
        }
        deleted.delete(name);
        secrets.set(name, versions);
        send(200, bundle(url, name, latest, false));
      } else {
        send(400, { error: { code: 'BadParameter', message: `not modelled: ${req.method ?? ''} ${path}` } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    secrets,
    deleted,
    requests,
    forbidNext: (count) => {
      forbidden = count;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}
