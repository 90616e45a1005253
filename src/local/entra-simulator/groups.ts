// One simulated tenant's groups: security and Microsoft 365 groups with direct members (users or
// other groups, so nesting is real), an append-only change log, and the two Graph views the
// product needs — `GET /groups` (find a group to scope by) and `GET /groups/delta` with
// `members@delta` (membership changes, as Graph reports them).
//
// Delta rounds work like the users' (see delta-engine.ts): a round covers the log window
// (since, until]; a full round (since = 0) lists every requested group with all its members, a
// later round lists each group changed in the window once, with `members@delta` holding the net
// change of each member touched (present → `{ id }`, gone → `{ id, "@removed": {…} }`) and a
// deleted group as `{ id, "@removed": { reason } }`. Pages hold at most PAGE_ENTRIES member
// entries; a big group continues on the next page, as Graph does.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { TokenCodec } from './delta-engine';
import { deterministicGuid, Prng } from './prng';
import { SimulatorError, type SimulatedUser } from './types';

export interface SimulatedGroup {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  /** `Unified` for Microsoft 365 groups, empty for security groups. */
  groupTypes: string[];
  /** Direct members: user ids and group ids. */
  memberIds: string[];
}

const groupSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  description: z.string().nullable(),
  mail: z.string().nullable(),
  mailEnabled: z.boolean(),
  securityEnabled: z.boolean(),
  groupTypes: z.array(z.string()),
  memberIds: z.array(z.string()),
});

/** One log entry: a member added or removed, or the group itself created or deleted. */
const changeSchema = z.tuple([z.string(), z.string().nullable()]);

export const persistedGroupsSchema = z.object({
  groups: z.array(groupSchema.extend({ deleted: z.boolean() })),
  /** [groupId, memberId | null (the group itself)] per change, in order. */
  log: z.array(changeSchema),
});
export type PersistedGroups = z.infer<typeof persistedGroupsSchema>;

const groupTokenSchema = z.object({
  k: z.literal('groups'),
  t: z.string(),
  /** The window (since, until]: since = 0 is a full round. */
  s: z.number().int().nonnegative(),
  u: z.number().int().nonnegative(),
  /** Position: index into the round's group list, and member offset inside that group. */
  g: z.number().int().nonnegative(),
  m: z.number().int().nonnegative(),
  /** `$filter=id eq …` ids, or null for every group. */
  ids: z.array(z.string()).nullable(),
  /** Is this a deltaLink (true) or a nextLink (false)? */
  d: z.boolean(),
});
type GroupToken = z.infer<typeof groupTokenSchema>;

export const PAGE_ENTRIES = 200;
/** Graph allows up to this many `id eq` terms in a groups/delta filter. */
export const MAX_FILTER_IDS = 50;

interface GroupDeltaPage {
  value: Array<Record<string, unknown>>;
  nextToken: string | null;
  deltaToken: string | null;
}

function memberEntry(memberId: string, kind: 'user' | 'group', present: boolean): Record<string, unknown> {
  return present ? { '@odata.type': `#microsoft.graph.${kind}`, id: memberId } : { '@odata.type': `#microsoft.graph.${kind}`, id: memberId, '@removed': { reason: 'deleted' } };
}

export class TenantGroups {
  private readonly groups = new Map<string, SimulatedGroup & { deleted: boolean }>();
  /** log[seq - 1]: what change `seq` touched. */
  private readonly log: Array<[string, string | null]> = [];

  constructor(
    private readonly tenantId: string,
    private readonly isUser: (id: string) => boolean,
    private readonly changed: () => void,
  ) {}

  /**
   * Realistic groups over the seeded people: one per department, a Microsoft 365 "All Staff"
   * group, "Customer Facing" nesting Sales and Customer Support (plus two people directly), and a
   * small "Security Awareness Pilot" security group — what an admin would scope a rollout by.
   */
  static seeded(tenantId: string, domain: string, users: readonly SimulatedUser[], isUser: (id: string) => boolean, changed: () => void): TenantGroups {
    const groups = new TenantGroups(tenantId, isUser, changed);
    const people = users.filter((u) => u.kind === 'person' && u.userType === 'Member');
    const make = (name: string, members: string[], options: { mail?: boolean; unified?: boolean; description?: string } = {}): string => {
      const id = deterministicGuid(0x6a0, `${tenantId}/${name}`);
      const nickname = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
      groups.groups.set(id, {
        id,
        displayName: name,
        description: options.description ?? null,
        mail: options.mail || options.unified ? `${nickname}@${domain}` : null,
        mailEnabled: Boolean(options.mail || options.unified),
        securityEnabled: !options.unified,
        groupTypes: options.unified ? ['Unified'] : [],
        memberIds: [...new Set(members)],
        deleted: false,
      });
      groups.log.push([id, null]);
      return id;
    };
    const byDepartment = new Map<string, string[]>();
    for (const p of people) if (p.department) byDepartment.set(p.department, [...(byDepartment.get(p.department) ?? []), p.id]);
    const departmentGroups = new Map<string, string>();
    for (const [department, members] of [...byDepartment].sort(([a], [b]) => a.localeCompare(b))) departmentGroups.set(department, make(department, members, { mail: true, description: `Everyone in ${department}` }));
    make('All Staff', people.map((p) => p.id), { unified: true, description: 'Every employee' });
    const prng = new Prng(people.length + 17);
    const direct = people.filter(() => prng.chance(0.02)).slice(0, 2).map((p) => p.id);
    const nested = ['Sales', 'Customer Support'].flatMap((d) => (departmentGroups.has(d) ? [departmentGroups.get(d) ?? ''] : []));
    make('Customer Facing', [...nested, ...direct], { description: 'Sales and Customer Support, and a few others who meet customers' });
    make('Security Awareness Pilot', people.slice(0, Math.min(12, people.length)).map((p) => p.id), { description: 'The first people to be trained' });
    return groups;
  }

  static restored(tenantId: string, data: PersistedGroups, isUser: (id: string) => boolean, changed: () => void): TenantGroups {
    const groups = new TenantGroups(tenantId, isUser, changed);
    for (const g of data.groups) groups.groups.set(g.id, { ...g, memberIds: [...g.memberIds] });
    for (const entry of data.log) groups.log.push(entry);
    return groups;
  }

  toPersisted(): PersistedGroups {
    return { groups: [...this.groups.values()].map((g) => ({ ...g, memberIds: [...g.memberIds] })), log: this.log.map(([g, m]) => [g, m]) };
  }

  // ---- reads --------------------------------------------------------------------------------

  get(id: string): SimulatedGroup | undefined {
    const group = this.groups.get(id.toLowerCase());
    return group && !group.deleted ? this.copy(group) : undefined;
  }

  /** Live groups in display-name order, optionally those whose display name starts with `prefix` (case-insensitive). */
  list(prefix?: string): SimulatedGroup[] {
    const needle = prefix?.toLowerCase() ?? '';
    return [...this.groups.values()]
      .filter((g) => !g.deleted && g.displayName.toLowerCase().startsWith(needle))
      .sort((a, b) => a.displayName.localeCompare(b.displayName))
      .map((g) => this.copy(g));
  }

  // ---- changes ------------------------------------------------------------------------------

  addGroup(input: { displayName: string; description?: string | null; memberIds?: string[]; securityEnabled?: boolean }): SimulatedGroup {
    const displayName = input.displayName.trim();
    if (displayName === '' || displayName.length > 256) throw new SimulatorError(400, 'displayName: must be 1 to 256 characters');
    for (const member of input.memberIds ?? []) this.requireMember(member);
    const id = randomUUID();
    this.groups.set(id, { id, displayName, description: input.description ?? null, mail: null, mailEnabled: false, securityEnabled: input.securityEnabled ?? true, groupTypes: [], memberIds: [...new Set(input.memberIds ?? [])], deleted: false });
    this.append(id, null);
    return this.copy(this.requireLive(id));
  }

  addMember(groupId: string, memberId: string): SimulatedGroup {
    const group = this.requireLive(groupId);
    const member = memberId.toLowerCase();
    this.requireMember(member);
    if (member === group.id || this.contains(member, group.id)) throw new SimulatorError(400, 'A group cannot contain itself, directly or through nesting.');
    if (!group.memberIds.includes(member)) {
      group.memberIds.push(member);
      this.append(group.id, member);
    }
    return this.copy(group);
  }

  removeMember(groupId: string, memberId: string): SimulatedGroup {
    const group = this.requireLive(groupId);
    const member = memberId.toLowerCase();
    if (!group.memberIds.includes(member)) throw new SimulatorError(404, `${memberId} is not a direct member of ${group.id}`);
    group.memberIds = group.memberIds.filter((m) => m !== member);
    this.append(group.id, member);
    return this.copy(group);
  }

  deleteGroup(groupId: string): void {
    const group = this.requireLive(groupId);
    group.deleted = true;
    for (const other of this.groups.values()) {
      if (!other.deleted && other.memberIds.includes(group.id)) {
        other.memberIds = other.memberIds.filter((m) => m !== group.id);
        this.append(other.id, group.id);
      }
    }
    this.append(group.id, null);
  }

  /** A user left the directory: it leaves every group too (Graph reports it as a removal). */
  userRemoved(userId: string): void {
    for (const group of this.groups.values()) {
      if (!group.deleted && group.memberIds.includes(userId)) {
        group.memberIds = group.memberIds.filter((m) => m !== userId);
        this.append(group.id, userId);
      }
    }
  }

  // ---- groups/delta -------------------------------------------------------------------------

  /** The first page of a round: a full one (no token) or from a deltaLink's token. */
  startRound(ids: string[] | null, fromDeltaToken: GroupToken | null): GroupToken {
    const since = fromDeltaToken?.u ?? 0;
    return { k: 'groups', t: this.tenantId, s: since, u: this.log.length, g: 0, m: 0, ids: fromDeltaToken?.ids ?? ids, d: false };
  }

  decode(codec: TokenCodec, token: string): GroupToken | null {
    const parsed = codec.decodeWith(token, groupTokenSchema);
    return parsed?.t === this.tenantId ? parsed : null;
  }

  page(codec: TokenCodec, round: GroupToken, describe: (g: SimulatedGroup) => Record<string, unknown>): GroupDeltaPage {
    const entries = this.roundEntries(round);
    const value: Array<Record<string, unknown>> = [];
    let budget = PAGE_ENTRIES;
    let g = round.g;
    let m = round.m;
    while (g < entries.length && budget > 0) {
      const entry = entries[g];
      if (!entry) break;
      if (entry.removed) {
        value.push({ id: entry.id, '@removed': { reason: 'changed' } });
        budget--;
        g++;
        m = 0;
        continue;
      }
      const slice = entry.members.slice(m, m + budget);
      const group = this.groups.get(entry.id);
      value.push({ ...(group && m === 0 ? describe(group) : { id: entry.id }), 'members@delta': slice.map((x) => memberEntry(x.id, this.isUser(x.id) ? 'user' : 'group', x.present)) });
      budget -= Math.max(1, slice.length);
      if (m + slice.length >= entry.members.length) {
        g++;
        m = 0;
      } else m += slice.length;
    }
    if (g < entries.length) return { value, nextToken: codec.encodeWith({ ...round, g, m, d: false }), deltaToken: null };
    return { value, nextToken: null, deltaToken: codec.encodeWith({ ...round, s: round.u, g: 0, m: 0, d: true }) };
  }

  /** The groups of a round, in a stable order, with the member entries to report for each. */
  private roundEntries(round: GroupToken): Array<{ id: string; removed: boolean; members: Array<{ id: string; present: boolean }> }> {
    const wanted = round.ids === null ? null : new Set(round.ids.map((i) => i.toLowerCase()));
    const include = (id: string) => wanted === null || wanted.has(id);
    if (round.s === 0) {
      return [...this.groups.values()]
        .filter((g) => !g.deleted && include(g.id))
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((g) => ({ id: g.id, removed: false, members: g.memberIds.map((id) => ({ id, present: true })) }));
    }
    const touched = new Map<string, { whole: boolean; members: Set<string> }>();
    for (let seq = round.s + 1; seq <= round.u; seq++) {
      const [groupId, memberId] = this.log[seq - 1] ?? ['', null];
      if (!include(groupId)) continue;
      const t = touched.get(groupId) ?? { whole: false, members: new Set<string>() };
      if (memberId === null) t.whole = true;
      else t.members.add(memberId);
      touched.set(groupId, t);
    }
    return [...touched]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, t]) => {
        const group = this.groups.get(id);
        if (!group || group.deleted) return { id, removed: true, members: [] };
        if (t.whole) return { id, removed: false, members: group.memberIds.map((m) => ({ id: m, present: true })) };
        return { id, removed: false, members: [...t.members].sort().map((m) => ({ id: m, present: group.memberIds.includes(m) })) };
      });
  }

  // ---- helpers ------------------------------------------------------------------------------

  private append(groupId: string, memberId: string | null): void {
    this.log.push([groupId, memberId]);
    this.changed();
  }

  private contains(groupId: string, memberId: string, seen = new Set<string>()): boolean {
    const group = this.groups.get(groupId);
    if (!group || group.deleted || seen.has(groupId)) return false;
    seen.add(groupId);
    return group.memberIds.includes(memberId) || group.memberIds.some((m) => this.contains(m, memberId, seen));
  }

  private requireLive(groupId: string): SimulatedGroup & { deleted: boolean } {
    const group = this.groups.get(groupId.toLowerCase());
    if (!group || group.deleted) throw new SimulatorError(404, `No group ${groupId}`);
    return group;
  }

  private requireMember(memberId: string): void {
    const group = this.groups.get(memberId.toLowerCase());
    if (!this.isUser(memberId.toLowerCase()) && (!group || group.deleted)) throw new SimulatorError(404, `No user or group ${memberId}`);
  }

  private copy(group: SimulatedGroup): SimulatedGroup {
    return { id: group.id, displayName: group.displayName, description: group.description, mail: group.mail, mailEnabled: group.mailEnabled, securityEnabled: group.securityEnabled, groupTypes: [...group.groupTypes], memberIds: [...group.memberIds] };
  }
}
