import { Client } from '@sendgrid/client';
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import { AppError, isAppError } from '../../domain/app-error';
import type { Mailer, OutgoingMail } from '../../ports/mailer.port';
import { validateMail } from './mail-validation';

/**
 * Mailer over SendGrid's v3 Mail Send API (`POST /v3/mail/send`).
 *
 * Each instance owns its own `@sendgrid/client` Client and MailService (never the packages'
 * global singletons), so tests and several configurations cannot interfere. The order of set-up
 * matters: `setApiKey` resets the base URL, so the base URL is set after it.
 *
 * Every recipient gets a separate personalization (recipients don't see each other). The
 * idempotency key travels as the custom arg `idempotency_key` (echoed in SendGrid's event
 * webhooks) and as the header `X-Idempotency-Key`. Failures become
 * AppError('dependency_unavailable') whose message carries the HTTP status and SendGrid's error
 * texts — never the API key, and without the underlying HTTP error (its request config holds the
 * Authorization header) as `cause`.
 */

export interface SendGridMailerOptions {
  /** Sender address (config `MAIL_FROM`). */
  from: string;
  /** The API key, or a provider (e.g. reading Key Vault); re-read on every send so rotation works. */
  apiKey: string | (() => Promise<string>);
  /** Override of `https://api.sendgrid.com` (the local stack and tests point this at loopback). */
  baseUrl?: string;
  /** Request timeout (default 10 s). */
  timeoutMs?: number;
}

export const IDEMPOTENCY_CUSTOM_ARG = 'idempotency_key';
export const IDEMPOTENCY_HEADER = 'X-Idempotency-Key';

interface Prepared {
  apiKey: string;
  service: MailService;
}

export class SendGridMailer implements Mailer {
  private readonly from: string;
  private readonly apiKey: () => Promise<string>;
  private readonly baseUrl: string | undefined;
  private readonly timeoutMs: number;
  private prepared: Prepared | undefined;

  constructor(options: SendGridMailerOptions) {
    const apiKey = options.apiKey;
    this.from = options.from;
    this.apiKey = typeof apiKey === 'string' ? () => Promise.resolve(apiKey) : apiKey;
    this.baseUrl = options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(mail: OutgoingMail): Promise<void> {
    validateMail(mail);
    const { apiKey, service } = await this.service();
    const data: MailDataRequired = {
      from: this.from,
      personalizations: mail.to.map((to) => ({ to: [{ email: to }] })),
      subject: mail.subject,
      content: [
        { type: 'text/plain', value: mail.text },
        { type: 'text/html', value: mail.html },
      ],
      customArgs: { [IDEMPOTENCY_CUSTOM_ARG]: mail.idempotencyKey },
      headers: { [IDEMPOTENCY_HEADER]: mail.idempotencyKey },
    };
    try {
      await service.send(data);
    } catch (error) {
      throw sendGridError(error, apiKey);
    }
  }

  private async service(): Promise<Prepared> {
    let apiKey: string;
    try {
      apiKey = (await this.apiKey()).trim();
    } catch (error) {
      if (isAppError(error)) throw error;
      throw new AppError('dependency_unavailable', 'The SendGrid API key could not be read', { cause: error });
    }
    if (apiKey === '') throw new AppError('configuration_invalid', 'The SendGrid API key is empty');
    if (this.prepared?.apiKey === apiKey) return this.prepared;
    const client = new Client();
    client.setApiKey(apiKey);
    // After setApiKey, which resets the base URL to SendGrid's.
    if (this.baseUrl !== undefined) client.setDefaultRequest('baseUrl', this.baseUrl);
    const service = new MailService();
    service.setClient(client);
    service.setTimeout(this.timeoutMs);
    this.prepared = { apiKey, service };
    return this.prepared;
  }
}


function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** SendGrid's `{ errors: [{ message }] }` texts, at most three. */
function sendGridMessages(body: unknown): string[] {
  const errors = asRecord(body)?.errors;
  if (!Array.isArray(errors)) return [];
  return (errors as unknown[])
    .map((e) => asRecord(e)?.message)
    .filter((m): m is string => typeof m === 'string')
    .slice(0, 3);
}

function sendGridError(error: unknown, apiKey: string): AppError {
  const e = asRecord(error);
  const response = asRecord(e?.response);
  // ResponseError (status ≥ 400) has a numeric `code` and `response.body`; a raw HTTP client
  // error may carry `response.status`/`response.data`, or a string `code` for network failures.
  const status = typeof e?.code === 'number' ? e.code : typeof response?.status === 'number' ? response.status : undefined;
  const details = sendGridMessages(response?.body ?? response?.data);
  let message: string;
  if (status !== undefined) {
    message = `SendGrid rejected the message (HTTP ${status})${details.length > 0 ? `: ${details.join('; ')}` : ''}`;
  } else {
    const code = typeof e?.code === 'string' ? e.code : error instanceof Error ? error.name : 'unknown error';
    message = `SendGrid could not be reached (${code})`;
  }
  const safe = message.split(apiKey).join('[redacted]');
  return new AppError('dependency_unavailable', safe);
}
