/**
 * Runs `task` over `items` with at most `concurrency` in flight. Tasks are expected to handle
 * their own failures; if one throws anyway, no new task starts and the first error is rethrown
 * once the running ones have finished.
 */
export async function forEachWithConcurrency<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  const state: { next: number; failures: unknown[] } = { next: 0, failures: [] };
  const worker = async (): Promise<void> => {
    while (state.failures.length === 0 && state.next < items.length) {
      const item = items[state.next] as T;
      state.next += 1;
      try {
        await task(item);
      } catch (error) {
        state.failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (state.failures.length > 0) throw state.failures[0];
}
