import { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { LocalKeys, signLocalToken } from './local-auth-keys';

/**
 * The local stand-in for Symbol's sign-in, for the console: a few simulated people, and a token
 * for the one picked — signed by the same local key as `npm run token`, verified by the API exactly
 * like any other. Local only: production tokens come from Symbol's identity provider.
 *
 *   GET  /_local/identities            who can sign in
 *   POST /_local/token {"identity":id}  → { token }
 */

export interface LocalIdentity {
  id: string;
  name: string;
  email: string;
  role: string;
  description: string;
  companies: string[] | '*';
}

export const LOCAL_IDENTITIES: readonly LocalIdentity[] = [
  { id: 'company-admin', name: 'Alex Morgan', email: 'admin@acme.example', role: 'Company admin', description: 'Manages one company: acme.', companies: ['acme'] },
  { id: 'msp-admin', name: 'Sam Rivera', email: 'sam@northwind-msp.example', role: 'MSP admin', description: 'Runs three client companies: acme, globex and initech.', companies: ['acme', 'globex', 'initech'] },
  { id: 'operator', name: 'Olivia Chen', email: 'olivia@symbol.example', role: 'Platform operator', description: 'Symbol staff: sees every company.', companies: '*' },
];

const TokenRequestSchema = z.object({ identity: z.string().min(1).max(64) }).strict();

/** A console session lasts a working day. */
const TOKEN_TTL_SECONDS = 8 * 3600;
const MAX_BODY = 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readSmallBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function identitiesEndpoint() {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'GET only' });
      return Promise.resolve();
    }
    sendJson(res, 200, { identities: LOCAL_IDENTITIES.map(({ id, name, email, role, description }) => ({ id, name, email, role, description })) });
    return Promise.resolve();
  };
}

export function tokenEndpoint(keys: LocalKeys) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'POST only' });
      return;
    }
    // JSON only: a cross-site form cannot post it without a CORS preflight, which this route never grants.
    if ((req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() !== 'application/json') {
      sendJson(res, 415, { error: 'Send JSON: {"identity":"company-admin"}' });
      return;
    }
    const raw = await readSmallBody(req);
    let parsed: z.ZodSafeParseResult<z.infer<typeof TokenRequestSchema>> | null = null;
    try {
      parsed = raw === null ? null : TokenRequestSchema.safeParse(JSON.parse(raw));
    } catch {
      parsed = null;
    }
    const identity = parsed?.success ? LOCAL_IDENTITIES.find((i) => i.id === parsed.data.identity) : undefined;
    if (!identity) {
      sendJson(res, 400, { error: `identity must be one of ${LOCAL_IDENTITIES.map((i) => i.id).join(', ')}` });
      return;
    }
    const token = await signLocalToken(keys, { subject: `local-admin:${identity.email}`, email: identity.email, companies: identity.companies, ttlSeconds: TOKEN_TTL_SECONDS });
    sendJson(res, 200, { token });
  };
}
