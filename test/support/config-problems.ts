import { isAppError } from '../../src/domain/app-error';
import { loadConfig } from '../../src/config/config';

/** The environment variables loadConfig names as wrong (empty when the configuration loads). */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (isAppError(error, 'configuration_invalid')) return (error.errors ?? []).map((e) => e.field);
    throw error;
  }
  return [];
}
