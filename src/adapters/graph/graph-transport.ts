import { AsyncLocalStorage } from 'node:async_hooks';
import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  ResponseType,
  TelemetryHandler,
  type AuthenticationProvider,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { AppError } from '../../domain/app-error';
import type { Clock, Scheduler } from '../../ports/clock.port';
import { systemClock, systemScheduler } from '../time/system-time';
import { RETRYABLE_STATUSES, retryAfterSeconds, tokenFailure, unreachable, type GraphAnswer } from './graph-errors';

/**
 * Microsoft Graph as a transport, shared by the delta reads and the subscription client: one
 * Graph SDK client per customer tenant (authenticated with that tenant's app-only credential),
 * one middleware chain, one place where "no answer" becomes an AppError, one log line per
 * request. What an HTTP status means is the caller's business: every answer is handed back.
 *
 * The chain: the exact URL as given → bearer token → retries of 429/503/504 (Retry-After
 * honoured, waits through the injected scheduler) → redirects → SDK telemetry headers →
 * per-attempt timeout and attempt count → fetch.
 */

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Hosts the SDK already treats as Graph (it attaches the bearer token only to Graph hosts). */
const SDK_GRAPH_HOSTS = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'graph.microsoft.de',
  'microsoftgraph.chinacloudapi.cn',
  'canary.graph.microsoft.com',
]);

export type GraphLog = (event: string, fields: Record<string, unknown>) => void;

export interface GraphRetryOptions {
  /** Retries of 429/503/504 per request (default 3, at most 10). */
  maxRetries?: number;
  /** First wait when Graph sends no Retry-After, doubled per retry (default 3 s, at most 180). */
  delaySeconds?: number;
  /**
   * A Retry-After longer than this is not waited for in-process: the answer goes back at once, so
   * the caller can reschedule the work (default 60 s).
   */
  maxRetryAfterSeconds?: number;
}

export interface GraphTransportOptions {
  /** e.g. `https://graph.microsoft.com/v1.0` (HTTPS only: the SDK sends tokens over HTTPS only). */
  graphBaseUrl: string;
  credentialFor: (tenantId: string) => TokenCredential;
  retry?: GraphRetryOptions;
  /** Per-attempt timeout of a Graph request (default 100 s). */
  timeoutMs?: number;
  /** Structured log: host, status, duration, counts — never tokens, user data or full URLs. */
  log?: GraphLog;
  clock?: Clock;
  /** Where retry waits go (tests answer at once and record them). */
  scheduler?: Scheduler;
}

export interface GraphRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Absolute URL under the Graph base URL, requested exactly as given. */
  url: string;
  /** JSON body for POST/PATCH. */
  body?: unknown;
  /** Names the operation in logs (`users.delta`, `subscription.create`, …). */
  operation: string;
}

/** Per-call state, visible to the middleware and the auth provider of the call. */
interface CallState {
  tenantId: string;
  url: string;
  /** Set when getting the access token failed (the SDK wraps that error in a GraphError). */
  tokenError?: unknown;
  attempts: number;
}

const calls = new AsyncLocalStorage<CallState>();

export class GraphTransport {
  /** The Graph base URL without a trailing slash. */
  readonly baseUrl: string;
  private readonly host: string;
  private readonly customHosts: Set<string> | undefined;
  private readonly timeoutMs: number;
  private readonly clients = new Map<string, Client>();
  /** The log and clock the clients over this transport use too. */
  readonly log: GraphLog;
  readonly clock: Clock;
  private readonly retry: Required<GraphRetryOptions>;
  private readonly scheduler: Scheduler;

  constructor(private readonly options: GraphTransportOptions) {
    this.baseUrl = options.graphBaseUrl.replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(this.baseUrl);
    } catch (error) {
      throw new AppError('configuration_invalid', 'GRAPH_BASE_URL is not a URL.', { cause: error });
    }
    if (url.protocol !== 'https:')
      throw new AppError(
        'configuration_invalid',
        'GRAPH_BASE_URL must be https (the Graph SDK sends tokens over HTTPS only).',
      );
    this.host = url.host;
    // The SDK compares hostnames without the port (GraphRequestUtil.isValidEndpoint).
    this.customHosts = SDK_GRAPH_HOSTS.has(url.hostname) ? undefined : new Set([url.hostname]);
    this.timeoutMs = options.timeoutMs ?? 100_000;
    this.log = options.log ?? (() => undefined);
    this.clock = options.clock ?? systemClock;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.retry = {
      maxRetries: Math.min(10, Math.max(0, options.retry?.maxRetries ?? 3)),
      delaySeconds: Math.min(180, Math.max(0, options.retry?.delaySeconds ?? 3)),
      maxRetryAfterSeconds: options.retry?.maxRetryAfterSeconds ?? 60,
    };
  }

  /** Whether a link (a nextLink, deltaLink or Location) points under the configured Graph base URL. */
  isGraphLink(link: string): boolean {
    return link.startsWith(`${this.baseUrl}/`) && URL.canParse(link);
  }

  /** `path` (e.g. `/subscriptions`) under the Graph base URL. */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /**
   * One request to the tenant's Graph. Failures to get a token become `consent_revoked`,
   * `configuration_invalid` or `dependency_unavailable`; no answer at all (refused, reset, TLS,
   * timeout) becomes `dependency_unavailable`. Any HTTP answer is returned, whatever its status.
   */
  async send(tenantId: string, request: GraphRequest): Promise<GraphAnswer> {
    const call: CallState = { tenantId, url: request.url, attempts: 0 };
    const started = this.clock.now().getTime();
    const fields = () => ({
      tenantId,
      host: this.host,
      operation: request.operation,
      durationMs: this.clock.now().getTime() - started,
      attempts: call.attempts,
    });
    try {
      const response = await calls.run(call, () => this.fetch(tenantId, request));
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw new AppError('dependency_unavailable', 'The connection to Graph failed while reading a response.', {
          cause: error,
          meta: { status: response.status },
        });
      }
      this.log('graph.request', {
        ...fields(),
        status: response.status,
        requestId: response.headers.get('request-id'),
      });
      return { status: response.status, text, headers: response.headers };
    } catch (error) {
      const failure = call.tokenError !== undefined ? tokenFailure(call.tokenError) : unreachable(error);
      this.log('graph.request_failed', { ...fields(), code: failure.code });
      throw failure;
    }
  }

  private async fetch(tenantId: string, request: GraphRequest): Promise<Response> {
    const builder = this.clientFor(tenantId).api(request.url).responseType(ResponseType.RAW);
    const raw: unknown =
      request.method === 'GET'
        ? await builder.get()
        : request.method === 'POST'
          ? await builder.post(request.body)
          : request.method === 'PATCH'
            ? await builder.patch(request.body)
            : await builder.delete();
    if (!(raw instanceof Response))
      throw new AppError('internal_error', 'The Graph SDK did not return a raw response.');
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
      const url = new URL(this.baseUrl);
      client = Client.initWithMiddleware({
        middleware: [
          new ExactUrlHandler(),
          new AuthenticationHandler(authProvider),
          new RetryAfterHandler(this.retry, this.scheduler, this.clock),
          new RedirectHandler(new RedirectHandlerOptions()),
          new TelemetryHandler(),
          new AttemptHandler(timeoutMs, this.host, this.log, this.clock),
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
}

/** A middleware with a successor. */
abstract class Link implements Middleware {
  private next: Middleware | undefined;

  abstract execute(context: Context): Promise<void>;

  setNext(next: Middleware): void {
    this.next = next;
  }

  protected forward(context: Context): Promise<void> {
    if (this.next === undefined) throw new Error('Graph middleware chain is incomplete.');
    return this.next.execute(context);
  }
}

/**
 * First in the chain: the request goes to the link exactly as given. The SDK rebuilds URLs from
 * parsed parts (OData options first, duplicates collapsed), which can reorder a link's query.
 */
class ExactUrlHandler extends Link {
  async execute(context: Context): Promise<void> {
    const call = calls.getStore();
    if (call && typeof context.request === 'string') context.request = call.url;
    await this.forward(context);
  }
}

/**
 * Retries 429/503/504 a bounded number of times: after `Retry-After` when Graph sends it (unless
 * it is longer than `maxRetryAfterSeconds`: then the answer goes back for the caller to
 * reschedule), otherwise after an exponential delay. Waits go through the scheduler. Takes the
 * place of the SDK's RetryHandler, which sleeps on a real timer that tests cannot advance.
 */
export class RetryAfterHandler extends Link {
  constructor(
    private readonly options: Required<GraphRetryOptions>,
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    for (let retry = 1; ; retry++) {
      await this.forward(context);
      const response = context.response;
      if (response === undefined || !RETRYABLE_STATUSES.has(response.status) || retry > this.options.maxRetries) return;
      const retryAfter = retryAfterSeconds(response.headers, this.clock.now().getTime());
      if (retryAfter !== null && retryAfter > this.options.maxRetryAfterSeconds) return;
      const waitSeconds = retryAfter ?? this.options.delaySeconds * 2 ** (retry - 1);
      // Let the connection go back to the pool before waiting.
      await response.body?.cancel().catch(() => undefined);
      await this.scheduler.sleep(waitSeconds * 1000);
      setRetryAttemptHeader(context, retry);
    }
  }
}

/** Graph's `Retry-Attempt` request header (as the SDK's RetryHandler sends it). */
function setRetryAttemptHeader(context: Context, retry: number): void {
  context.options ??= {};
  const headers = context.options.headers;
  if (headers instanceof Headers) headers.set('Retry-Attempt', String(retry));
  else if (Array.isArray(headers))
    context.options.headers = [
      ...headers.filter(([name]) => name?.toLowerCase() !== 'retry-attempt'),
      ['Retry-Attempt', String(retry)],
    ];
  else context.options.headers = { ...headers, 'Retry-Attempt': String(retry) };
}

/** Last before the network: a timeout per attempt, the attempt count, and a log line per retryable status. */
class AttemptHandler extends Link {
  constructor(
    private readonly timeoutMs: number,
    private readonly host: string,
    private readonly log: GraphLog,
    private readonly clock: Clock,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const call = calls.getStore();
    if (call) call.attempts += 1;
    const signal = AbortSignal.timeout(this.timeoutMs);
    if (context.options) context.options.signal = signal;
    else context.options = { signal };
    await this.forward(context);
    const status = context.response?.status;
    if (status !== undefined && RETRYABLE_STATUSES.has(status)) {
      this.log('graph.retryable_status', {
        tenantId: call?.tenantId,
        host: this.host,
        status,
        attempt: call?.attempts,
        retryAfterSeconds: retryAfterSeconds(context.response?.headers, this.clock.now().getTime()),
      });
    }
  }
}
