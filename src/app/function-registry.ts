import { app, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import { z } from 'zod';
import { isAppError } from '../domain/app-error';
import { QueueName } from '../ports/job-queue.port';
import { resolveServices, Services } from './services';
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

type HttpHandler = (request: HttpRequest, context: InvocationContext, services: Services) => Promise<HttpResponseInit>;

/** Wraps a handler so that every failure becomes problem+json and nothing internal leaks. */
function withProblemResponses(handler: HttpHandler): HttpHandler {
  return async (request, context, services) => {
    try {
      return await handler(request, context, services);
    } catch (error) {
      if (isAppError(error)) {
        if (error.code === 'internal_error' || error.code === 'dependency_unavailable' || error.code === 'configuration_invalid') {
          contextLogger(context).error('request.failed', { code: error.code, error: error.message });
        }
        return problemFromError(error, context.invocationId);
      }
      contextLogger(context).error('request.crashed', { error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown' });
      return problem('internal_error', 'The request could not be completed. Try again later.', { instance: context.invocationId });
    }
  };
}

export function defineHttpFunction(definition: { name: string; methods: HttpMethod[]; route: string; handler: HttpHandler }): HttpFunction {
  const handle = withProblemResponses(definition.handler);
  const fn: HttpFunction = { kind: 'http', name: definition.name, methods: definition.methods, route: definition.route, handle };
  definitions.push(fn);
  app.http(definition.name, {
    methods: definition.methods,
    route: definition.route,
    authLevel: 'anonymous',
    handler: async (request, context) => {
      let services: Services;
      try {
        services = await resolveServices();
      } catch (error) {
        contextLogger(context).error('services.unavailable', { error: error instanceof Error ? error.message : 'unknown' });
        return problem('configuration_invalid', 'The service is not configured correctly.', { instance: context.invocationId });
      }
      return handle(request, context, services);
    },
  });
  return fn;
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
