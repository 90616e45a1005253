import { z } from 'zod';
import { CompanyIdSchema } from '../company-id';

/**
 * The directory side of the product: what we keep of each Entra user, keyed by its object id.
 */

/** The narrow `$select` for `users/delta` (DESIGN.md): only these properties make a user reappear. */
export const DIRECTORY_SELECT = [
  'id',
  'userPrincipalName',
  'mail',
  'otherMails',
  'proxyAddresses',
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
  'accountEnabled',
  'userType',
  'creationType',
  'assignedLicenses',
  'manager',
] as const;

export const DirectoryAttributesSchema = z
  .object({
    userPrincipalName: z.string().nullable(),
    mail: z.string().nullable(),
    otherMails: z.array(z.string()),
    proxyAddresses: z.array(z.string()),
    givenName: z.string().nullable(),
    surname: z.string().nullable(),
    displayName: z.string().nullable(),
    jobTitle: z.string().nullable(),
    department: z.string().nullable(),
    officeLocation: z.string().nullable(),
    companyName: z.string().nullable(),
    employeeId: z.string().nullable(),
    mobilePhone: z.string().nullable(),
    country: z.string().nullable(),
    city: z.string().nullable(),
    usageLocation: z.string().nullable(),
    accountEnabled: z.boolean(),
    userType: z.string().nullable(),
    creationType: z.string().nullable(),
    /** `assignedLicenses` is non-empty. The SKUs themselves are not kept. */
    licensed: z.boolean(),
    managerId: z.string().nullable(),
  })
  .strict();
export type DirectoryAttributes = z.infer<typeof DirectoryAttributesSchema>;

/** A user first seen with some properties absent: absent means empty. */
export const EMPTY_ATTRIBUTES: DirectoryAttributes = {
  userPrincipalName: null,
  mail: null,
  otherMails: [],
  proxyAddresses: [],
  givenName: null,
  surname: null,
  displayName: null,
  jobTitle: null,
  department: null,
  officeLocation: null,
  companyName: null,
  employeeId: null,
  mobilePhone: null,
  country: null,
  city: null,
  usageLocation: null,
  accountEnabled: true,
  userType: null,
  creationType: null,
  licensed: false,
  managerId: null,
};

/**
 * `resource_mailbox`: a shared, room or equipment mailbox as far as the directory data shows it
 * (see classification.ts); Graph's user properties under `User.Read.All` carry no mailbox type.
 */
export const FLAGS = ['guest', 'disabled', 'unlicensed', 'role_address', 'no_mailbox', 'resource_mailbox'] as const;
export const FlagSchema = z.enum(FLAGS);
export type Flag = z.infer<typeof FlagSchema>;

export const DirectoryUserStatusSchema = z.enum(['pending', 'denied', 'approved', 'excluded']);
export type DirectoryUserStatus = z.infer<typeof DirectoryUserStatusSchema>;

export const RemovalReasonSchema = z.enum(['deleted', 'soft_deleted', 'disabled', 'not_seen', 'out_of_scope']);
export type RemovalReason = z.infer<typeof RemovalReasonSchema>;

const IsoDate = z.iso.datetime({ offset: true });

/**
 * Why a user is outside the company's scope (settings.scope), as the sync last decided it: not in
 * the scope's groups, its domain not in the scope's domains, or its groups could not be read (the
 * tenant's consent lacks GroupMember.Read.All). Null: in scope (or no scope set).
 */
export const ScopeNoteSchema = z
  .object({
    rule: z.enum(['group', 'domain', 'groups_unreadable']),
    domain: z.string().max(253).nullable(),
  })
  .strict();
export type ScopeNote = z.infer<typeof ScopeNoteSchema>;
/** What a run counted a directory user's write as (the run's counters; see SyncCounts). */
export const SyncCounterSchema = z.enum(['newPending', 'autoApproved', 'updated', 'unchanged', 'excluded', 'removed', 'invalid']);

/**
 * The sync write that made a record's current version: its round, the attempt (invocation) and
 * page that wrote it, and what the run counted it as. An attempt that dies after writing but
 * before its checkpoint loses those counts; the next attempt reads the page again, finds the
 * record already written, and counts it from this stamp instead of as "unchanged".
 */
export const SyncWriteSchema = z
  .object({
    roundId: z.string().min(1).max(64),
    attempt: z.number().int().min(1),
    page: z.number().int().min(0),
    counted: SyncCounterSchema.nullable(),
  })
  .strict();
export type SyncWrite = z.infer<typeof SyncWriteSchema>;

export const DirectoryUserRecordSchema = z
  .object({
    companyId: CompanyIdSchema,
    /** Entra object id: the identity key, never the e-mail. */
    id: z.string().min(1).max(64),
    connectionId: z.string().min(1).max(64),
    attributes: DirectoryAttributesSchema,
    /** Hash of the synced attributes: an unchanged user costs no write. */
    hash: z.string().min(1).max(128),
    status: DirectoryUserStatusSchema,
    flags: z.array(FlagSchema),
    /** The Symbol user this entry was approved into (or merged with). */
    symbolUserId: z.string().nullable(),
    /** Approved users removed or disabled in Entra: the Symbol user is inactive (history kept). */
    deactivated: z.object({ reason: RemovalReasonSchema, at: IsoDate }).strict().nullable(),
    /**
     * A removal seen by a run but not applied yet: removals are applied when the run ends, after
     * the deletion guard has looked at how many there are.
     */
    pendingRemoval: z.object({ reason: RemovalReasonSchema, runId: z.string(), detectedAt: IsoDate }).strict().nullable(),
    /** Set while the user is outside the scope (status `excluded`, or an approved user deactivated for it). */
    scope: ScopeNoteSchema.nullable().default(null),
    firstSeenAt: IsoDate,
    lastChangedAt: IsoDate,
    /** Last full round this user was seen in (used to sweep users a full round did not return). */
    seenRound: z.string().nullable(),
    decidedAt: IsoDate.nullable(),
    decidedBy: z.string().nullable(),
    /** The last sync write of this record (absent on records last synced before stamps existed); admin decisions keep it as it is. */
    syncWrite: SyncWriteSchema.optional(),
  })
  .strict();
export type DirectoryUserRecord = z.infer<typeof DirectoryUserRecordSchema>;
