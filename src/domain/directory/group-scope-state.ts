import { z } from 'zod';
import { GuidSchema } from '../company-id';
import { GroupDeltaItem } from './group-delta';
import { groupClosure, ScopeSettings } from './scope';

/**
 * What a company's sync keeps about the groups its scope names (in the sync state): which groups
 * it tracks (the chosen ones and every group nested under them), how they nest, their names, the
 * `groups/delta` cursor, and whether the tenant lets the app read them at all. Pure helpers fold
 * a round of `groups/delta` into it and into users' memberships.
 */

/** Graph's limit on ids in a groups/delta filter: chosen plus nested groups tracked at most. */
export const MAX_TRACKED_GROUPS = 50;

const IsoDate = z.iso.datetime({ offset: true });

export const GroupScopeStateSchema = z
  .object({
    /** The chosen groups these memberships were read for (a different choice starts over). */
    chosen: z.array(GuidSchema).max(MAX_TRACKED_GROUPS),
    tracked: z.array(GuidSchema).max(MAX_TRACKED_GROUPS),
    /** Tracked group → its direct member groups. */
    nested: z.record(z.string(), z.array(GuidSchema)),
    names: z.record(z.string(), z.string().max(256)),
    /** Where the next groups/delta round starts; null: a full round over `tracked`. */
    deltaLink: z.string().max(8192).nullable(),
    /** False when the tenant answered 403 (its consent lacks GroupMember.Read.All). */
    readable: z.boolean(),
    /** Nested groups beyond MAX_TRACKED_GROUPS that could not be followed. */
    untracked: z.number().int().min(0).default(0),
    checkedAt: IsoDate,
  })
  .strict();
export type GroupScopeState = z.infer<typeof GroupScopeStateSchema>;

/** Membership changes a groups round found: per user, the tracked groups it joined or left. */
export type MembershipDelta = Map<string, { add: Set<string>; remove: Set<string> }>;

export interface GroupRoundFold {
  nested: Record<string, string[]>;
  names: Record<string, string>;
  /** In a full round: every member user per group. In a delta round: the changes. */
  members: Map<string, Set<string>>;
  changes: MembershipDelta;
  deletedGroups: Set<string>;
  invalid: number;
}

export function emptyFold(previous: Pick<GroupScopeState, 'nested' | 'names'> | null): GroupRoundFold {
  return {
    nested: Object.fromEntries(Object.entries(previous?.nested ?? {}).map(([g, children]) => [g, [...children]])),
    names: { ...(previous?.names ?? {}) },
    members: new Map(),
    changes: new Map(),
    deletedGroups: new Set(),
    invalid: 0,
  };
}

/** Folds one page of groups/delta items into the round (Graph may split a group over pages). */
export function foldGroupPage(fold: GroupRoundFold, items: readonly GroupDeltaItem[], full: boolean): void {
  const seenInPage = new Set<string>();
  for (const item of items) {
    if (item.kind === 'invalid') {
      fold.invalid++;
      continue;
    }
    if (item.kind === 'removed') {
      fold.deletedGroups.add(item.id);
      fold.nested = Object.fromEntries(Object.entries(fold.nested).filter(([g]) => g !== item.id));
      continue;
    }
    if (item.displayName) fold.names[item.id] = item.displayName;
    // A full round lists every member: the nesting is rebuilt from it, the first time a group shows.
    if (full && !seenInPage.has(item.id) && !fold.members.has(item.id)) fold.nested[item.id] = [];
    seenInPage.add(item.id);
    const users = fold.members.get(item.id) ?? new Set<string>();
    fold.members.set(item.id, users);
    for (const member of item.members) {
      if (member.kind === 'group') {
        const children = new Set(fold.nested[item.id] ?? []);
        if (member.present) children.add(member.id);
        else children.delete(member.id);
        fold.nested[item.id] = [...children].sort();
      } else if (member.kind === 'user') {
        if (full) {
          if (member.present) users.add(member.id);
          continue;
        }
        const change = fold.changes.get(member.id) ?? { add: new Set<string>(), remove: new Set<string>() };
        if (member.present) {
          change.add.add(item.id);
          change.remove.delete(item.id);
        } else {
          change.remove.add(item.id);
          change.add.delete(item.id);
        }
        fold.changes.set(member.id, change);
      }
    }
  }
}

/** Which groups to track for the chosen ones: the closure over the known nesting, capped. */
export function trackedGroups(chosen: readonly string[], nested: Readonly<Record<string, readonly string[]>>): { tracked: string[]; untracked: number } {
  const all = [...groupClosure(chosen, new Map(Object.entries(nested))).keys()];
  return { tracked: all.slice(0, MAX_TRACKED_GROUPS), untracked: Math.max(0, all.length - MAX_TRACKED_GROUPS) };
}

/** A user's new direct memberships in tracked groups, after a round. */
export function nextMemberships(current: readonly string[], change: { add: ReadonlySet<string>; remove: ReadonlySet<string> }, tracked: ReadonlySet<string>): string[] {
  const groups = new Set(current.filter((g) => tracked.has(g) && !change.remove.has(g)));
  for (const g of change.add) if (tracked.has(g)) groups.add(g);
  return [...groups].sort();
}

/** Whether two scopes are the same (the stored decisions reflect `applied`). */
export function sameScope(a: ScopeSettings | null, b: ScopeSettings): boolean {
  if (a === null) return b.groups.length === 0 && b.domains.length === 0;
  const key = (s: ScopeSettings) => JSON.stringify([[...s.groups].sort(), [...s.domains].sort()]);
  return key(a) === key(b);
}
