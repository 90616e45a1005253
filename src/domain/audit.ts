import { z } from 'zod';
import { CompanyIdSchema } from './company-id';
import { mailboxAddress } from './directory/classification';
import { DirectoryAttributes, RemovalReasonSchema } from './directory/directory-user';
import { displayNameOf } from './directory/review-keys';
import { fingerprintHash } from './directory/fingerprint-hash';
import { TenantAdminSchema } from './integration';
import { AutoApproveSchema } from './integration-settings';

/**
 * The audit trail: who decided or changed what, when, per company. One entry per decision and
 * per object it concerns (an approval that merges is an `approve` of the directory user and a
 * `merge` of the Symbol user). Entries carry ids and the target's name and e-mail as a label —
 * what the decision itself concerns — never tokens or secrets.
 */

/** How long an entry is kept (the `audit` container's TTL). */
export const AUDIT_RETENTION_DAYS = 400;

export const AUDIT_ACTIONS = [
  'connect',
  'disconnect',
  'settings_change',
  'approve',
  'deny',
  'restore',
  'merge',
  'merge_undo',
  'held_release',
  'auto_approve',
  'deactivate',
  'reactivate',
] as const;
export const AuditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditActionSchema>;

const IsoDate = z.iso.datetime({ offset: true });

/** A Symbol admin (from the verified bearer token), or the sync engine in one of its runs. */
export const AuditActorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), subject: z.string().min(1).max(256), email: z.string().max(254).nullable() }).strict(),
  z.object({ type: z.literal('sync'), runId: z.string().min(1).max(128) }).strict(),
]);
export type AuditActor = z.infer<typeof AuditActorSchema>;

export const AuditTargetSchema = z
  .object({
    type: z.enum(['integration', 'directory_user', 'symbol_user']),
    /** Company id, Entra object id or Symbol user id. */
    id: z.string().min(1).max(128),
    /** The label an admin recognises (display name), when the target is a person. */
    name: z.string().max(256).nullable(),
    email: z.string().max(254).nullable(),
  })
  .strict();
export type AuditTarget = z.infer<typeof AuditTargetSchema>;

/** A text field's value before and after (every field a merge changes is text or null). */
export const FieldChangesSchema = z.record(
  z.string().min(1).max(64),
  z.object({ before: z.string().max(1024).nullable(), after: z.string().max(1024).nullable() }).strict(),
);
export type FieldChanges = z.infer<typeof FieldChangesSchema>;

/** A setting's value before and after, by dotted path (`exclude.guests`, `notifyEmails`). */
export const SettingChangesSchema = z.record(z.string().min(1).max(128), z.object({ before: z.json(), after: z.json() }).strict());
export type SettingChanges = z.infer<typeof SettingChangesSchema>;

const base = {
  companyId: CompanyIdSchema,
  /** `{at}.{digest of the rest}`: sorts by time, and the same entry written twice is one entry. */
  id: z.string().min(1).max(128),
  at: IsoDate,
  actor: AuditActorSchema,
  target: AuditTargetSchema,
};

const entry = <A extends AuditAction, D extends z.ZodType>(action: A, details: D) => z.object({ ...base, action: z.literal(action), details }).strict();

export const AuditEntrySchema = z.discriminatedUnion('action', [
  entry('connect', z.object({ tenantId: z.string().min(1).max(64), previousTenantId: z.string().max(64).nullable(), consentedBy: TenantAdminSchema.nullable() }).strict()),
  entry('disconnect', z.object({ tenantId: z.string().max(64).nullable() }).strict()),
  entry('settings_change', z.object({ changes: SettingChangesSchema }).strict()),
  /** `rule`: set when an admin applied the auto-approve rule to users already waiting. */
  entry('approve', z.object({ symbolUserId: z.string().min(1).max(64), merged: z.boolean(), rule: AutoApproveSchema.nullable() }).strict()),
  entry('deny', z.object({ previousStatus: z.enum(['pending', 'excluded']) }).strict()),
  entry('restore', z.object({}).strict()),
  entry('merge', z.object({ entraObjectId: z.string().min(1).max(64), changed: FieldChangesSchema }).strict()),
  /** `emailKept`: the address before the merge belongs to another user now, so the current one stayed. */
  entry('merge_undo', z.object({ entraObjectId: z.string().min(1).max(64), mergedAt: IsoDate, restored: FieldChangesSchema, returnedToPending: z.boolean(), emailKept: z.boolean() }).strict()),
  entry('held_release', z.object({ runId: z.string().min(1).max(128), held: z.number().int().min(0) }).strict()),
  entry('auto_approve', z.object({ symbolUserId: z.string().min(1).max(64), merged: z.boolean(), rule: AutoApproveSchema }).strict()),
  /** `released`: an admin released it after the deletion guard held it. */
  entry('deactivate', z.object({ entraObjectId: z.string().min(1).max(64), reason: RemovalReasonSchema, released: z.boolean() }).strict()),
  entry('reactivate', z.object({ entraObjectId: z.string().min(1).max(64) }).strict()),
]);
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type AuditEntryInput = WithoutId<AuditEntry>;

/**
 * An entry with its id: the time, then a digest of everything else. Ids sort newest last (ISO
 * times compare as text), and writing the very same entry again (a retried write) stores it once.
 */
export function auditEntry(input: AuditEntryInput): AuditEntry {
  const digest = fingerprintHash(JSON.stringify([input.companyId, input.action, input.actor, input.target, input.details]));
  return { ...input, id: `${input.at}.${digest}` };
}

export function userActor(principal: { subject: string; email: string | null }): AuditActor {
  return { type: 'user', subject: principal.subject, email: principal.email };
}

export function syncActor(runId: string): AuditActor {
  return { type: 'sync', runId };
}

/** A directory user as an entry names it: its object id, display name and mailbox address. */
export function directoryUserTarget(user: { id: string; attributes: DirectoryAttributes }): AuditTarget {
  return { type: 'directory_user', id: user.id, name: truncate(displayNameOf(user.attributes), 256), email: truncate(mailboxAddress(user.attributes), 254) };
}

export function symbolUserTarget(user: { id: string; displayName: string | null; email: string }): AuditTarget {
  return { type: 'symbol_user', id: user.id, name: user.displayName, email: user.email };
}

export function integrationTarget(companyId: string): AuditTarget {
  return { type: 'integration', id: companyId, name: null, email: null };
}

function truncate(value: string | null, max: number): string | null {
  return value === null || value === '' ? null : value.slice(0, max);
}

/** Who an actor filter (`sync`, a subject, or an e-mail address in any case) matches. */
export function actorMatches(actor: AuditActor, filter: string): boolean {
  if (filter === 'sync') return actor.type === 'sync';
  return actor.type === 'user' && (actor.subject === filter || actor.email === filter.toLowerCase());
}

type Json = z.infer<ReturnType<typeof z.json>>;

/** What a settings change changed, leaf by leaf (`exclude.guests`); lists are compared whole. */
export function settingsChanges(before: Record<string, unknown>, after: Record<string, unknown>): SettingChanges {
  const changes: SettingChanges = {};
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], path ? `${path}.${key}` : key);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[path] = { before: toJson(a), after: toJson(b) };
  };
  walk(before, after, '');
  return changes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toJson(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}
