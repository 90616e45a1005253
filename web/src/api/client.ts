import { z } from 'zod';
import { ProblemSchema } from './schemas';

/** An API answer other than 2xx, with the problem document's stable code and field errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: ReadonlyArray<{ field: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * The console's only way to the backend: the public `/api/...` routes with a bearer token, JSON
 * in and out, every answer validated. `onUnauthorized` signs the admin out when the token expired.
 */
export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly options: { baseUrl?: string; fetch?: Fetch; onUnauthorized?: () => void } = {},
  ) {}

  get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    return this.send('GET', path, undefined, schema);
  }

  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>> {
    return this.send('POST', path, body, schema);
  }

  patch<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>> {
    return this.send('PATCH', path, body, schema);
  }

  async delete(path: string): Promise<void> {
    await this.send('DELETE', path, undefined, z.unknown());
  }

  private async send<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S): Promise<z.output<S>> {
    const doFetch: Fetch = this.options.fetch ?? ((input, init) => fetch(input, init));
    let response: Response;
    try {
      response = await doFetch(`${this.options.baseUrl ?? ''}/api/${path}`, {
        method,
        // Cookies go along (and may be set): the connect flow binds itself to this browser with one.
        // 'include' also works for an admin UI on another origin of the same site as the API.
        credentials: 'include',
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'The service could not be reached. Check your connection and try again.');
    }
    const text = await response.text();
    let json: unknown = undefined;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!response.ok) {
      const problem = ProblemSchema.safeParse(json);
      if (response.status === 401) this.options.onUnauthorized?.();
      if (problem.success) throw new ApiError(response.status, problem.data.code, problem.data.detail ?? problem.data.title ?? `Request failed (${response.status}).`, problem.data.errors ?? []);
      throw new ApiError(response.status, 'http_error', `The service answered ${response.status}.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError(response.status, 'unexpected_response', 'The service answered in a way this console does not understand.');
    return parsed.data;
  }
}

export function companyPath(companyId: string, rest: string): string {
  return `companies/${encodeURIComponent(companyId)}/${rest}`;
}
