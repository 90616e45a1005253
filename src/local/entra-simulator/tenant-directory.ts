// One simulated tenant's directory: users plus an append-only change log.
//
// Every change appends the user's id to `log`; the change's sequence number is its 1-based
// position (so `seq === log.length` after it). Each user record keeps the ascending list of its
// own sequence numbers (`history`) and, per property, the sequence number of its last change
// (`propVersions`). The delta engine reads rounds straight off the log (see delta-engine.ts).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AddressBook, generateDirectory, localPartOf, onMicrosoftDomainFor, SKUS, type SeedSpec } from './directory-seed';
import { GRAPH_USER_PROPERTIES, storedUserSchema, userInputSchema, userPatchSchema, type GraphUserProperty } from './user-schema';
import { persistedGroupsSchema, TenantGroups } from './groups';
import { SimulatorError, type SimulatedUser, type SimulatedUserInput, type SimulatedUserKind, type SimulatedUserPatch } from './types';

export type UserState = 'live' | 'softDeleted' | 'hardDeleted';

/** Tracked for delta: a Graph property, or `manager`. */
export type TrackedProperty = GraphUserProperty | 'manager';

export interface UserRecord {
  user: SimulatedUser;
  state: UserState;
  /** Sequence number at which the user was (last) created or restored. */
  createdSeq: number;
  /** Property → sequence number of its last change after `createdSeq`. */
  propVersions: Partial<Record<TrackedProperty, number>>;
  /** Ascending sequence numbers of all this user's changes. */
  history: number[];
  /** Position in `order` while live; -1 otherwise. */
  orderIndex: number;
  /** The manager id that was cleared most recently (for `manager@delta` removals). */
  removedManagerId: string | null;
}

export type ChangeReason = 'created' | 'updated' | 'softDeleted' | 'restored' | 'hardDeleted';

export interface DirectoryChangeEvent {
  tenantId: string;
  userId: string;
  /** Graph change-notification changeType. */
  changeType: 'updated' | 'deleted';
  reason: ChangeReason;
}

export interface TenantHooks {
  /** A user changed (one log entry). */
  changed(event: DirectoryChangeEvent): void;
  /** Something worth persisting changed (consent, epochs…). */
  stateChanged(): void;
}

export interface TenantInfo {
  id: string;
  name: string;
  domain: string;
  onMicrosoftDomain: string;
}

export const persistedRecordSchema = z.object({
  user: storedUserSchema,
  state: z.enum(['live', 'softDeleted', 'hardDeleted']),
  createdSeq: z.number().int().nonnegative(),
  propVersions: z.record(z.string(), z.number().int().nonnegative()),
  removedManagerId: z.string().nullable(),
});
export type PersistedRecord = z.infer<typeof persistedRecordSchema>;

export const persistedTenantDirectorySchema = z.object({
  id: z.string(),
  name: z.string(),
  domain: z.string(),
  onMicrosoftDomain: z.string(),
  consentGranted: z.boolean(),
  resetEpoch: z.number().int().nonnegative(),
  expiryEpoch: z.number().int().nonnegative(),
  log: z.array(z.string()),
  order: z.array(z.string()),
  records: z.array(persistedRecordSchema),
  /** Absent in state files of older versions: the groups are seeded then. */
  groups: persistedGroupsSchema.optional(),
  groupPermissionGranted: z.boolean().optional(),
});
export type PersistedTenantDirectory = z.infer<typeof persistedTenantDirectorySchema>;

const TRACKED = new Set<string>([...GRAPH_USER_PROPERTIES, 'manager']);

function cloneUser(user: SimulatedUser): SimulatedUser {
  return {
    ...user,
    otherMails: [...user.otherMails],
    proxyAddresses: [...user.proxyAddresses],
    businessPhones: [...user.businessPhones],
    assignedLicenses: user.assignedLicenses.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans] })),
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new SimulatorError(400, `${where}${issue?.message ?? 'invalid input'}`);
  }
  return result.data;
}

export class TenantDirectory {
  readonly id: string;
  readonly name: string;
  readonly domain: string;
  readonly onMicrosoftDomain: string;
  consentGranted = false;
  /**
   * Whether the tenant's consent covers GroupMember.Read.All (read group memberships) besides
   * User.Read.All. Admin consent grants both; a tenant that consented before the permission was
   * added to the app registration has only User.Read.All — the admin API can simulate that.
   */
  groupPermissionGranted = true;
  groups: TenantGroups;
  resetEpoch = 0;
  expiryEpoch = 0;
  throttleRemaining = 0;
  throttleRetryAfterSeconds = 0;
  /** log[seq - 1] = id of the user changed by change `seq`. */
  readonly log: string[] = [];
  /** Directory order for `GET /users` (ids; stale slots skipped via `orderIndex`). */
  readonly order: string[] = [];
  readonly records = new Map<string, UserRecord>();
  private readonly upnIndex = new Map<string, string>();
  private readonly addresses = new AddressBook();
  private live = 0;

  private constructor(
    info: TenantInfo,
    private readonly hooks: TenantHooks,
    private readonly now: () => Date,
  ) {
    this.id = info.id;
    this.name = info.name;
    this.domain = info.domain.toLowerCase();
    this.onMicrosoftDomain = info.onMicrosoftDomain;
    this.groups = new TenantGroups(this.id, (id) => this.records.get(id)?.state === 'live', () => {
      this.hooks.stateChanged();
    });
  }

  private seedGroups(): void {
    this.groups = TenantGroups.seeded(this.id, this.domain, this.listUsers(), (id) => this.records.get(id)?.state === 'live', () => {
      this.hooks.stateChanged();
    });
  }

  static seeded(id: string, spec: SeedSpec, hooks: TenantHooks, now: () => Date): TenantDirectory {
    const dir = new TenantDirectory({ id, name: spec.name, domain: spec.domain, onMicrosoftDomain: onMicrosoftDomainFor(spec.name) }, hooks, now);
    for (const user of generateDirectory(spec, dir.addresses)) {
      const seq = dir.log.push(user.id);
      dir.records.set(user.id, { user, state: 'live', createdSeq: seq, propVersions: {}, history: [seq], orderIndex: dir.order.push(user.id) - 1, removedManagerId: null });
      dir.upnIndex.set(user.userPrincipalName.toLowerCase(), user.id);
      dir.live += 1;
    }
    dir.seedGroups();
    return dir;
  }

  static restored(data: PersistedTenantDirectory, hooks: TenantHooks, now: () => Date): TenantDirectory {
    const dir = new TenantDirectory(data, hooks, now);
    dir.consentGranted = data.consentGranted;
    dir.resetEpoch = data.resetEpoch;
    dir.expiryEpoch = data.expiryEpoch;
    for (const r of data.records) {
      const propVersions: Partial<Record<TrackedProperty, number>> = {};
      for (const [key, value] of Object.entries(r.propVersions)) {
        if (TRACKED.has(key)) propVersions[key as TrackedProperty] = value;
      }
      dir.records.set(r.user.id, { user: r.user, state: r.state, createdSeq: r.createdSeq, propVersions, history: [], orderIndex: -1, removedManagerId: r.removedManagerId });
      if (r.state !== 'hardDeleted') dir.reserveAddresses(r.user);
      if (r.state === 'live') {
        dir.upnIndex.set(r.user.userPrincipalName.toLowerCase(), r.user.id);
        dir.live += 1;
      }
    }
    data.log.forEach((id, index) => {
      dir.log.push(id);
      const rec = dir.records.get(id);
      if (!rec) throw new Error(`state file: change log names unknown user ${id}`);
      rec.history.push(index + 1);
    });
    data.order.forEach((id, index) => {
      dir.order.push(id);
      const rec = dir.records.get(id);
      if (rec?.state === 'live') rec.orderIndex = index;
    });
    dir.groupPermissionGranted = data.groupPermissionGranted ?? true;
    if (data.groups) {
      dir.groups = TenantGroups.restored(dir.id, data.groups, (id) => dir.records.get(id)?.state === 'live', () => {
        hooks.stateChanged();
      });
    } else dir.seedGroups();
    return dir;
  }

  toPersisted(): PersistedTenantDirectory {
    const records: PersistedRecord[] = [];
    for (const r of this.records.values()) {
      records.push({ user: r.user, state: r.state, createdSeq: r.createdSeq, propVersions: r.propVersions, removedManagerId: r.removedManagerId });
    }
    return {
      id: this.id,
      name: this.name,
      domain: this.domain,
      onMicrosoftDomain: this.onMicrosoftDomain,
      consentGranted: this.consentGranted,
      resetEpoch: this.resetEpoch,
      expiryEpoch: this.expiryEpoch,
      log: this.log,
      order: this.order,
      records,
      groups: this.groups.toPersisted(),
      groupPermissionGranted: this.groupPermissionGranted,
    };
  }

  /** The latest change sequence number. */
  get seq(): number {
    return this.log.length;
  }

  get liveCount(): number {
    return this.live;
  }

  // ---- reads ---------------------------------------------------------------------------------

  liveRecord(idOrUpn: string): UserRecord | undefined {
    const rec = this.records.get(idOrUpn) ?? this.records.get(this.upnIndex.get(idOrUpn.toLowerCase()) ?? '');
    return rec?.state === 'live' ? rec : undefined;
  }

  listUsers(): SimulatedUser[] {
    const out: SimulatedUser[] = [];
    this.order.forEach((id, index) => {
      const rec = this.records.get(id);
      if (rec?.state === 'live' && rec.orderIndex === index) out.push(cloneUser(rec.user));
    });
    return out;
  }

  /** The first `limit` live users (in directory order) that `accept` takes, without copying the rest. */
  findUsers(accept: (user: Readonly<SimulatedUser>) => boolean, limit: number): SimulatedUser[] {
    const out: SimulatedUser[] = [];
    for (let index = 0; index < this.order.length && out.length < limit; index++) {
      const rec = this.records.get(this.order[index] ?? '');
      if (rec?.state === 'live' && rec.orderIndex === index && accept(rec.user)) out.push(cloneUser(rec.user));
    }
    return out;
  }

  listDeletedUsers(): SimulatedUser[] {
    const out: SimulatedUser[] = [];
    for (const rec of this.records.values()) if (rec.state === 'softDeleted') out.push(cloneUser(rec.user));
    return out;
  }

  getUser(idOrUpn: string): SimulatedUser | undefined {
    const rec = this.liveRecord(idOrUpn);
    return rec ? cloneUser(rec.user) : undefined;
  }

  // ---- writes --------------------------------------------------------------------------------

  addUser(partial: SimulatedUserInput = {}): SimulatedUser {
    const input = parseOr400(userInputSchema, partial);
    const id = (input.id ?? randomUUID()).toLowerCase();
    if (this.records.has(id)) throw new SimulatorError(409, `A user with id ${id} already exists`);
    const kind: SimulatedUserKind = input.kind ?? (input.userType === 'Guest' ? 'guest' : 'person');
    const guest = kind === 'guest' || input.userType === 'Guest';
    const givenName = input.givenName ?? null;
    const surname = input.surname ?? null;
    const displayName = input.displayName ?? ([givenName, surname].filter(Boolean).join(' ') || 'New User');
    if (input.managerId) this.requireManager(input.managerId, id);

    let upn = input.userPrincipalName;
    let mail = input.mail;
    if (upn !== undefined) {
      if (this.upnIndex.has(upn.toLowerCase())) throw new SimulatorError(409, 'Another object with the same userPrincipalName already exists');
    } else if (guest) {
      const external = mail ?? `${localPartOf(displayName.replace(/\s+/g, '.')) || 'guest'}@guest.example`;
      mail ??= external;
      let candidate = `${external.replace('@', '_')}#EXT#@${this.onMicrosoftDomain}`;
      for (let n = 2; this.upnIndex.has(candidate.toLowerCase()); n++) candidate = `${external.replace('@', `_${n}_`)}#EXT#@${this.onMicrosoftDomain}`;
      upn = candidate;
    } else {
      const base =
        givenName && surname ? `${localPartOf(givenName)}.${localPartOf(surname)}` : localPartOf(displayName.replace(/\s+/g, '.')) || 'user';
      upn = this.addresses.claim(base, this.domain);
    }
    if (mail === undefined) mail = kind === 'serviceAccount' ? null : upn;
    const nickname = input.mailNickname ?? (guest ? upn.slice(0, upn.indexOf('#EXT#')) || 'guest' : upn.slice(0, upn.indexOf('@')));
    const proxyAddresses =
      input.proxyAddresses ??
      (mail === null ? [] : guest ? [`SMTP:${mail}`] : [`SMTP:${mail}`, `smtp:${nickname}@${this.onMicrosoftDomain}`]);
    const defaultLicences = kind === 'person' ? [{ skuId: this.live > 300 ? SKUS.microsoft365E3 : SKUS.businessPremium, disabledPlans: [] }] : [];
    const user: SimulatedUser = {
      id,
      accountEnabled: input.accountEnabled ?? !(kind === 'sharedMailbox' || kind === 'room' || kind === 'formerEmployee'),
      displayName,
      givenName,
      surname,
      userPrincipalName: upn,
      mail,
      mailNickname: nickname,
      otherMails: input.otherMails ?? (guest && mail ? [mail] : []),
      proxyAddresses,
      jobTitle: input.jobTitle ?? null,
      department: input.department ?? null,
      officeLocation: input.officeLocation ?? null,
      companyName: input.companyName ?? (guest ? null : this.name),
      employeeId: input.employeeId ?? null,
      employeeType: input.employeeType ?? null,
      employeeHireDate: input.employeeHireDate ?? null,
      mobilePhone: input.mobilePhone ?? null,
      businessPhones: input.businessPhones ?? [],
      streetAddress: input.streetAddress ?? null,
      city: input.city ?? null,
      state: input.state ?? null,
      postalCode: input.postalCode ?? null,
      country: input.country ?? null,
      usageLocation: input.usageLocation ?? null,
      preferredLanguage: input.preferredLanguage ?? null,
      userType: input.userType ?? (guest ? 'Guest' : 'Member'),
      creationType: input.creationType ?? (guest ? 'Invitation' : null),
      externalUserState: input.externalUserState ?? (guest ? 'PendingAcceptance' : null),
      createdDateTime: this.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      assignedLicenses: input.assignedLicenses ?? defaultLicences,
      managerId: input.managerId?.toLowerCase() ?? null,
      kind,
    };
    this.reserveAddresses(user);
    const seq = this.log.push(id);
    this.records.set(id, { user, state: 'live', createdSeq: seq, propVersions: {}, history: [seq], orderIndex: this.order.push(id) - 1, removedManagerId: null });
    this.upnIndex.set(upn.toLowerCase(), id);
    this.live += 1;
    this.hooks.changed({ tenantId: this.id, userId: id, changeType: 'updated', reason: 'created' });
    return cloneUser(user);
  }

  updateUser(idOrUpn: string, patch: SimulatedUserPatch): SimulatedUser {
    const rec = this.requireLive(idOrUpn);
    const input = parseOr400(userPatchSchema, patch);
    const user = rec.user;
    const next: SimulatedUser = { ...cloneUser(user), ...input };
    if (input.managerId !== undefined && input.managerId !== null) {
      next.managerId = input.managerId.toLowerCase();
      this.requireManager(next.managerId, user.id);
    }
    if (input.userPrincipalName !== undefined && input.userPrincipalName.toLowerCase() !== user.userPrincipalName.toLowerCase()) {
      if (this.upnIndex.has(input.userPrincipalName.toLowerCase())) {
        throw new SimulatorError(409, 'Another object with the same userPrincipalName already exists');
      }
    }
    // Exchange keeps the primary SMTP proxy address in step with `mail`.
    if (input.mail !== undefined && input.proxyAddresses === undefined && input.mail !== user.mail) {
      const rest = user.proxyAddresses.filter((p) => !p.startsWith('SMTP:') && p.toLowerCase() !== `smtp:${(input.mail ?? '').toLowerCase()}`);
      const demoted = user.mail ? [`smtp:${user.mail}`] : [];
      next.proxyAddresses = input.mail ? [`SMTP:${input.mail}`, ...demoted, ...rest] : [...demoted, ...rest];
    }
    const changed: TrackedProperty[] = [];
    for (const prop of GRAPH_USER_PROPERTIES) {
      if (prop !== 'id' && !sameValue(user[prop], next[prop])) changed.push(prop);
    }
    if (user.managerId !== next.managerId) changed.push('manager');
    if (changed.length === 0) return cloneUser(user);
    if (changed.includes('userPrincipalName')) {
      this.upnIndex.delete(user.userPrincipalName.toLowerCase());
      this.upnIndex.set(next.userPrincipalName.toLowerCase(), user.id);
    }
    if (changed.includes('manager') && next.managerId === null) rec.removedManagerId = user.managerId;
    rec.user = next;
    this.reserveAddresses(next);
    this.record(rec, changed, 'updated');
    return cloneUser(next);
  }

  softDeleteUser(idOrUpn: string): void {
    const rec = this.requireLive(idOrUpn);
    rec.state = 'softDeleted';
    rec.orderIndex = -1;
    this.upnIndex.delete(rec.user.userPrincipalName.toLowerCase());
    this.live -= 1;
    this.record(rec, [], 'softDeleted');
    this.groups.userRemoved(rec.user.id);
  }

  restoreUser(id: string): SimulatedUser {
    const rec = this.records.get(id.toLowerCase());
    if (rec?.state !== 'softDeleted') throw new SimulatorError(404, `No deleted user ${id}`);
    const upn = rec.user.userPrincipalName.toLowerCase();
    if (this.upnIndex.has(upn)) throw new SimulatorError(409, 'Another object with the same userPrincipalName already exists');
    rec.state = 'live';
    rec.orderIndex = this.order.push(rec.user.id) - 1;
    this.upnIndex.set(upn, rec.user.id);
    this.live += 1;
    this.record(rec, [], 'restored');
    return cloneUser(rec.user);
  }

  hardDeleteUser(idOrUpn: string): void {
    const rec = this.liveRecord(idOrUpn) ?? this.records.get(idOrUpn.toLowerCase());
    if (!rec || rec.state === 'hardDeleted') throw new SimulatorError(404, `No user ${idOrUpn}`);
    if (rec.state === 'live') {
      this.upnIndex.delete(rec.user.userPrincipalName.toLowerCase());
      this.live -= 1;
    }
    rec.state = 'hardDeleted';
    rec.orderIndex = -1;
    this.releaseAddresses(rec.user);
    this.record(rec, [], 'hardDeleted');
    this.groups.userRemoved(rec.user.id);
    // Permanently deleting a manager clears the manager of their direct reports.
    for (const other of this.records.values()) {
      if (other.state !== 'hardDeleted' && other.user.managerId === rec.user.id) {
        other.user = { ...other.user, managerId: null };
        other.removedManagerId = rec.user.id;
        if (other.state === 'live') this.record(other, ['manager'], 'updated');
      }
    }
  }

  throttle(count: number, retryAfterSeconds: number): void {
    if (!Number.isInteger(count) || count < 0) throw new SimulatorError(400, 'count must be a non-negative integer');
    if (!Number.isFinite(retryAfterSeconds) || retryAfterSeconds < 0) throw new SimulatorError(400, 'retryAfterSeconds must be ≥ 0');
    this.throttleRemaining = count;
    this.throttleRetryAfterSeconds = Math.ceil(retryAfterSeconds);
  }

  /** Consumes one throttled request if any are pending; returns the Retry-After seconds or null. */
  takeThrottle(): number | null {
    if (this.throttleRemaining <= 0) return null;
    this.throttleRemaining -= 1;
    return this.throttleRetryAfterSeconds;
  }

  resetDeltaState(): void {
    this.resetEpoch += 1;
    this.hooks.stateChanged();
  }

  expireDeltaTokens(): void {
    this.expiryEpoch += 1;
    this.hooks.stateChanged();
  }

  setGroupPermission(granted: boolean): void {
    if (this.groupPermissionGranted === granted) return;
    this.groupPermissionGranted = granted;
    this.hooks.stateChanged();
  }

  setConsent(granted: boolean): void {
    if (this.consentGranted === granted) return;
    this.consentGranted = granted;
    this.hooks.stateChanged();
  }

  // ---- internals -----------------------------------------------------------------------------

  private record(rec: UserRecord, props: TrackedProperty[], reason: ChangeReason): void {
    const seq = this.log.push(rec.user.id);
    rec.history.push(seq);
    if (reason === 'restored') {
      rec.createdSeq = seq;
      rec.propVersions = {};
    }
    for (const prop of props) rec.propVersions[prop] = seq;
    this.hooks.changed({ tenantId: this.id, userId: rec.user.id, changeType: reason === 'hardDeleted' ? 'deleted' : 'updated', reason });
  }

  private requireLive(idOrUpn: string): UserRecord {
    const rec = this.liveRecord(idOrUpn) ?? this.liveRecord(idOrUpn.toLowerCase());
    if (!rec) throw new SimulatorError(404, `No user ${idOrUpn}`);
    return rec;
  }

  private requireManager(managerId: string, selfId: string): void {
    if (managerId.toLowerCase() === selfId.toLowerCase()) throw new SimulatorError(400, 'A user cannot be their own manager');
    if (!this.liveRecord(managerId.toLowerCase())) throw new SimulatorError(400, `managerId: no user ${managerId}`);
  }

  private reserveAddresses(user: SimulatedUser): void {
    this.addresses.add(user.userPrincipalName);
    if (user.mail) this.addresses.add(user.mail);
    for (const p of user.proxyAddresses) {
      const colon = p.indexOf(':');
      if (p.slice(0, colon).toLowerCase() === 'smtp') this.addresses.add(p.slice(colon + 1));
    }
  }

  private releaseAddresses(user: SimulatedUser): void {
    this.addresses.delete(user.userPrincipalName);
    if (user.mail) this.addresses.delete(user.mail);
    for (const p of user.proxyAddresses) {
      const colon = p.indexOf(':');
      if (p.slice(0, colon).toLowerCase() === 'smtp') this.addresses.delete(p.slice(colon + 1));
    }
  }
}
