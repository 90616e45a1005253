import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiClient, ApiError, type Fetch } from '../src/api/client';

function answering(status: number, body: unknown, seen: Array<{ url: string; init: RequestInit | undefined }> = []): Fetch {
  return (url, init) => {
    seen.push({ url, init });
    return Promise.resolve(new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
}

describe('ApiClient', () => {
  it('sends the bearer token and JSON, and validates the answer', async () => {
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    const client = new ApiClient('tok', { fetch: answering(200, { runId: 'r1', extra: true }, seen) });
    await expect(client.post('companies/acme/entra/sync', {}, z.object({ runId: z.string() }))).resolves.toEqual({ runId: 'r1' });
    expect(seen[0]?.url).toBe('/api/companies/acme/entra/sync');
    expect(seen[0]?.init?.method).toBe('POST');
    expect(new Headers(seen[0]?.init?.headers).get('authorization')).toBe('Bearer tok');
    expect(seen[0]?.init?.body).toBe('{}');
  });

  it('turns problem+json into an ApiError with the stable code and field errors', async () => {
    const client = new ApiClient('tok', { fetch: answering(400, { status: 400, code: 'validation_failed', detail: 'Invalid request body', errors: [{ field: 'notifyEmails.0', message: 'Invalid email address' }] }) });
    const error = await client.patch('x', {}, z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Invalid request body', errors: [{ field: 'notifyEmails.0' }] });
  });

  it('signs out on 401, and refuses answers that do not fit', async () => {
    let signedOut = 0;
    const expired = new ApiClient('tok', { fetch: answering(401, { status: 401, code: 'unauthorized', detail: 'expired' }), onUnauthorized: () => (signedOut += 1) });
    await expect(expired.get('companies', z.unknown())).rejects.toMatchObject({ code: 'unauthorized' });
    expect(signedOut).toBe(1);
    const odd = new ApiClient('tok', { fetch: answering(200, { items: 'nope' }) });
    await expect(odd.get('companies', z.object({ items: z.array(z.string()) }))).rejects.toMatchObject({ code: 'unexpected_response' });
    const html = new ApiClient('tok', { fetch: () => Promise.resolve(new Response('<html>', { status: 502 })) });
    await expect(html.get('companies', z.unknown())).rejects.toMatchObject({ code: 'http_error', status: 502 });
    const offline = new ApiClient('tok', { fetch: () => Promise.reject(new TypeError('failed to fetch')) });
    await expect(offline.get('companies', z.unknown())).rejects.toMatchObject({ code: 'network_error' });
  });
});
