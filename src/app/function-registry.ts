import { app, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import { z } from 'zod';
import { isAppError } from '../domain/app-error';
import { QueueName } from '../ports/job-queue.port';
import { resolveServices, resolveWebhookServices, Services, WebhookServices } from './services';
import { contextLogger } from './logger';
import { problem, problemFromError } from '../http/problem';

/**
 * Every function is defined once here: the definition registers itself with the Azure Functions
 * host (`app.http` / `app.timer` / `app.serviceBusQueue`) and is kept in a list that the local
 * host (`npm start`) mounts. Both run the very same handler; tests call `handle` directly with
 * real `HttpRequest` / `InvocationContext` objects and services of their choosing.
 */

export interface HttpFunction {
  readonly kind: 'http';
  readonly name: string;
  readonly methods: readonly HttpMethod[];
  /** Route template under `/api`, as the Functions host writes it, e.g. `companies/{companyId}/entra`. */
  readonly route: string;
  handle(request: HttpRequest, context: InvocationContext, services: Services): Promise<HttpResponseInit>;
  /** What the Azure Functions host runs: resolves its services lazily (or answers before needing any). */
  invoke(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit>;
}

export interface QueueMessageMetadata {
  messageId: string;
  sessionId: string | undefined;
  /** 1 on the first delivery. */
  deliveryCount: number;
}

/** A positive integer given as a number or as a numeric string. */
const DeliveryCountSchema = z.union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(1));

/**
 * The Service Bus trigger's metadata, read leniently: the host's types say `deliveryCount` is a
 * number, but metadata can arrive as strings, so a numeric string counts too. Anything missing or
 * unreadable falls back to what is safe: an empty message id, no session, a first delivery.
 */
const TriggerMetadataSchema = z.object({
  messageId: z.string().max(128).catch(''),
  sessionId: z.string().max(128).optional().catch(undefined),
  deliveryCount: DeliveryCountSchema.catch(1),
});

export function queueMessageMetadata(triggerMetadata: unknown): QueueMessageMetadata {
  const parsed = TriggerMetadataSchema.safeParse(typeof triggerMetadata === 'object' && triggerMetadata !== null ? triggerMetadata : {});
  if (!parsed.success) return { messageId: '', sessionId: undefined, deliveryCount: 1 };
  return { messageId: parsed.data.messageId, sessionId: parsed.data.sessionId, deliveryCount: parsed.data.deliveryCount };
}

export interface QueueFunction {
  readonly kind: 'queue';
  readonly name: string;
  readonly queueName: QueueName;
  readonly sessions: boolean;
  handle(message: unknown, metadata: QueueMessageMetadata, context: InvocationContext, services: Services): Promise<void>;
}

export interface TimerFunction {
  readonly kind: 'timer';
  readonly name: string;
  /** Six-field NCRONTAB, as the Functions host reads it. */
  readonly schedule: string;
  handle(timer: Timer, context: InvocationContext, services: Services): Promise<void>;
}

export type FunctionDefinition = HttpFunction | QueueFunction | TimerFunction;

const definitions: FunctionDefinition[] = [];

export function registeredFunctions(): readonly FunctionDefinition[] {
  return definitions;
}

type HttpHandler<S = Services> = (request: HttpRequest, context: InvocationContext, services: S) => Promise<HttpResponseInit>;
/** Answers a request before any service is resolved (Graph's validation handshake), or null to go on. */
type Preflight = (request: HttpRequest) => HttpResponseInit | null;

/** Every failure becomes problem+json and nothing internal leaks. */
function problemResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (isAppError(error)) {
    if (error.code === 'internal_error' || error.code === 'dependency_unavailable' || error.code === 'configuration_invalid') {
      contextLogger(context).error('request.failed', { code: error.code, error: error.message });
    }
    return problemFromError(error, context.invocationId);
  }
  contextLogger(context).error('request.crashed', { error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown' });
  return problem('internal_error', 'The request could not be completed. Try again later.', { instance: context.invocationId });
}

function withProblemResponses<S>(handler: HttpHandler<S>): HttpHandler<S> {
  return async (request, context, services) => {
    try {
      return await handler(request, context, services);
    } catch (error) {
      return problemResponse(error, context);
    }
  };
}

function servicesUnavailable(context: InvocationContext, error: unknown): HttpResponseInit {
  contextLogger(context).error('services.unavailable', { error: error instanceof Error ? error.message : 'unknown' });
  return problem('configuration_invalid', 'The service is not configured correctly.', { instance: context.invocationId });
}

function register<S>(definition: { name: string; methods: HttpMethod[]; route: string; preflight?: Preflight; handler: HttpHandler<S> }, resolve: () => Promise<S>): HttpFunction & { handleWith: HttpHandler<S> } {
  const { preflight } = definition;
  const handleWith = withProblemResponses<S>(async (request, context, services) => preflight?.(request) ?? definition.handler(request, context, services));
  const invoke = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const early = preflight?.(request) ?? null;
      if (early) return early;
    } catch (error) {
      return problemResponse(error, context);
    }
    let services: S;
    try {
      services = await resolve();
    } catch (error) {
      return servicesUnavailable(context, error);
    }
    return handleWith(request, context, services);
  };
  return { kind: 'http', name: definition.name, methods: definition.methods, route: definition.route, handle: (request, context, services) => handleWith(request, context, services as S), invoke, handleWith };
}

function publish(fn: HttpFunction): HttpFunction {
  definitions.push(fn);
  app.http(fn.name, { methods: [...fn.methods], route: fn.route, authLevel: 'anonymous', handler: (request, context) => fn.invoke(request, context) });
  return fn;
}

export function defineHttpFunction(definition: { name: string; methods: HttpMethod[]; route: string; preflight?: Preflight; handler: HttpHandler }): HttpFunction {
  const { handleWith: _full, ...fn } = register(definition, resolveServices);
  return publish(fn);
}

/**
 * Graph's change-notification webhook: the handshake is answered before anything is resolved, and
 * notifications need only the webhook's light services (WebhookServices), never the full graph.
 */
export function defineWebhookFunction(definition: { name: string; route: string; preflight: Preflight; handler: HttpHandler<WebhookServices> }): HttpFunction {
  const { handleWith: _light, ...fn } = register({ ...definition, methods: ['POST'] }, resolveWebhookServices);
  return publish(fn);
}

export function defineQueueFunction(definition: Omit<QueueFunction, 'kind'>): QueueFunction {
  const fn: QueueFunction = { kind: 'queue', ...definition };
  definitions.push(fn);
  app.serviceBusQueue(definition.name, {
    connection: 'ServiceBusConnection',
    queueName: definition.queueName,
    isSessionsEnabled: definition.sessions,
    handler: async (message, context) => {
      // A handler that throws hands the message back: Service Bus redelivers it, then dead-letters
      // it after maxDeliveryCount (reason MaxDeliveryCountExceeded: the GA Node.js trigger cannot
      // settle messages itself, so no other reason can be given).
      await fn.handle(message, queueMessageMetadata(context.triggerMetadata), context, await resolveServices());
    },
  });
  return fn;
}

export function defineTimerFunction(definition: Omit<TimerFunction, 'kind'>): TimerFunction {
  const fn: TimerFunction = { kind: 'timer', ...definition };
  definitions.push(fn);
  app.timer(definition.name, {
    schedule: definition.schedule,
    handler: async (timer, context) => {
      await fn.handle(timer, context, await resolveServices());
    },
  });
  return fn;
}
