export type QueueName = 'sync-jobs' | 'notifications';

export interface OutboundMessage {
  /**
   * Duplicate detection key: a second message with the same id inside the queue's duplicate
   * detection window is dropped (Service Bus semantics).
   */
  messageId: string;
  /** FIFO and one-at-a-time processing per session (the company id on `sync-jobs`). */
  sessionId?: string;
  /** JSON-serialisable body; the consumer validates it. */
  body: unknown;
  /** Deliver no earlier than this time. */
  scheduledEnqueueTime?: Date;
  subject?: string;
}

export interface JobQueue {
  send(queue: QueueName, message: OutboundMessage): Promise<void>;
}
