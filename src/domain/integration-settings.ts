import { z } from 'zod';
import { EVERYONE, ScopeDomainsSchema, ScopeGroupsSchema, ScopeSettingsSchema } from './directory/scope';

export const DEFAULT_ROLE_ADDRESS_PATTERNS = [
  'info',
  'noreply',
  'no-reply',
  'donotreply',
  'do-not-reply',
  'support',
  'help',
  'helpdesk',
  'admin',
  'administrator',
  'postmaster',
  'hostmaster',
  'webmaster',
  'abuse',
  'security',
  'sales',
  'marketing',
  'hr',
  'jobs',
  'careers',
  'billing',
  'accounts',
  'accounting',
  'invoices',
  'finance',
  'office',
  'contact',
  'hello',
  'team',
  'reception',
  'it',
  'mailer-daemon',
] as const;

export const AutoApproveSchema = z.enum(['off', 'clean', 'matched', 'clean_or_matched']);
export type AutoApprove = z.infer<typeof AutoApproveSchema>;

/** A local-part pattern: letters, digits, `.`, `_`, `-`, `+`, and `*` as a wildcard. */
const RoleAddressPatternSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9._+*-]+$/, 'must be an e-mail local part, with * as a wildcard');

const EmailSchema = z.email().max(254);

export const ExclusionsSchema = z
  .object({
    guests: z.boolean(),
    disabled: z.boolean(),
    unlicensed: z.boolean(),
    roleAddresses: z.boolean(),
  })
  .strict();

export const IntegrationSettingsSchema = z
  .object({
    autoApprove: AutoApproveSchema,
    exclude: ExclusionsSchema,
    roleAddressPatterns: z.array(RoleAddressPatternSchema).max(200),
    /** Empty means "the admin who connected". */
    notifyEmails: z.array(EmailSchema).max(20),
    deletionThresholdPercent: z.number().min(0).max(100),
    deletionThresholdMinimum: z.number().int().min(0).max(1_000_000),
    /** Who the sync covers: members of these groups (nested too) and/or these e-mail domains; empty = everyone. */
    scope: ScopeSettingsSchema.default(EVERYONE),
    /**
     * Start the first full import as soon as the company is connected (default). Off: connecting
     * imports nothing until an admin presses Sync Now — time for a dry-run preview first.
     */
    importOnConnect: z.boolean().default(true),
  })
  .strict();

export type IntegrationSettings = z.infer<typeof IntegrationSettingsSchema>;

export const DEFAULT_SETTINGS: IntegrationSettings = {
  autoApprove: 'off',
  exclude: { guests: false, disabled: false, unlicensed: false, roleAddresses: false },
  roleAddressPatterns: [...DEFAULT_ROLE_ADDRESS_PATTERNS],
  notifyEmails: [],
  deletionThresholdPercent: 20,
  deletionThresholdMinimum: 10,
  scope: EVERYONE,
  importOnConnect: true,
};

/** What `PATCH …/entra/settings` accepts: any subset, `exclude` itself partially. Unknown fields are errors. */
export const SettingsPatchSchema = z
  .object({
    autoApprove: AutoApproveSchema.optional(),
    exclude: ExclusionsSchema.partial().strict().optional(),
    roleAddressPatterns: IntegrationSettingsSchema.shape.roleAddressPatterns.optional(),
    notifyEmails: IntegrationSettingsSchema.shape.notifyEmails.optional(),
    deletionThresholdPercent: IntegrationSettingsSchema.shape.deletionThresholdPercent.optional(),
    deletionThresholdMinimum: IntegrationSettingsSchema.shape.deletionThresholdMinimum.optional(),
    /** Either part may be given alone; the other stays as it is. */
    scope: z
      .object({ groups: ScopeGroupsSchema.optional(), domains: ScopeDomainsSchema.optional() })
      .strict()
      .optional(),
    importOnConnect: z.boolean().optional(),
  })
  .strict();

export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export function applySettingsPatch(current: IntegrationSettings, patch: SettingsPatch): IntegrationSettings {
  return {
    autoApprove: patch.autoApprove ?? current.autoApprove,
    exclude: { ...current.exclude, ...stripUndefined(patch.exclude ?? {}) },
    roleAddressPatterns: patch.roleAddressPatterns ? dedupe(patch.roleAddressPatterns) : current.roleAddressPatterns,
    notifyEmails: patch.notifyEmails ? dedupe(patch.notifyEmails.map((e) => e.toLowerCase())) : current.notifyEmails,
    deletionThresholdPercent: patch.deletionThresholdPercent ?? current.deletionThresholdPercent,
    deletionThresholdMinimum: patch.deletionThresholdMinimum ?? current.deletionThresholdMinimum,
    scope: patch.scope
      ? ScopeSettingsSchema.parse({ groups: patch.scope.groups ?? current.scope.groups, domains: patch.scope.domains ?? current.scope.domains })
      : current.scope,
    importOnConnect: patch.importOnConnect ?? current.importOnConnect,
  };
}

/** Who receives integration e-mails: the configured list, or else the admin who connected. */
export function notificationRecipients(settings: IntegrationSettings, connectedByEmail: string | null): string[] {
  if (settings.notifyEmails.length > 0) return settings.notifyEmails;
  return connectedByEmail ? [connectedByEmail] : [];
}

function dedupe<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
