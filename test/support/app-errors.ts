import { AppError } from '../../src/domain/app-error';

/** The AppError a promise rejects with (anything else fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
