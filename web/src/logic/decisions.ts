import { decisionFailureText, plural } from './words';

/** The sentence after approve / deny / restore: what happened, and each failure in words. */
export function decisionSummary(
  action: 'approve' | 'deny' | 'restore',
  result: { done: number; merged?: number; failed: ReadonlyArray<{ id: string; code: string }> },
  nameOf: (id: string) => string,
): { intent: 'success' | 'warning'; title: string; details: string[] } {
  const verb = { approve: 'Approved', deny: 'Denied', restore: 'Restored' }[action];
  const merged = action === 'approve' && result.merged ? ` (${plural(result.merged, 'merged with an existing user', 'merged with existing users')})` : '';
  const title = result.done > 0 ? `${verb} ${plural(result.done, 'user')}${merged}.` : `Nobody was ${verb.toLowerCase()}.`;
  const details = result.failed.map((f) => `${nameOf(f.id)} ${decisionFailureText(f.code)}.`);
  return { intent: result.failed.length > 0 ? 'warning' : 'success', title, details };
}

/** Toggling one id, or all ids of the page, in a selection. */
export function toggle(selection: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selection);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

export function toggleAll(selection: ReadonlySet<string>, pageIds: readonly string[]): Set<string> {
  const allSelected = pageIds.length > 0 && pageIds.every((id) => selection.has(id));
  const next = new Set(selection);
  for (const id of pageIds) {
    if (allSelected) next.delete(id);
    else next.add(id);
  }
  return next;
}

export function selectionState(selection: ReadonlySet<string>, pageIds: readonly string[]): boolean | 'mixed' {
  const selected = pageIds.filter((id) => selection.has(id)).length;
  if (selected === 0) return false;
  return selected === pageIds.length ? true : 'mixed';
}
