import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Cookie, HttpRequest, HttpResponse, InvocationContext, LogLevel, Timer } from '@azure/functions';
import { FunctionDefinition, HttpFunction, TimerFunction } from '../app/function-registry';
import { Services } from '../app/services';
import { problem } from '../http/problem';
import type { Clock } from '../ports/clock.port';
import { InProcessBroker } from './queue/in-process-broker';
import { nextOccurrence, parseSchedule, resolveScheduleSetting, Schedule } from './ncrontab';
import { backgroundScheduler, MAX_TIMER_DELAY_MS, type Scheduler } from './scheduler';

/**
 * A small stand-in for the Azure Functions host: serves the registered HTTP functions under
 * `/api` (same route templates), runs timer functions on their NCRONTAB schedules, and pumps the
 * in-process broker into the queue functions. Handlers are the very same objects the Functions
 * host runs.
 */

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface LocalHostOptions {
  host: string;
  port: number;
  services: Services;
  broker: InProcessBroker;
  functions: readonly FunctionDefinition[];
  /** Extra local-only routes (the consent stand-in, inspection endpoints), matched by path prefix. */
  extraRoutes?: ReadonlyArray<{ prefix: string; handler: NodeHandler }>;
  log: (event: string, fields: Record<string, unknown>) => void;
  /** Largest request body the host accepts; handlers enforce their own, smaller limits. */
  maxBodyBytes?: number;
  runTimers?: boolean;
  /** Where `%NAME%` timer schedules are read from (default: process.env)… */
  settings?: Readonly<Record<string, string | undefined>>;
  /** …and their values when the setting is not there. */
  scheduleDefaults?: Readonly<Record<string, string>>;
  /** The timers' clock (default: the system clock); tests move a manual one. */
  clock?: Clock;
  /** Where the timers wait (default: Node's timers, which do not keep the process alive). */
  scheduler?: Scheduler;
}

export interface LocalHost {
  url: string;
  close(): Promise<void>;
}

interface CompiledRoute {
  fn: HttpFunction;
  pattern: RegExp;
  names: string[];
}

export function compileRoute(route: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = route
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z0-9_]+)(?::[^}]*)?\}$/.exec(segment);
      if (param?.[1]) {
        names.push(param[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^/api/${source}/?$`, 'i'), names };
}

function logHandlerFor(fields: Record<string, unknown>, log: LocalHostOptions['log']) {
  return (level: LogLevel, ...args: unknown[]) => {
    const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    log('function.log', { level, ...fields, message: text });
  };
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return 'too_large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** `Set-Cookie` as the Functions host writes it for `HttpResponseInit.cookies`. */
export function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${Math.trunc(cookie.maxAge)}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.secure) parts.push('Secure');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

async function writeResponse(res: ServerResponse, response: HttpResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  if (response.cookies.length > 0) headers['set-cookie'] = response.cookies.map(serializeCookie);
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(body);
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const routes: CompiledRoute[] = options.functions
    .filter((fn): fn is HttpFunction => fn.kind === 'http')
    .map((fn) => ({ fn, ...compileRoute(fn.route) }));
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  // Before listening: a timer with a bad schedule stops the start with nothing left open.
  const timerSchedules = options.runTimers === false ? [] : options.functions.filter((fn): fn is TimerFunction => fn.kind === 'timer').map((fn) => ({ fn, schedule: timerSchedule(fn, options) }));
  const inFlight = new Set<Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const extra = options.extraRoutes?.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`));
    if (extra) {
      await extra.handler(req, res);
      return;
    }
    const matches = routes.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m !== null);
    if (matches.length === 0) {
      await writeResponse(res, new HttpResponse(problem('not_found', `No function serves ${path}.`)));
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const match = matches.find((x) => x.r.fn.methods.includes(method as never));
    if (!match?.m) {
      const allowed = [...new Set(matches.flatMap((x) => x.r.fn.methods))].join(', ');
      await writeResponse(res, new HttpResponse(problem('method_not_allowed', `${method} is not allowed here.`, { headers: { allow: allowed } })));
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too_large') {
      await writeResponse(res, new HttpResponse(problem('payload_too_large', `The request body must not exceed ${maxBodyBytes} bytes.`)));
      req.destroy();
      return;
    }
    const params: Record<string, string> = {};
    match.r.names.forEach((name, i) => {
      const raw = match.m?.[i + 1] ?? '';
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        params[name] = raw;
      }
    });
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request = new HttpRequest({ method, url: `http://${req.headers.host ?? `${options.host}:${options.port}`}${req.url ?? '/'}`, headers, params, body: { bytes: body } });
    const invocationId = randomUUID();
    const context = new InvocationContext({ invocationId, functionName: match.r.fn.name, logHandler: logHandlerFor({ fn: match.r.fn.name, invocationId }, options.log) });
    const init = await match.r.fn.handle(request, context, options.services);
    const response = new HttpResponse(init);
    await writeResponse(res, response);
    options.log('http.request', { fn: match.r.fn.name, method, status: response.status, ms: Date.now() - started });
  };

  const server: Server = createServer((req, res) => {
    const work = handle(req, res).catch((error: unknown) => {
      options.log('http.crashed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, code: 'internal_error', detail: 'The request could not be completed.' }));
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  for (const fn of options.functions) {
    if (fn.kind !== 'queue') continue;
    options.broker.subscribe(
      fn.queueName,
      async (message) => {
        const invocationId = randomUUID();
        const context = new InvocationContext({
          invocationId,
          functionName: fn.name,
          triggerMetadata: { messageId: message.messageId, sessionId: message.sessionId, deliveryCount: message.deliveryCount },
          logHandler: logHandlerFor({ fn: fn.name, invocationId }, options.log),
        });
        await fn.handle(message.body, { messageId: message.messageId, sessionId: message.sessionId, deliveryCount: message.deliveryCount }, context, options.services);
      },
      { sessions: fn.sessions },
    );
  }

  const timers = timerSchedules.map(({ fn, schedule }) => scheduleTimer(fn, schedule, options));

  return {
    url: `http://${options.host}:${port}`,
    close: async () => {
      for (const stop of timers) stop();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Resolves `%NAME%` and parses the schedule; a bad one stops the start, naming the timer. */
function timerSchedule(fn: TimerFunction, options: LocalHostOptions): Schedule {
  try {
    return parseSchedule(resolveScheduleSetting(fn.schedule, options.settings ?? process.env, options.scheduleDefaults));
  } catch (error) {
    throw new Error(`Timer ${fn.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function scheduleTimer(fn: TimerFunction, schedule: Schedule, options: LocalHostOptions): () => void {
  const clock = options.clock ?? { now: () => new Date() };
  const scheduler = options.scheduler ?? backgroundScheduler;
  let handle: unknown;
  let stopped = false;
  let last: Date | null = null;
  const arm = () => {
    if (stopped) return;
    const next = nextOccurrence(schedule, clock.now());
    // Timers cap at ~24.8 days; a long schedule is re-armed in steps.
    handle = scheduler.setTimeout(() => {
      handle = undefined;
      if (stopped) return;
      if (clock.now().getTime() < next.getTime()) {
        arm();
        return;
      }
      const invocationId = randomUUID();
      const timer: Timer = {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: (last ?? next).toISOString(), next: nextOccurrence(schedule, next).toISOString(), lastUpdated: clock.now().toISOString() },
      };
      last = next;
      const context = new InvocationContext({ invocationId, functionName: fn.name, logHandler: logHandlerFor({ fn: fn.name, invocationId }, options.log) });
      fn.handle(timer, context, options.services)
        .catch((error: unknown) => {
          options.log('timer.failed', { fn: fn.name, error: error instanceof Error ? error.message : String(error) });
        })
        .finally(arm);
    }, Math.min(Math.max(0, next.getTime() - clock.now().getTime()), MAX_TIMER_DELAY_MS));
  };
  arm();
  return () => {
    stopped = true;
    if (handle !== undefined) scheduler.clearTimeout(handle);
  };
}
