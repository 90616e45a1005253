import { z } from 'zod';
import { GuidSchema } from '../company-id';

/**
 * One item of `groups/delta` with `$select=displayName,members`: a group, with `members@delta`
 * listing direct members added (`{ "@odata.type": "#microsoft.graph.user", id }`) and removed
 * (`{ …, "@removed": {…} }`) — every member in a full round, only changes later. A deleted group
 * comes as `{ id, "@removed": {…} }`. Graph may split one group's members over several pages.
 */

const MemberSchema = z.object({
  '@odata.type': z.string().max(128).optional(),
  id: GuidSchema,
  '@removed': z.object({ reason: z.string().max(64).optional() }).optional(),
});

const GroupItemSchema = z.object({
  id: GuidSchema,
  displayName: z.string().max(256).nullable().optional(),
  '@removed': z.object({ reason: z.string().max(64).optional() }).optional(),
  'members@delta': z.array(MemberSchema).max(100_000).optional(),
});

export interface GroupMemberChange {
  id: string;
  kind: 'user' | 'group' | 'other';
  present: boolean;
}

export type GroupDeltaItem =
  | { kind: 'group'; id: string; displayName: string | null; members: GroupMemberChange[] }
  | { kind: 'removed'; id: string }
  | { kind: 'invalid'; problem: string };

function memberKind(type: string | undefined): GroupMemberChange['kind'] {
  const t = (type ?? '').toLowerCase();
  if (t === '#microsoft.graph.user') return 'user';
  if (t === '#microsoft.graph.group') return 'group';
  return 'other';
}

export function parseGroupDeltaItem(raw: unknown): GroupDeltaItem {
  const parsed = GroupItemSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', problem: parsed.error.issues[0]?.path.join('.') || 'item' };
  const item = parsed.data;
  if (item['@removed']) return { kind: 'removed', id: item.id };
  return {
    kind: 'group',
    id: item.id,
    displayName: item.displayName ?? null,
    members: (item['members@delta'] ?? []).map((m) => ({ id: m.id, kind: memberKind(m['@odata.type']), present: m['@removed'] === undefined })),
  };
}
