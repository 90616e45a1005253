import { ensureConsoleBuilt } from '../../src/local/console-build';

/** Jest global setup: build the console once, so stacks started in parallel never build it side by side. */
export default async function buildConsoleOnce(): Promise<void> {
  await ensureConsoleBuilt();
}
