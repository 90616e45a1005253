import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '../../../src/domain/app-error';
import { idempotencyHash, OutboxMailer, outboxFileName, readOutbox } from '../../../src/adapters/mail/outbox-mailer';
import type { OutgoingMail } from '../../../src/ports/mailer.port';

const mail: OutgoingMail = {
  to: ['admin@customer.example'],
  subject: 'Connected',
  text: 'text body',
  html: '<p>html body</p>',
  idempotencyKey: 'welcome:company-1/../../etc/passwd',
};

describe('OutboxMailer', () => {
  let dir: string;
  let clock: number;
  const now = () => new Date(clock);

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'outbox-')), 'outbox');
    clock = Date.parse('2030-01-02T03:04:05.678Z');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('writes one JSON file per message, named from sentAt and a hash of the idempotency key', async () => {
    const mailer = new OutboxMailer({ dir, now });
    await mailer.send(mail);
    const names = await readdir(dir);
    expect(names).toEqual([`2030-01-02T03-04-05-678Z-${idempotencyHash(mail.idempotencyKey)}.json`]);
    expect(names[0]).toBe(outboxFileName(new Date(clock), mail.idempotencyKey));
    expect(names[0]).toMatch(/^[0-9A-Za-z-]+\.json$/);
    const content = JSON.parse(await readFile(join(dir, names[0]!), 'utf8')) as unknown;
    expect(content).toEqual({ ...mail, sentAt: '2030-01-02T03:04:05.678Z' });
  });

  it('does not write a second file for the same idempotency key, even concurrently', async () => {
    const mailer = new OutboxMailer({ dir, now });
    await mailer.send(mail);
    clock += 60_000;
    await mailer.send({ ...mail, subject: 'retry' });
    await Promise.all([1, 2, 3].map(() => mailer.send({ ...mail, idempotencyKey: 'parallel' })));
    // A fresh instance (e.g. after a restart) still recognises what is on disk.
    await new OutboxMailer({ dir, now }).send(mail);
    const messages = await readOutbox(dir);
    expect(messages.map((m) => [m.idempotencyKey, m.subject])).toEqual([
      [mail.idempotencyKey, 'Connected'],
      ['parallel', 'Connected'],
    ]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps different keys apart and lists messages oldest first', async () => {
    const mailer = new OutboxMailer({ dir, now });
    await mailer.send({ ...mail, idempotencyKey: 'b' });
    clock += 1;
    await mailer.send({ ...mail, idempotencyKey: 'a' });
    expect((await readOutbox(dir)).map((m) => m.idempotencyKey)).toEqual(['b', 'a']);
    expect(await readOutbox(join(dir, 'missing'))).toEqual([]);
  });

  it('rejects mail without recipients and reports an unwritable outbox as dependency_unavailable', async () => {
    const mailer = new OutboxMailer({ dir, now });
    await expect(mailer.send({ ...mail, to: [] })).rejects.toMatchObject({ code: 'validation_failed' });
    const fileInTheWay = join(dir, '..', 'not-a-dir');
    await writeFile(fileInTheWay, 'x');
    const broken = new OutboxMailer({ dir: fileInTheWay, now });
    const error: unknown = await broken.send(mail).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error, 'dependency_unavailable')).toBe(true);
  });
});
