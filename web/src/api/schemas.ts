import { z } from 'zod';

/**
 * The API's answers as the console reads them, validated with zod: an answer that does not fit is
 * an error shown to the admin, never half-rendered. Objects ignore fields they do not know, so the
 * API can grow without breaking the console.
 */

export const ProblemSchema = z.object({
  status: z.number(),
  code: z.string(),
  title: z.string().optional(),
  detail: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const LastSyncSchema = z.object({
  runId: z.string(),
  status: z.string(),
  trigger: z.string(),
  mode: z.string(),
  queuedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type LastSync = z.infer<typeof LastSyncSchema>;

export const CountsSchema = z.object({
  pending: z.number(),
  denied: z.number(),
  excluded: z.number().default(0),
  held: z.number().default(0),
  activeUsers: z.number(),
});

export const SettingsSchema = z.object({
  autoApprove: z.enum(['off', 'clean', 'matched', 'clean_or_matched']),
  exclude: z.object({ guests: z.boolean(), disabled: z.boolean(), unlicensed: z.boolean(), roleAddresses: z.boolean() }),
  roleAddressPatterns: z.array(z.string()),
  notifyEmails: z.array(z.string()),
  deletionThresholdPercent: z.number(),
  deletionThresholdMinimum: z.number(),
  /** Who the sync covers: members of these groups (nested too) and/or addresses in these domains; empty = everyone. */
  scope: z.object({ groups: z.array(z.string()), domains: z.array(z.string()) }).default({ groups: [], domains: [] }),
  /** Start the first import when the company is connected; off: only Sync Now starts it (preview first). */
  importOnConnect: z.boolean().default(true),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** The sync scope as the status reports it: the groups by name (null until a sync has read them) and whether it is in effect. */
export const ScopeStatusSchema = z.object({
  groups: z.array(z.object({ id: z.string(), displayName: z.string().nullable() })),
  domains: z.array(z.string()),
  state: z.string(),
  untrackedGroups: z.number().default(0),
});
export type ScopeStatus = z.infer<typeof ScopeStatusSchema>;

export const IntegrationStatusSchema = z.object({
  companyId: z.string(),
  status: z.string(),
  tenantId: z.string().nullable(),
  connectedAt: z.string().nullable(),
  connectedBy: z.object({ email: z.string().nullable() }).nullable().optional(),
  disconnectedAt: z.string().nullable().optional(),
  lastSync: LastSyncSchema.nullable(),
  subscription: z.object({ id: z.string(), expiresAt: z.string(), lastNotificationAt: z.string().nullable().optional() }).nullable().optional(),
  confirmedInSyncAt: z.string().nullable().optional(),
  counts: CountsSchema,
  settings: SettingsSchema,
  notificationRecipients: z.array(z.string()).default([]),
  scope: ScopeStatusSchema.default({ groups: [], domains: [], state: 'everyone', untrackedGroups: 0 }),
});
export type IntegrationStatus = z.infer<typeof IntegrationStatusSchema>;

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const CompanySummarySchema = z.object({
  companyId: z.string(),
  status: z.string(),
  tenantId: z.string().nullable(),
  connectedAt: z.string().nullable().optional(),
  lastSync: LastSyncSchema.nullable(),
  counts: CountsSchema,
});
export type CompanySummary = z.infer<typeof CompanySummarySchema>;
export const CompaniesPageSchema = page(CompanySummarySchema);

export const ReasonSchema = z.object({ code: z.string(), text: z.string() });

export const PendingUserSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  userPrincipalName: z.string().nullable(),
  jobTitle: z.string().nullable(),
  department: z.string().nullable(),
  flags: z.array(z.string()),
  reasons: z.array(ReasonSchema).default([]),
  matchedUserId: z.string().nullable(),
  matchedUser: z.object({ id: z.string(), email: z.string(), displayName: z.string().nullable(), source: z.string(), status: z.string() }).nullable().optional(),
  matchConflict: z.array(z.string()).nullable().optional(),
  status: z.string(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
});
export type PendingUser = z.infer<typeof PendingUserSchema>;
export const PendingPageSchema = page(PendingUserSchema);
export type PendingPage = z.infer<typeof PendingPageSchema>;

const FailureSchema = z.object({ id: z.string(), code: z.string() });
export const ApproveResultSchema = z.object({ approved: z.array(z.object({ id: z.string(), userId: z.string(), merged: z.boolean() })), failed: z.array(FailureSchema) });
export type ApproveResult = z.infer<typeof ApproveResultSchema>;
export const DenyResultSchema = z.object({ denied: z.array(z.string()), failed: z.array(FailureSchema) });
export const RestoreResultSchema = z.object({ restored: z.array(z.string()), failed: z.array(FailureSchema) });

export const AutoApprovePreviewSchema = z.object({
  autoApprove: z.string(),
  wouldApprove: z.number(),
  sample: z.array(z.object({ id: z.string(), displayName: z.string(), email: z.string().nullable() })),
});
export type AutoApprovePreview = z.infer<typeof AutoApprovePreviewSchema>;

export const SymbolUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  givenName: z.string().nullable(),
  surname: z.string().nullable(),
  displayName: z.string().nullable(),
  jobTitle: z.string().nullable(),
  department: z.string().nullable(),
  entraObjectId: z.string().nullable(),
  status: z.string(),
  source: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deactivatedAt: z.string().nullable().optional(),
  merged: z.boolean().default(false),
});
export type SymbolUser = z.infer<typeof SymbolUserSchema>;
export const UsersPageSchema = page(SymbolUserSchema);

export const UserDetailSchema = SymbolUserSchema.extend({
  customFields: z.record(z.string(), z.string()).default({}),
  merge: z
    .object({
      mergedAt: z.string(),
      by: z.string(),
      entraObjectId: z.string(),
      changed: z.record(z.string(), z.object({ before: z.string().nullable(), after: z.string().nullable() })),
      undoableUntil: z.string().nullable().optional(),
    })
    .nullable(),
});
export type UserDetail = z.infer<typeof UserDetailSchema>;

export const SyncRunSchema = z.object({
  runId: z.string(),
  trigger: z.string(),
  mode: z.string(),
  status: z.string(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable().optional(),
  pages: z.number().default(0),
  invocations: z.number().default(0),
  counts: z.record(z.string(), z.number()),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** A preview (dry run): it read the directory and wrote no user; its lists are under …/preview. */
  dryRun: z.boolean().default(false),
  preview: z
    .object({
      /** Auto-approvals that would merge into an existing Symbol user (counted in autoApproved too). */
      merged: z.number(),
      /** Whether the deletion guard would hold the deactivations (counted as held, not deactivated). */
      wouldHold: z.boolean(),
      /** The preview judged with settings other than the company's (at the time it was asked for). */
      proposedSettings: z.boolean(),
      settings: SettingsSchema,
    })
    .nullable()
    .default(null),
});
export type SyncRun = z.infer<typeof SyncRunSchema>;
export const SyncRunsPageSchema = page(SyncRunSchema);

export const SyncNowSchema = z.object({ runId: z.string(), coalesced: z.boolean().optional(), mode: z.string().optional() });

export const PreviewRequestedSchema = z.object({ runId: z.string(), dryRun: z.literal(true), proposedSettings: z.boolean() });

export const PreviewItemSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  reasons: z.array(ReasonSchema),
  /** merged: the Symbol user the approval would merge into. */
  matchedUserId: z.string().nullable().default(null),
});
export type PreviewItem = z.infer<typeof PreviewItemSchema>;
export const PreviewListSchema = page(PreviewItemSchema).extend({ runId: z.string(), category: z.string() });

export const GroupSchema = z.object({ id: z.string(), displayName: z.string(), mail: z.string().nullable() });
export type Group = z.infer<typeof GroupSchema>;
export const GroupsSchema = z.object({ items: z.array(GroupSchema) });

export const HeldPageSchema = page(
  z.object({ id: z.string(), displayName: z.string(), email: z.string().nullable(), symbolUserId: z.string().nullable(), reason: z.string(), reasonText: z.string(), detectedAt: z.string(), runId: z.string() }),
).extend({ guard: z.object({ thresholdPercent: z.number(), thresholdMinimum: z.number(), heldRunId: z.string().nullable() }) });
export type HeldPage = z.infer<typeof HeldPageSchema>;

export const ConnectSchema = z.object({ consentUrl: z.string(), expiresAt: z.string() });

export const AuditActorSchema = z.union([
  z.object({ type: z.literal('user'), subject: z.string(), email: z.string().nullable() }),
  z.object({ type: z.literal('sync'), runId: z.string() }),
]);
export type AuditActor = z.infer<typeof AuditActorSchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  action: z.string(),
  actor: AuditActorSchema,
  target: z.object({ type: z.string(), id: z.string(), name: z.string().nullable(), email: z.string().nullable() }),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export const AuditPageSchema = page(AuditEntrySchema);
