import { AsyncLocalStorage } from 'node:async_hooks';
import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  GraphError,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  ResponseType,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type AuthenticationProvider,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { DIRECTORY_SELECT } from '../../domain/directory/directory-user';
import type { DirectoryClient, DirectoryPage } from '../../ports/directory-client.port';

/**
 * `users/delta` through the Microsoft Graph SDK (`@microsoft/microsoft-graph-client`), one
 * Graph client per customer tenant, authenticated with that tenant's app-only credential.
 *
 * Requests are read with `ResponseType.RAW`, so every status (and its headers: `Location`,
 * `Retry-After`) is handled here in one place; the SDK's RetryHandler still retries 429/503/504
 * first, honouring `Retry-After`, a bounded number of times.
 */

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Hosts the SDK already treats as Graph (it attaches the bearer token only to Graph hosts). */
const SDK_GRAPH_HOSTS = new Set(['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'graph.microsoft.de', 'microsoftgraph.chinacloudapi.cn', 'canary.graph.microsoft.com']);

/** Graph error codes meaning "the delta state is gone: start over". */
const RESET_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

const RETRYABLE_STATUSES = new Set([429, 503, 504]);

/** Token errors meaning the app may no longer read the tenant (not installed, consent gone, app disabled, tenant gone). */
const CONSENT_GONE = /AADSTS(700016|7000229|7000112|90002|500011)\b/;
/** Token errors meaning our own app credential is wrong (secret invalid/expired, assertion refused): not the customer's doing. */
const OWN_CREDENTIAL_REFUSED = /AADSTS(7000215|7000222|700024|700027|70021)\b/;
const CLIENT_REFUSED = /\b(invalid_client|unauthorized_client)\b/;

const DeltaPageSchema = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});

const GraphErrorBodySchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }) });

export interface GraphDirectoryClientOptions {
  /** e.g. `https://graph.microsoft.com/v1.0` (HTTPS only: the SDK sends tokens over HTTPS only). */
  graphBaseUrl: string;
  credentialFor: (tenantId: string) => TokenCredential;
  retry?: {
    /** Retries of 429/503/504 per page (default 3, at most 10). */
    maxRetries?: number;
    /** Base delay when Graph sends no Retry-After (default 3 s, at most 180). */
    delaySeconds?: number;
    /**
     * A Retry-After longer than this is not waited for in-process: the page fails at once with
     * `directory_throttled` so the caller can reschedule (default 60 s).
     */
    maxRetryAfterSeconds?: number;
  };
  /** Per-attempt timeout of a Graph request (default 100 s). */
  timeoutMs?: number;
  /** Structured log: host, status, duration, counts — never tokens, user data or full URLs. */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

/** Per-call state, visible to the middleware and the auth provider of the call. */
interface CallState {
  tenantId: string;
  /** The URL to request, exactly as given. */
  url: string;
  /** Set when getting the access token failed (the SDK wraps that error in a GraphError). */
  tokenError?: unknown;
  attempts: number;
}

const calls = new AsyncLocalStorage<CallState>();

/** A Graph request other than a delta page (the subscription client's), relative to the Graph base URL. */
export interface GraphCall {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** e.g. `/subscriptions/{id}`; appended to GRAPH_BASE_URL. */
  path: string;
  /** JSON body for POST/PATCH. */
  body?: unknown;
  /** Names the operation in logs (`subscription.create`, …). */
  operation: string;
}

/** Graph's answer, whatever its status: the caller decides what a status means for its operation. */
export interface GraphAnswer {
  status: number;
  text: string;
  headers: Headers;
}

export class GraphDirectoryClient implements DirectoryClient {
  private readonly base: string;
  private readonly host: string;
  private readonly startUrl: string;
  private readonly customHosts: Set<string> | undefined;
  private readonly retryOptions: RetryHandlerOptions;
  private readonly timeoutMs: number;
  private readonly clients = new Map<string, Client>();
  private readonly log: (event: string, fields: Record<string, unknown>) => void;

  constructor(private readonly options: GraphDirectoryClientOptions) {
    this.base = options.graphBaseUrl.replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(this.base);
    } catch (error) {
      throw new AppError('configuration_invalid', 'GRAPH_BASE_URL is not a URL.', { cause: error });
    }
    if (url.protocol !== 'https:') throw new AppError('configuration_invalid', 'GRAPH_BASE_URL must be https (the Graph SDK sends tokens over HTTPS only).');
    this.host = url.host;
    // The SDK compares hostnames without the port (GraphRequestUtil.isValidEndpoint).
    this.customHosts = SDK_GRAPH_HOSTS.has(url.hostname) ? undefined : new Set([url.hostname]);
    this.startUrl = `${this.base}/users/delta?$select=${DIRECTORY_SELECT.join(',')}`;
    const maxRetryAfter = options.retry?.maxRetryAfterSeconds ?? 60;
    this.retryOptions = new RetryHandlerOptions(options.retry?.delaySeconds ?? 3, options.retry?.maxRetries ?? 3, (_delay, _attempt, _request, _options, response) => {
      const retryAfter = retryAfterSeconds(response.headers);
      return retryAfter === null || retryAfter <= maxRetryAfter;
    });
    this.timeoutMs = options.timeoutMs ?? 100_000;
    this.log = options.log ?? (() => undefined);
  }

  async deltaPage(tenantId: string, link: string | null): Promise<DirectoryPage> {
    if (link !== null && !this.isGraphLink(link)) {
      // e.g. a link stored before GRAPH_BASE_URL changed: only a new full round can help.
      throw new AppError('directory_delta_reset', 'The stored delta link does not belong to the configured Graph endpoint.', { meta: { restartLink: null } });
    }
    const call: CallState = { tenantId, url: link ?? this.startUrl, attempts: 0 };
    const started = Date.now();
    let status: number | null = null;
    try {
      const response = await calls.run(call, () => this.request(call));
      status = response.status;
      const page = await this.readPage(response);
      this.log('graph.delta_page', {
        tenantId,
        host: this.host,
        status,
        durationMs: Date.now() - started,
        attempts: call.attempts,
        items: page.items.length,
        last: page.deltaLink !== null,
        requestId: response.headers.get('request-id'),
      });
      return page;
    } catch (error) {
      const failure = this.toAppError(error, call);
      this.log('graph.delta_page_failed', { tenantId, host: this.host, status, durationMs: Date.now() - started, attempts: call.attempts, code: failure.code });
      throw failure;
    }
  }

  /**
   * One request to the tenant's Graph through the same client, credential, retries (429/503/504
   * honouring Retry-After) and per-attempt timeout as delta pages. Failures to get a token or to
   * reach Graph at all become AppErrors (`consent_revoked` for a refused token, like delta); any
   * HTTP answer is returned for the caller to interpret.
   */
  async send(tenantId: string, request: GraphCall): Promise<GraphAnswer> {
    const call: CallState = { tenantId, url: `${this.base}${request.path}`, attempts: 0 };
    const started = Date.now();
    try {
      const response = await calls.run(call, async () => {
        const builder = this.clientFor(tenantId).api(call.url).responseType(ResponseType.RAW);
        const raw: unknown =
          request.method === 'GET'
            ? await builder.get()
            : request.method === 'POST'
              ? await builder.post(request.body)
              : request.method === 'PATCH'
                ? await builder.patch(request.body)
                : await builder.delete();
        if (!(raw instanceof Response)) throw new AppError('internal_error', 'The Graph SDK did not return a raw response.');
        return raw;
      });
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw new AppError('dependency_unavailable', 'The connection to Graph failed while reading a response.', { cause: error, meta: { status: response.status } });
      }
      this.log('graph.request', { tenantId, host: this.host, operation: request.operation, status: response.status, durationMs: Date.now() - started, attempts: call.attempts, requestId: response.headers.get('request-id') });
      return { status: response.status, text, headers: response.headers };
    } catch (error) {
      const failure = this.toAppError(error, call);
      this.log('graph.request_failed', { tenantId, host: this.host, operation: request.operation, durationMs: Date.now() - started, attempts: call.attempts, code: failure.code });
      throw failure;
    }
  }

  private async request(call: CallState): Promise<Response> {
    const raw: unknown = await this.clientFor(call.tenantId).api(call.url).responseType(ResponseType.RAW).get();
    if (!(raw instanceof Response)) throw new AppError('internal_error', 'The Graph SDK did not return a raw response.');
    return raw;
  }

  private clientFor(tenantId: string): Client {
    let client = this.clients.get(tenantId);
    if (client === undefined) {
      const credential = this.options.credentialFor(tenantId);
      const timeoutMs = this.timeoutMs;
      const authProvider: AuthenticationProvider = {
        getAccessToken: async () => {
          try {
            const token = await credential.getToken(GRAPH_SCOPE, { abortSignal: AbortSignal.timeout(timeoutMs) });
            if (token === null) throw new Error('The credential returned no access token.');
            return token.token;
          } catch (error) {
            const call = calls.getStore();
            if (call) call.tokenError = error;
            throw error;
          }
        },
      };
      const url = new URL(this.base);
      client = Client.initWithMiddleware({
        middleware: [
          new ExactUrlHandler(),
          new AuthenticationHandler(authProvider),
          new RetryHandler(this.retryOptions),
          new RedirectHandler(new RedirectHandlerOptions()),
          new TelemetryHandler(),
          new AttemptHandler(timeoutMs, this.host, this.log),
          new HTTPMessageHandler(),
        ],
        baseUrl: `${url.origin}/`,
        defaultVersion: url.pathname.replace(/^\/+|\/+$/g, ''),
        ...(this.customHosts ? { customHosts: this.customHosts } : {}),
      });
      this.clients.set(tenantId, client);
    }
    return client;
  }

  private isGraphLink(link: string): boolean {
    return link.startsWith(`${this.base}/`) && URL.canParse(link);
  }

  private async readPage(response: Response): Promise<DirectoryPage> {
    const status = response.status;
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new AppError('dependency_unavailable', 'The connection to Graph failed while reading a response.', { cause: error, meta: { status } });
    }
    if (status === 200) return this.parsePage(text);

    const graphCode = graphErrorCode(text);
    const meta = { status, graphCode };
    if (status === 410 || (status >= 400 && status < 500 && graphCode !== null && RESET_CODES.has(graphCode.toLowerCase()))) {
      const location = response.headers.get('location');
      const restartLink = location !== null && this.isGraphLink(location) ? location : null;
      throw new AppError('directory_delta_reset', `Graph discarded the delta state (${status}${graphCode ? ` ${graphCode}` : ''}): a full round is needed.`, {
        meta: { ...meta, restartLink },
      });
    }
    if (status === 401 || status === 403) {
      throw new AppError('consent_revoked', `Graph refused the app's access to the tenant (${status}${graphCode ? ` ${graphCode}` : ''}).`, { meta });
    }
    if (RETRYABLE_STATUSES.has(status)) {
      const retryAfter = retryAfterSeconds(response.headers);
      throw new AppError('directory_throttled', `Graph is throttling or unavailable (${status}) after the client's retries.`, { meta: { ...meta, retryAfterSeconds: retryAfter } });
    }
    if (status >= 500) throw new AppError('dependency_unavailable', `Graph answered ${status}.`, { meta });
    throw new AppError('directory_invalid_response', `Graph answered ${status}${graphCode ? ` ${graphCode}` : ''} to a users/delta request.`, { meta });
  }

  private parsePage(text: string): DirectoryPage {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new AppError('directory_invalid_response', 'Graph answered with a body that is not JSON.', { cause: error });
    }
    const parsed = DeltaPageSchema.safeParse(json);
    if (!parsed.success) {
      const where = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || '(root)'))].join(', ');
      throw new AppError('directory_invalid_response', `Graph answered with a body that is not a delta page (${where}).`);
    }
    const nextLink = parsed.data['@odata.nextLink'] ?? null;
    const deltaLink = parsed.data['@odata.deltaLink'] ?? null;
    if ((nextLink === null) === (deltaLink === null)) {
      throw new AppError('directory_invalid_response', `A delta page must carry exactly one of @odata.nextLink and @odata.deltaLink (it has ${nextLink === null ? 'neither' : 'both'}).`);
    }
    const link = nextLink ?? deltaLink ?? '';
    if (!this.isGraphLink(link)) throw new AppError('directory_invalid_response', 'A delta page links outside the configured Graph endpoint.');
    return { items: parsed.data.value, nextLink, deltaLink };
  }

  private toAppError(error: unknown, call: CallState): AppError {
    if (error instanceof AppError) return error;
    if (call.tokenError !== undefined) return tokenFailure(call.tokenError);
    if (error instanceof GraphError) {
      // With ResponseType.RAW every HTTP answer is returned; a GraphError means no answer at all
      // (connection refused/reset, TLS, timeout): statusCode -1 and `code` = the fetch error's name.
      return new AppError('dependency_unavailable', `Graph could not be reached (${error.code ?? 'network error'}).`, { cause: error });
    }
    return new AppError('dependency_unavailable', 'Graph request failed.', { cause: error });
  }
}

/** Maps a failure to get an app-only token for the tenant. */
export function tokenFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const aadsts = /AADSTS\d+/.exec(message)?.[0] ?? null;
  if (CONSENT_GONE.test(message)) {
    return new AppError('consent_revoked', `The tenant refused a token for the app (${aadsts ?? 'no AADSTS code'}).`, { cause: error, meta: { aadsts } });
  }
  if (OWN_CREDENTIAL_REFUSED.test(message)) {
    return new AppError('configuration_invalid', `Entra refused the app's own credential (${aadsts ?? 'no AADSTS code'}).`, { cause: error, meta: { aadsts } });
  }
  if (CLIENT_REFUSED.test(message)) {
    return new AppError('consent_revoked', `The tenant refused a token for the app (${aadsts ?? 'invalid or unauthorized client'}).`, { cause: error, meta: { aadsts } });
  }
  return new AppError('dependency_unavailable', 'No access token could be obtained for the tenant.', { cause: error, meta: { aadsts } });
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date); null when absent or unreadable. */
function retryAfterSeconds(headers: Headers | undefined): number | null {
  const value = headers?.get('retry-after')?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function graphErrorCode(text: string): string | null {
  try {
    const parsed = GraphErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data.error.code ?? null) : null;
  } catch {
    return null;
  }
}

/**
 * First in the chain: the request goes to the link exactly as given. The SDK rebuilds URLs from
 * parsed parts (OData options first, duplicates collapsed), which can reorder a link's query.
 */
class ExactUrlHandler implements Middleware {
  private next: Middleware | undefined;

  async execute(context: Context): Promise<void> {
    const call = calls.getStore();
    if (call && typeof context.request === 'string') context.request = call.url;
    await nextOf(this.next).execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Last before the network: a timeout per attempt, the attempt count, and a log line per retryable status. */
class AttemptHandler implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly host: string,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
  ) {}

  async execute(context: Context): Promise<void> {
    const call = calls.getStore();
    if (call) call.attempts += 1;
    const signal = AbortSignal.timeout(this.timeoutMs);
    if (context.options) context.options.signal = signal;
    else context.options = { signal };
    await nextOf(this.next).execute(context);
    const status = context.response?.status;
    if (status !== undefined && RETRYABLE_STATUSES.has(status)) {
      this.log('graph.retryable_status', { tenantId: call?.tenantId, host: this.host, status, attempt: call?.attempts, retryAfterSeconds: retryAfterSeconds(context.response?.headers) });
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

function nextOf(next: Middleware | undefined): Middleware {
  if (next === undefined) throw new Error('Graph middleware chain is incomplete.');
  return next;
}
