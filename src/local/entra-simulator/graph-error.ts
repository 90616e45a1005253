// Microsoft Graph error responses.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Thrown by Graph handlers; rendered as Graph's `{ error: { code, message, innerError } }`. */
export class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphFailure';
  }
}

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

export function requestIds(clientRequestId: string | string[] | undefined): RequestIds {
  const requestId = randomUUID();
  const client = typeof clientRequestId === 'string' && /^[\w-]{1,64}$/.test(clientRequestId) ? clientRequestId : requestId;
  return { requestId, clientRequestId: client };
}

export function graphHeaders(ids: RequestIds): Record<string, string> {
  return {
    'request-id': ids.requestId,
    'client-request-id': ids.clientRequestId,
    'x-ms-ags-diagnostic': JSON.stringify({ ServerInfo: { DataCenter: 'Loopback', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'entra-simulator' } }),
  };
}

/** Graph's innerError date format: `2024-01-31T12:34:56`. */
export function graphDate(now: Date): string {
  return now.toISOString().slice(0, 19);
}

export function sendGraphJson(res: ServerResponse, status: number, body: unknown, ids: RequestIds, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': GRAPH_JSON,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache',
    ...graphHeaders(ids),
    ...headers,
  });
  res.end(text);
}

export function sendGraphError(res: ServerResponse, failure: GraphFailure, ids: RequestIds, now: Date): void {
  sendGraphJson(
    res,
    failure.status,
    {
      error: {
        code: failure.code,
        message: failure.message,
        innerError: { date: graphDate(now), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
      },
    },
    ids,
    failure.headers,
  );
}
