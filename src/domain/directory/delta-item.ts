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

export function parseDeltaItem(raw: unknown): DeltaItem {
  const parsed = RawUserSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string' ? raw.id.slice(0, 64) : null;
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', id, problem: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid user object' };
  }
  const user = parsed.data;
  const id = user.id.toLowerCase();
  if (user['@removed']) {
    // `changed` = soft-deleted (restorable, comes back as a new user); `deleted` = gone for good.
    return { kind: 'removed', id, reason: user['@removed'].reason === 'deleted' ? 'deleted' : 'soft_deleted' };
  }
  const changes: Partial<DirectoryAttributes> = {};
  for (const field of STRING_FIELDS) {
    const value = user[field];
    if (value !== undefined) changes[field] = value === null || value.trim() === '' ? null : value.trim();
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
  const next: DirectoryAttributes = { ...base };
  for (const [key, value] of Object.entries(changes) as Array<[keyof DirectoryAttributes, DirectoryAttributes[keyof DirectoryAttributes] | undefined]>) {
    if (value !== undefined) (next as Record<keyof DirectoryAttributes, unknown>)[key] = value;
  }
  return next;
}

/** A stable text of the synced attributes; its hash decides "changed or not". */
export function attributesFingerprint(attributes: DirectoryAttributes): string {
  const keys = Object.keys(attributes).sort() as Array<keyof DirectoryAttributes>;
  return JSON.stringify(keys.map((k) => [k, attributes[k]]));
}
