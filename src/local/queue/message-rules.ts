import { AppError, type FieldProblem } from '../../domain/app-error';
import type { OutboundMessage } from '../../ports/job-queue.port';

/** Service Bus Standard's message size limit; the in-process broker applies it to the JSON body. */
export const MAX_MESSAGE_BODY_BYTES = 256 * 1024;
/** Service Bus limit for `messageId` and `sessionId`. */
export const MAX_ID_LENGTH = 128;

export interface ValidatedMessage {
  messageId: string;
  sessionId: string | undefined;
  subject: string | undefined;
  /** The body serialised once; every delivery parses a fresh copy from it. */
  bodyJson: string;
  scheduledEnqueueTime: Date | undefined;
}

function checkId(value: unknown, field: string, problems: FieldProblem[]): void {
  if (typeof value !== 'string' || value.length === 0) {
    problems.push({ field, message: 'must be a non-empty string' });
  } else if (value.length > MAX_ID_LENGTH) {
    problems.push({ field, message: `must be at most ${MAX_ID_LENGTH} characters` });
  }
}

/** JSON.stringify is typed as returning string, but yields undefined for undefined, functions and symbols. */
function stringify(value: unknown): string | undefined {
  return JSON.stringify(value);
}

function serialiseBody(body: unknown, problems: FieldProblem[]): string {
  let json: string | undefined;
  try {
    json = stringify(body);
  } catch (error) {
    problems.push({ field: 'body', message: `is not JSON-serialisable (${error instanceof Error ? error.message : 'unknown error'})` });
    return '';
  }
  if (json === undefined) {
    problems.push({ field: 'body', message: 'is not JSON-serialisable' });
    return '';
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_MESSAGE_BODY_BYTES) {
    problems.push({ field: 'body', message: `is ${bytes} bytes as JSON; the limit is ${MAX_MESSAGE_BODY_BYTES}` });
  }
  return json;
}

/**
 * Applies the Service Bus rules the application relies on to an outbound message, and serialises
 * its body. Throws AppError('validation_failed') listing every problem.
 */
export function validateOutboundMessage(message: OutboundMessage, options: { requiresSession: boolean; queue: string }): ValidatedMessage {
  const problems: FieldProblem[] = [];
  checkId(message.messageId, 'messageId', problems);
  if (message.sessionId !== undefined) {
    checkId(message.sessionId, 'sessionId', problems);
  } else if (options.requiresSession) {
    problems.push({ field: 'sessionId', message: `is required: queue "${options.queue}" is session-enabled` });
  }
  if (message.subject !== undefined && typeof message.subject !== 'string') {
    problems.push({ field: 'subject', message: 'must be a string' });
  }
  const scheduled = message.scheduledEnqueueTime;
  if (scheduled !== undefined && (!(scheduled instanceof Date) || Number.isNaN(scheduled.getTime()))) {
    problems.push({ field: 'scheduledEnqueueTime', message: 'must be a valid Date' });
  }
  const bodyJson = serialiseBody(message.body, problems);
  if (problems.length > 0) {
    const summary = problems.map((p) => `${p.field} ${p.message}`).join('; ');
    throw new AppError('validation_failed', `Invalid message for queue "${options.queue}": ${summary}`, { errors: problems });
  }
  return {
    messageId: message.messageId,
    sessionId: message.sessionId,
    subject: message.subject,
    bodyJson,
    scheduledEnqueueTime: scheduled,
  };
}
