import { isAppError } from '../../../src/domain/app-error';
import { IDEMPOTENCY_CUSTOM_ARG, IDEMPOTENCY_HEADER, SendGridMailer } from '../../../src/adapters/mail/sendgrid-mailer';
import type { OutgoingMail } from '../../../src/ports/mailer.port';
import { freePort } from '../../../src/local/free-port';
import { rejection } from '../../support/app-errors';
import { startSendGridStandIn, type SendGridStandIn } from '../../support/sendgrid-standin';

const API_KEY = 'SG.test-key-0123456789';

const mail: OutgoingMail = {
  to: ['admin@customer.example', 'second@customer.example'],
  subject: 'Your directory is connected',
  text: 'Hello in text',
  html: '<p>Hello in <b>HTML</b></p>',
  idempotencyKey: 'welcome:company-1:run-1',
};


describe('SendGridMailer', () => {
  let sendgrid: SendGridStandIn;

  beforeEach(async () => {
    sendgrid = await startSendGridStandIn();
  });
  afterEach(async () => {
    await sendgrid.close();
  });

  it('POSTs /v3/mail/send with the bearer key, from, one personalization per recipient, subject, text and html', async () => {
    const mailer = new SendGridMailer({ from: 'noreply@symbol.example', apiKey: API_KEY, baseUrl: sendgrid.baseUrl });
    await mailer.send(mail);

    expect(sendgrid.requests).toHaveLength(1);
    const request = sendgrid.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v3/mail/send');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.body).toMatchObject({
      from: { email: 'noreply@symbol.example' },
      subject: mail.subject,
      personalizations: [{ to: [{ email: 'admin@customer.example' }] }, { to: [{ email: 'second@customer.example' }] }],
      content: [
        { type: 'text/plain', value: mail.text },
        { type: 'text/html', value: mail.html },
      ],
      custom_args: { [IDEMPOTENCY_CUSTOM_ARG]: mail.idempotencyKey },
      headers: { [IDEMPOTENCY_HEADER]: mail.idempotencyKey },
    });
  });

  it('uses its own client: two mailers with different keys and base URLs do not interfere', async () => {
    const other = await startSendGridStandIn();
    try {
      const a = new SendGridMailer({ from: 'a@symbol.example', apiKey: 'SG.key-a', baseUrl: sendgrid.baseUrl });
      const b = new SendGridMailer({ from: 'b@symbol.example', apiKey: () => Promise.resolve('SG.key-b'), baseUrl: other.baseUrl });
      await a.send(mail);
      await b.send(mail);
      await a.send({ ...mail, idempotencyKey: 'again' });
      expect(sendgrid.requests.map((r) => r.headers.authorization)).toEqual(['Bearer SG.key-a', 'Bearer SG.key-a']);
      expect(other.requests.map((r) => r.headers.authorization)).toEqual(['Bearer SG.key-b']);
    } finally {
      await other.close();
    }
  });

  it('re-reads the key provider so a rotated key is used', async () => {
    let key = 'SG.first';
    const mailer = new SendGridMailer({ from: 'noreply@symbol.example', apiKey: () => Promise.resolve(key), baseUrl: sendgrid.baseUrl });
    await mailer.send(mail);
    key = 'SG.second';
    await mailer.send(mail);
    expect(sendgrid.requests.map((r) => r.headers.authorization)).toEqual(['Bearer SG.first', 'Bearer SG.second']);
  });

  it('maps a non-2xx answer to dependency_unavailable without leaking the key', async () => {
    sendgrid.respondWith(401, { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] });
    const mailer = new SendGridMailer({ from: 'noreply@symbol.example', apiKey: API_KEY, baseUrl: sendgrid.baseUrl });
    const error = await rejection(mailer.send(mail));
    expect(isAppError(error, 'dependency_unavailable')).toBe(true);
    const appError = error;
    expect(appError.message).toContain('HTTP 401');
    expect(appError.message).toContain('authorization grant is invalid');
    expect(appError.cause).toBeUndefined();
    expect(JSON.stringify({ message: appError.message, stack: appError.stack, errors: appError.errors })).not.toContain(API_KEY);

    sendgrid.respondWith(500);
    const serverError = await rejection(mailer.send(mail));
    expect(isAppError(serverError, 'dependency_unavailable')).toBe(true);
    expect(serverError.message).toContain('HTTP 500');
  });

  it('maps an unreachable endpoint to dependency_unavailable', async () => {
    const port = await freePort();
    const mailer = new SendGridMailer({ from: 'noreply@symbol.example', apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}` });
    const error = await rejection(mailer.send(mail));
    expect(isAppError(error, 'dependency_unavailable')).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(API_KEY);
  });

  it('reports a missing key and an empty recipient list without calling SendGrid', async () => {
    const noKey = new SendGridMailer({ from: 'noreply@symbol.example', apiKey: '  ', baseUrl: sendgrid.baseUrl });
    expect(isAppError(await rejection(noKey.send(mail)), 'configuration_invalid')).toBe(true);
    const failingProvider = new SendGridMailer({ from: 'noreply@symbol.example', apiKey: () => Promise.reject(new Error('vault down')), baseUrl: sendgrid.baseUrl });
    expect(isAppError(await rejection(failingProvider.send(mail)), 'dependency_unavailable')).toBe(true);
    const mailer = new SendGridMailer({ from: 'noreply@symbol.example', apiKey: API_KEY, baseUrl: sendgrid.baseUrl });
    expect(isAppError(await rejection(mailer.send({ ...mail, to: [] })), 'validation_failed')).toBe(true);
    expect(sendgrid.requests).toHaveLength(0);
  });
});
