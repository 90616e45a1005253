import { z } from 'zod';
import { FieldProblem } from './app-error';

/**
 * The fields a zod validation failure names, as AppError field problems. Shared by every
 * boundary that validates input: HTTP bodies and queries (a 400's `errors`), queue messages and
 * configuration.
 */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const base = issue.path.join('.');
      return { field: issue.keys.map((k) => (base ? `${base}.${k}` : k)).join(', '), message: 'is not a known field' };
    }
    return { field: issue.path.join('.') || '(body)', message: issue.message };
  });
}
