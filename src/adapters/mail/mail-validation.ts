import { AppError, FieldProblem } from '../../domain/app-error';
import { OutgoingMail } from '../../ports/mailer.port';

/** What every mailer refuses before sending anything: no recipients, no idempotency key. */
export function validateMail(mail: OutgoingMail): void {
  const problems: FieldProblem[] = [];
  if (mail.to.length === 0) problems.push({ field: 'to', message: 'needs at least one recipient' });
  if (mail.idempotencyKey === '') problems.push({ field: 'idempotencyKey', message: 'must not be empty' });
  if (problems.length > 0) {
    throw new AppError('validation_failed', `Invalid mail: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, { errors: problems });
  }
}
