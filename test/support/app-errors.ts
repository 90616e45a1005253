import { AppError } from '../../src/domain/app-error';

/**
 * The one way tests capture an expected failure: what a promise rejects with, or what a function
 * throws, checked to be an instance of `type` (AppError unless said otherwise). Anything else — a
 * different error, or no failure at all — fails the test with that error.
 */

type ErrorClass<E> = abstract new (...args: never[]) => E;

export async function rejection<E = AppError>(
  promise: Promise<unknown>,
  type: ErrorClass<E> = AppError as unknown as ErrorClass<E>,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a rejection with ${type.name}, but the promise resolved`);
}

export function thrownBy<E = AppError>(
  fn: () => unknown,
  type: ErrorClass<E> = AppError as unknown as ErrorClass<E>,
): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected ${type.name} to be thrown, but nothing was`);
}
