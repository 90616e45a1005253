import { z } from 'zod';
import type { TokenStore } from './session';

/**
 * The names of directory groups the console has seen (in a group search, or in the status once a
 * sync has read them). Settings and previews hold only group ids, and the API names a scope's
 * groups only after a sync has read them; so a group picked a moment ago is still shown by its
 * name. Kept for the browser tab (sessionStorage), like the session itself.
 */

const KEY = 'symbol-console-group-names';
/** Enough for every company an MSP looks at in a day; the oldest names are forgotten first. */
const MAX_NAMES = 500;

const NamesSchema = z.record(z.string(), z.string());

function read(store: TokenStore): Record<string, string> {
  const raw = store.getItem(KEY);
  if (raw === null) return {};
  try {
    const parsed = NamesSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Remembers these groups' names (a null name — not read yet — changes nothing); new or renamed ones are kept longest. */
export function rememberGroupNames(store: TokenStore, groups: ReadonlyArray<{ id: string; displayName: string | null }>): void {
  const known = new Map(Object.entries(read(store)));
  let changed = false;
  for (const { id, displayName } of groups) {
    if (displayName === null || known.get(id) === displayName) continue;
    known.delete(id);
    known.set(id, displayName);
    changed = true;
  }
  if (!changed) return;
  const entries = [...known];
  store.setItem(KEY, JSON.stringify(Object.fromEntries(entries.slice(Math.max(0, entries.length - MAX_NAMES)))));
}

/** The group's name, or a short form of its id when the console has not seen it. */
export function groupName(store: TokenStore, id: string): string {
  return read(store)[id] ?? `Group ${id.slice(0, 8)}…`;
}

/** Whether the console knows the group's name. */
export function knowsGroupName(store: TokenStore, id: string): boolean {
  return id in read(store);
}
