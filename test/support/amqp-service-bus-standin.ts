import type { AddressInfo, Server, Socket } from 'node:net';
import { create_container, type Connection, type EventContext, type Message, type Sender } from 'rhea';

/**
 * A tiny AMQP 1.0 listener that `@azure/service-bus` accepts as a Service Bus namespace, for
 * adapter tests. It does only what a sender needs:
 *
 * - SASL ANONYMOUS (rhea's server default) over plain TCP — the client uses TCP and no TLS when
 *   the connection string carries `UseDevelopmentEmulator=true`;
 * - the claims-based-security handshake: the client opens a sender to and a receiver from
 *   `$cbs` and sends a `put-token` request; the reply goes out on the `$cbs` receiver link with
 *   `correlation_id` = the request's `message_id` and `status-code: 202`;
 * - `$management` request/response with `com.microsoft:schedule-message` answered (sequence
 *   numbers), so `ServiceBusSender.scheduleMessages` also works against it;
 * - sender links to any other address (a queue): credit is granted, every transfer is accepted
 *   and recorded, decoded into the fields the tests assert on.
 *
 * `failNextSends(n, condition)` makes the next `n` transfers to a queue be rejected with an AMQP
 * error condition (e.g. `com.microsoft:server-busy`), to exercise error mapping.
 */

export interface RecordedAmqpMessage {
  /** Link target address (the queue name). */
  address: string;
  /** `scheduled` when it came through `$management` schedule-message. */
  via: 'transfer' | 'scheduled';
  messageId: unknown;
  sessionId: unknown;
  contentType: unknown;
  subject: unknown;
  /** The message body decoded from its data section as UTF-8 JSON (or the raw value). */
  body: unknown;
  /** `x-opt-scheduled-enqueue-time` message annotation, if any. */
  scheduledEnqueueTime: unknown;
  messageAnnotations: Record<string, unknown>;
}

export interface AmqpServiceBusStandIn {
  readonly port: number;
  readonly connectionString: string;
  readonly messages: RecordedAmqpMessage[];
  /** Put-token requests seen (audience strings). */
  readonly tokenAudiences: string[];
  /** Target addresses of every sender link the client attached, in order (`$cbs` included). */
  readonly senderLinks: string[];
  failNextSends(count: number, condition: string, description?: string): void;
  /** Resolves once `count` messages have been recorded (a test that waits in vain ends at jest's timeout). */
  waitForMessages(count: number): Promise<RecordedAmqpMessage[]>;
  close(): Promise<void>;
}

const SCHEDULED_ENQUEUE_TIME = 'x-opt-scheduled-enqueue-time';

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** rhea hands a data section over as `{ typecode: 0x75, content: Buffer }`. */
function decodeBody(body: unknown): unknown {
  const section = asRecord(body);
  const content = section.content;
  if (Buffer.isBuffer(content)) {
    const text = content.toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return body;
}

function recordOf(
  address: string,
  via: RecordedAmqpMessage['via'],
  message: Message | Record<string, unknown>,
): RecordedAmqpMessage {
  const m = message as Record<string, unknown>;
  const annotations = asRecord(m.message_annotations);
  return {
    address,
    via,
    messageId: m.message_id,
    sessionId: m.group_id,
    contentType: m.content_type,
    subject: m.subject,
    body: decodeBody(m.body),
    scheduledEnqueueTime: annotations[SCHEDULED_ENQUEUE_TIME],
    messageAnnotations: annotations,
  };
}

export async function startAmqpServiceBusStandIn(): Promise<AmqpServiceBusStandIn> {
  const container = create_container({ id: 'service-bus-stand-in' });
  const messages: RecordedAmqpMessage[] = [];
  const tokenAudiences: string[] = [];
  const senderLinks: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const failures: { remaining: number; condition: string; description: string } = {
    remaining: 0,
    condition: '',
    description: '',
  };
  /** Reply links per connection: address the client listens on → our sender. */
  const replyLinks = new Map<Connection, Map<string, Sender>>();
  const sockets = new Set<Socket>();
  let nextSequenceNumber = 1;

  const notify = (): void => {
    for (const waiter of [...waiters]) {
      if (messages.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  const reply = (
    context: EventContext,
    request: Message,
    properties: Record<string, unknown>,
    body?: unknown,
  ): void => {
    const links = replyLinks.get(context.connection);
    const replyTo = typeof request.reply_to === 'string' ? request.reply_to : undefined;
    const sender = (replyTo === undefined ? undefined : links?.get(replyTo)) ?? [...(links?.values() ?? [])][0];
    if (sender === undefined) throw new Error(`stand-in: no reply link for ${String(replyTo)}`);
    sender.send({ correlation_id: request.message_id, to: replyTo, application_properties: properties, body });
  };

  container.on('receiver_open', (context: EventContext) => {
    // The client opened a sender: our receiver (rhea grants credit and auto-accepts by default).
    const target = asRecord(context.receiver?.target).address;
    senderLinks.push(typeof target === 'string' ? target : '');
  });

  container.on('sender_open', (context: EventContext) => {
    // The client opened a receiver (e.g. the $cbs / $management reply link): remember our
    // sender under the address the client will name in `reply_to`.
    const sender = context.sender;
    if (sender === undefined) return;
    const target = asRecord(sender.target).address;
    const source = asRecord(sender.source).address;
    const address = typeof target === 'string' && target !== '' ? target : typeof source === 'string' ? source : '';
    let links = replyLinks.get(context.connection);
    if (links === undefined) {
      links = new Map();
      replyLinks.set(context.connection, links);
    }
    links.set(address, sender);
  });

  container.on('message', (context: EventContext) => {
    const receiver = context.receiver;
    const request = context.message;
    const delivery = context.delivery;
    if (receiver === undefined || request === undefined || delivery === undefined) return;
    const target = asRecord(receiver.target).address;
    const address = typeof target === 'string' ? target : '';
    const props = asRecord(request.application_properties);

    if (address === '$cbs') {
      tokenAudiences.push(typeof props.name === 'string' ? props.name : '');
      reply(context, request, { 'status-code': 202, 'status-description': 'Accepted' });
      return;
    }

    if (address.endsWith('/$management') || address === '$management') {
      const operation = props.operation;
      if (operation === 'com.microsoft:schedule-message') {
        const queue = address.replace(/\/?\$management$/, '');
        const entries = asRecord(request.body).messages;
        const sequenceNumbers: number[] = [];
        for (const entry of Array.isArray(entries) ? (entries as unknown[]) : []) {
          const encoded = asRecord(entry).message;
          if (!Buffer.isBuffer(encoded)) continue;
          const inner = container.message.decode(encoded) as unknown as Record<string, unknown>;
          messages.push(recordOf(queue, 'scheduled', inner));
          sequenceNumbers.push(nextSequenceNumber++);
        }
        // The client accepts sequence numbers as plain numbers or as 8-byte big-endian buffers.
        reply(
          context,
          request,
          { 'status-code': 200, 'status-description': 'OK' },
          { 'sequence-numbers': sequenceNumbers },
        );
        notify();
        return;
      }
      reply(context, request, {
        'status-code': 501,
        'status-description': `stand-in does not implement ${String(operation)}`,
      });
      return;
    }

    if (failures.remaining > 0) {
      failures.remaining -= 1;
      delivery.reject({ condition: failures.condition, description: failures.description });
      return;
    }
    messages.push(recordOf(address, 'transfer', request));
    notify();
  });

  const server: Server = container.listen({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) {
      resolve();
      return;
    }
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=k;SharedAccessKey=dGVzdA==;UseDevelopmentEmulator=true`,
    messages,
    tokenAudiences,
    senderLinks,
    failNextSends(count, condition, description = 'stand-in failure') {
      failures.remaining = count;
      failures.condition = condition;
      failures.description = description;
    },
    waitForMessages(count) {
      return new Promise<RecordedAmqpMessage[]>((resolve) => {
        if (messages.length >= count) resolve(messages);
        else
          waiters.push({
            count,
            resolve: () => {
              resolve(messages);
            },
          });
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
