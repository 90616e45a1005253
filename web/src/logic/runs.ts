import { triggerLabel } from './words';

/** Run states the console waits on, and the one-line summary of a run's counts. */
export function isFinished(status: string): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'held';
}

export function runSummary(counts: Readonly<Record<string, number>>): string {
  const parts: string[] = [];
  const add = (key: string, label: string) => {
    const n = counts[key] ?? 0;
    if (n > 0) parts.push(`${n.toLocaleString('en-US')} ${label}`);
  };
  add('newPending', 'new');
  add('autoApproved', 'auto-approved');
  add('updated', 'updated');
  add('deactivated', 'deactivated');
  add('held', 'held');
  add('excluded', 'excluded');
  add('removed', 'removed');
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

/** How often the console asks about a running run (ms); slower the longer it runs. */
export function pollDelay(elapsedMs: number): number {
  if (elapsedMs < 30_000) return 1000;
  if (elapsedMs < 5 * 60_000) return 3000;
  return 10_000;
}

/** What started a run, in words: a preview, or its trigger. */
export function runKindLabel(run: { dryRun: boolean; trigger: string }): string {
  return run.dryRun ? 'Preview' : triggerLabel(run.trigger);
}

/** A finished preview's counts in a line: what a sync would do. */
export function previewSummary(counts: Readonly<Record<string, number>>): string {
  const summary = runSummary(counts);
  return summary === 'no changes' ? 'Would change nothing' : `Would be ${summary}`;
}
