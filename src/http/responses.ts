import { HttpResponseInit } from '@azure/functions';

export function ok(body: unknown, headers?: Record<string, string>): HttpResponseInit {
  return { status: 200, jsonBody: body, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } };
}

export function accepted(body: unknown, headers?: Record<string, string>): HttpResponseInit {
  return { status: 202, jsonBody: body, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } };
}

export function noContent(): HttpResponseInit {
  return { status: 204 };
}

export function redirect(location: string): HttpResponseInit {
  return { status: 302, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } };
}
