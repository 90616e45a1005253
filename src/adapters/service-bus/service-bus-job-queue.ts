import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { isServiceBusError, ServiceBusClient, type ServiceBusClientOptions, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { AppError, type FieldProblem } from '../../domain/app-error';
import type { JobQueue, OutboundMessage, QueueName } from '../../ports/job-queue.port';

/**
 * The production JobQueue: Azure Service Bus queues (`sync-jobs` is session-enabled with
 * duplicate detection; `notifications` is a plain queue). One ServiceBusClient (one AMQP
 * connection) per instance and one cached sender per queue.
 *
 * Scheduled messages go through `sendMessages` with `scheduledEnqueueTimeUtc` set on the message
 * (the `x-opt-scheduled-enqueue-time` annotation), which Service Bus honours like
 * `scheduleMessages` but in one round trip, without the `$management` link, and subject to the
 * same duplicate detection as any other send.
 */

export type ServiceBusJobQueueOptions = (
  | {
      /** `<namespace>.servicebus.windows.net` (the app setting `ServiceBusConnection__fullyQualifiedNamespace`). */
      fullyQualifiedNamespace: string;
      /** Defaults to ManagedIdentityCredential when `managedIdentityClientId` is set, else DefaultAzureCredential. */
      credential?: TokenCredential;
      managedIdentityClientId?: string;
    }
  | {
      /** Shared-access connection string (tests and tooling). */
      connectionString: string;
    }
) & {
  clientOptions?: ServiceBusClientOptions;
};

const MAX_ID_LENGTH = 128;
const MAX_BODY_BYTES = 256 * 1024;

/** Service Bus error codes that mean "this message can never be sent as is". */
const PERMANENT_MESSAGE_ERRORS = new Set<string>(['MessageSizeExceeded']);

export class ServiceBusJobQueue implements JobQueue {
  private readonly client: ServiceBusClient;
  private readonly senders = new Map<QueueName, ServiceBusSender>();
  private closed = false;

  constructor(options: ServiceBusJobQueueOptions) {
    if ('connectionString' in options) {
      this.client = new ServiceBusClient(options.connectionString, options.clientOptions);
    } else {
      const credential =
        options.credential ??
        (options.managedIdentityClientId === undefined ? new DefaultAzureCredential() : new ManagedIdentityCredential({ clientId: options.managedIdentityClientId }));
      this.client = new ServiceBusClient(options.fullyQualifiedNamespace, credential, options.clientOptions);
    }
  }

  async send(queue: QueueName, message: OutboundMessage): Promise<void> {
    if (this.closed) throw new AppError('dependency_unavailable', 'The Service Bus job queue is closed');
    const outbound = toServiceBusMessage(queue, message);
    try {
      await this.sender(queue).sendMessages(outbound);
    } catch (error) {
      throw translateError(queue, message.messageId, error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const senders = [...this.senders.values()];
    this.senders.clear();
    await Promise.allSettled(senders.map((sender) => sender.close()));
    await this.client.close();
  }

  private sender(queue: QueueName): ServiceBusSender {
    let sender = this.senders.get(queue);
    if (sender === undefined) {
      sender = this.client.createSender(queue);
      this.senders.set(queue, sender);
    }
    return sender;
  }
}

/** Maps the port's message onto the SDK's, validating what Service Bus would reject anyway. */
export function toServiceBusMessage(queue: QueueName, message: OutboundMessage): ServiceBusMessage {
  const problems: FieldProblem[] = [];
  if (message.messageId.length === 0 || message.messageId.length > MAX_ID_LENGTH) {
    problems.push({ field: 'messageId', message: `must be 1–${MAX_ID_LENGTH} characters` });
  }
  if (message.sessionId !== undefined && (message.sessionId.length === 0 || message.sessionId.length > MAX_ID_LENGTH)) {
    problems.push({ field: 'sessionId', message: `must be 1–${MAX_ID_LENGTH} characters` });
  }
  const scheduled = message.scheduledEnqueueTime;
  if (scheduled !== undefined && Number.isNaN(scheduled.getTime())) {
    problems.push({ field: 'scheduledEnqueueTime', message: 'must be a valid Date' });
  }
  let json: string | undefined;
  try {
    json = stringify(message.body);
    if (json === undefined) problems.push({ field: 'body', message: 'is not JSON-serialisable' });
    else if (Buffer.byteLength(json, 'utf8') > MAX_BODY_BYTES) problems.push({ field: 'body', message: `exceeds ${MAX_BODY_BYTES} bytes as JSON` });
  } catch {
    problems.push({ field: 'body', message: 'is not JSON-serialisable' });
  }
  if (problems.length > 0) {
    const summary = problems.map((p) => `${p.field} ${p.message}`).join('; ');
    throw new AppError('validation_failed', `Invalid message for queue "${queue}": ${summary}`, { errors: problems });
  }
  return {
    messageId: message.messageId,
    // The SDK JSON-encodes non-Buffer bodies into the AMQP data section.
    body: message.body,
    contentType: 'application/json',
    ...(message.sessionId === undefined ? {} : { sessionId: message.sessionId }),
    ...(message.subject === undefined ? {} : { subject: message.subject }),
    ...(scheduled === undefined ? {} : { scheduledEnqueueTimeUtc: scheduled }),
  };
}

function stringify(value: unknown): string | undefined {
  return JSON.stringify(value);
}

function translateError(queue: QueueName, messageId: string, error: unknown): AppError {
  if (isServiceBusError(error)) {
    if (PERMANENT_MESSAGE_ERRORS.has(error.code)) {
      return new AppError('validation_failed', `Service Bus rejected message ${messageId} for queue "${queue}": ${error.code}`, {
        errors: [{ field: 'body', message: error.message }],
        cause: error,
      });
    }
    const kind = error.retryable ? 'transient' : 'non-transient';
    return new AppError('dependency_unavailable', `Service Bus send to "${queue}" failed (${error.code}, ${kind})`, { cause: error });
  }
  const name = error instanceof Error ? error.name : 'unknown error';
  return new AppError('dependency_unavailable', `Service Bus send to "${queue}" failed (${name})`, { cause: error });
}
