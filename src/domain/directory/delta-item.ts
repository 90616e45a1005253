import { z } from 'zod';
import { DirectoryAttributes } from './directory-user';

/**
 * One item of a `users/delta` page, validated. Graph sends new users in full and updated users
 * with *at least* the changed properties: an absent property means "unchanged", never "cleared",
 * so `changes` holds only what the payload carried.
 */
export type DeltaItem =
  | { kind: 'removed'; id: string; reason: 'deleted' | 'soft_deleted' }
  | { kind: 'user'; id: string; changes: Partial<DirectoryAttributes> }
  | { kind: 'invalid'; id: string | null; problem: string };

const text = (max: number) => z.string().max(max).nullable();
const list = z.array(z.string().max(512)).max(1000).nullable();

/** Lenient on what Graph may add, strict on the types of what we keep. */
const RawUserSchema = z.looseObject({
  id: z.string().min(1).max(64),
  userPrincipalName: text(1024).optional(),
  mail: text(512).optional(),
  otherMails: list.optional(),
  proxyAddresses: list.optional(),
  givenName: text(256).optional(),
  surname: text(256).optional(),
  displayName: text(256).optional(),
  jobTitle: text(256).optional(),
  department: text(256).optional(),
  officeLocation: text(256).optional(),
  companyName: text(256).optional(),
  employeeId: text(64).optional(),
  mobilePhone: text(64).optional(),
  country: text(128).optional(),
  city: text(128).optional(),
  usageLocation: text(8).optional(),
  accountEnabled: z.boolean().nullable().optional(),
  userType: text(32).optional(),
  creationType: text(64).optional(),
  assignedLicenses: z.array(z.looseObject({})).max(500).nullable().optional(),
  'manager@delta': z.array(z.looseObject({ id: z.string().min(1).max(64), '@removed': z.unknown().optional() })).max(10).optional(),
  '@removed': z.looseObject({ reason: z.string().max(32) }).optional(),
});

const STRING_FIELDS = [
  'userPrincipalName',
  'mail',
  'givenName',
  'surname',
  'displayName',
  'jobTitle',
  'department',
  'officeLocation',
  'companyName',
  'employeeId',
  'mobilePhone',
  'country',
  'city',
  'usageLocation',
  'userType',
  'creationType',
] as const;

/** The longest value Graph may send for each text property (longer: the item is invalid). */
export const TEXT_LIMITS: Record<(typeof STRING_FIELDS)[number], number> = {
  userPrincipalName: 1024,
  mail: 512,
  givenName: 256,
  surname: 256,
  displayName: 256,
  jobTitle: 256,
  department: 256,
  officeLocation: 256,
  companyName: 256,
  employeeId: 64,
  mobilePhone: 64,
  country: 128,
  city: 128,
  usageLocation: 8,
  userType: 32,
  creationType: 64,
};

function isStringList(value: unknown): boolean {
  if (value === null) return true;
  if (!Array.isArray(value) || value.length > 1000) return false;
  for (const v of value) if (typeof v !== 'string' || v.length > 512) return false;
  return true;
}

/**
 * The same rules as RawUserSchema, checked by hand: a sync parses every user of the tenant, and
 * this is several times cheaper than the schema. Anything it does not accept goes through the
 * schema, which then decides (and explains).
 */
function looksValid(raw: unknown): raw is z.infer<typeof RawUserSchema> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const u = raw as Record<string, unknown>;
  if (typeof u.id !== 'string' || u.id.length === 0 || u.id.length > 64) return false;
  for (const field of STRING_FIELDS) {
    const v = u[field];
    if (v !== undefined && v !== null && (typeof v !== 'string' || v.length > TEXT_LIMITS[field])) return false;
  }
  if (u.otherMails !== undefined && !isStringList(u.otherMails)) return false;
  if (u.proxyAddresses !== undefined && !isStringList(u.proxyAddresses)) return false;
  if (u.accountEnabled !== undefined && u.accountEnabled !== null && typeof u.accountEnabled !== 'boolean') return false;
  const licences = u.assignedLicenses;
  if (licences !== undefined && licences !== null && (!Array.isArray(licences) || licences.length > 500 || licences.some((l) => typeof l !== 'object' || l === null || Array.isArray(l)))) return false;
  const manager = u['manager@delta'];
  if (manager !== undefined && (!Array.isArray(manager) || manager.length > 10 || manager.some((m) => typeof m !== 'object' || m === null || typeof (m as { id?: unknown }).id !== 'string' || (m as { id: string }).id.length === 0 || (m as { id: string }).id.length > 64))) return false;
  const removed = u['@removed'];
  if (removed !== undefined && (typeof removed !== 'object' || removed === null || typeof (removed as { reason?: unknown }).reason !== 'string' || (removed as { reason: string }).reason.length > 32)) return false;
  return true;
}

/** One pass: validates and reads a well-formed user; null sends anything unusual to the schema. */
function fastParse(raw: unknown): DeltaItem | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const u = raw as Record<string, unknown>;
  const rawId = u.id;
  if (typeof rawId !== 'string' || rawId.length === 0 || rawId.length > 64) return null;
  if (u['@removed'] !== undefined) return looksValid(raw) ? fromValid(raw) : null;
  const changes: Partial<DirectoryAttributes> = {};
  for (const field of STRING_FIELDS) {
    const value = u[field];
    if (value === undefined) continue;
    if (value === null) {
      changes[field] = null;
      continue;
    }
    if (typeof value !== 'string' || value.length > TEXT_LIMITS[field]) return null;
    const trimmed = value.trim();
    changes[field] = trimmed === '' ? null : trimmed;
  }
  const otherMails = u.otherMails;
  if (otherMails !== undefined) {
    if (!isStringList(otherMails)) return null;
    changes.otherMails = (otherMails as string[] | null) ?? [];
  }
  const proxies = u.proxyAddresses;
  if (proxies !== undefined) {
    if (!isStringList(proxies)) return null;
    changes.proxyAddresses = (proxies as string[] | null) ?? [];
  }
  const enabled = u.accountEnabled;
  if (enabled !== undefined) {
    if (enabled !== null && typeof enabled !== 'boolean') return null;
    changes.accountEnabled = enabled ?? true;
  }
  const licences = u.assignedLicenses;
  if (licences !== undefined) {
    if (licences !== null && (!Array.isArray(licences) || licences.length > 500 || licences.some((l) => typeof l !== 'object' || l === null || Array.isArray(l)))) return null;
    changes.licensed = Array.isArray(licences) && licences.length > 0;
  }
  const manager = u['manager@delta'];
  if (manager !== undefined) {
    if (!Array.isArray(manager) || manager.length > 10) return null;
    let current: string | null = null;
    for (const m of manager as unknown[]) {
      if (typeof m !== 'object' || m === null) return null;
      const ref = m as { id?: unknown; '@removed'?: unknown };
      if (typeof ref.id !== 'string' || ref.id.length === 0 || ref.id.length > 64) return null;
      if (ref['@removed'] === undefined && current === null) current = ref.id.toLowerCase();
    }
    changes.managerId = current;
  }
  return { kind: 'user', id: rawId.toLowerCase(), changes };
}

export function parseDeltaItem(raw: unknown): DeltaItem {
  return fastParse(raw) ?? parseDeltaItemBySchema(raw);
}

/**
 * The reference parser (the schema alone): what `parseDeltaItem` must answer for every input. Its
 * fast path only saves time; a differential test holds the two together.
 */
export function parseDeltaItemBySchema(raw: unknown): DeltaItem {
  const parsed = RawUserSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string' ? raw.id.slice(0, 64) : null;
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', id, problem: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid user object' };
  }
  return fromValid(parsed.data);
}

function fromValid(user: z.infer<typeof RawUserSchema>): DeltaItem {
  const id = user.id.toLowerCase();
  if (user['@removed']) {
    // `changed` = soft-deleted (restorable, comes back as a new user); `deleted` = gone for good.
    return { kind: 'removed', id, reason: user['@removed'].reason === 'deleted' ? 'deleted' : 'soft_deleted' };
  }
  const changes: Partial<DirectoryAttributes> = {};
  for (const field of STRING_FIELDS) {
    const value = user[field];
    if (value === undefined) continue;
    if (value === null) {
      changes[field] = null;
      continue;
    }
    const trimmed = value.trim();
    changes[field] = trimmed === '' ? null : trimmed;
  }
  if (user.otherMails !== undefined) changes.otherMails = user.otherMails ?? [];
  if (user.proxyAddresses !== undefined) changes.proxyAddresses = user.proxyAddresses ?? [];
  if (user.accountEnabled !== undefined) changes.accountEnabled = user.accountEnabled ?? true;
  if (user.assignedLicenses !== undefined) changes.licensed = (user.assignedLicenses ?? []).length > 0;
  const manager = user['manager@delta'];
  if (manager !== undefined) {
    const current = manager.find((m) => m['@removed'] === undefined);
    changes.managerId = current ? current.id.toLowerCase() : null;
  }
  return { kind: 'user', id, changes };
}

/** Applies a delta's changes onto what is stored (absent = unchanged). */
export function mergeAttributes(base: DirectoryAttributes, changes: Partial<DirectoryAttributes>): DirectoryAttributes {
  // `changes` never holds undefined values (parseDeltaItem only sets what the payload carried).
  return { ...base, ...changes };
}

const FINGERPRINT_KEYS = [
  'accountEnabled',
  'city',
  'companyName',
  'country',
  'creationType',
  'department',
  'displayName',
  'employeeId',
  'givenName',
  'jobTitle',
  'licensed',
  'mail',
  'managerId',
  'mobilePhone',
  'officeLocation',
  'otherMails',
  'proxyAddresses',
  'surname',
  'usageLocation',
  'userPrincipalName',
  'userType',
] as const satisfies ReadonlyArray<keyof DirectoryAttributes>;

// Every synced attribute must be part of the fingerprint, or its changes would go unnoticed.
type Unfingerprinted = Exclude<keyof DirectoryAttributes, (typeof FINGERPRINT_KEYS)[number]>;
export const FINGERPRINT_IS_COMPLETE: [Unfingerprinted] extends [never] ? true : false = true;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two attribute sets are equal field by field (cheaper than hashing both). */
export function sameAttributes(a: DirectoryAttributes, b: DirectoryAttributes): boolean {
  for (const key of FINGERPRINT_KEYS) {
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (Array.isArray(x) && Array.isArray(y) && sameList(x, y)) continue;
    return false;
  }
  return true;
}

/** A stable text of the synced attributes (fixed key order). */
export function attributesFingerprint(attributes: DirectoryAttributes): string {
  return JSON.stringify(FINGERPRINT_KEYS.map((k) => attributes[k]));
}

/** The synced attributes in the fingerprint's fixed order, for hashing without building text. */
export function fingerprintValues(attributes: DirectoryAttributes): Array<DirectoryAttributes[keyof DirectoryAttributes]> {
  return FINGERPRINT_KEYS.map((k) => attributes[k]);
}
