import { InvocationContext } from '@azure/functions';

/**
 * Structured logs: an event name and fields (ids, counts, durations). Never put personal data
 * (names, e-mail addresses) or secrets in fields.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export function contextLogger(context: InvocationContext): Logger {
  const line = (event: string, fields?: LogFields) => JSON.stringify({ event, invocationId: context.invocationId, fn: context.functionName, ...fields });
  return {
    info: (event, fields) => {
      context.log(line(event, fields));
    },
    warn: (event, fields) => {
      context.warn(line(event, fields));
    },
    error: (event, fields) => {
      context.error(line(event, fields));
    },
  };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
