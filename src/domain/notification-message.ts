import { z } from 'zod';
import { CompanyIdSchema } from './company-id';

/** Bodies of messages on the `notifications` queue. Each kind renders to one e-mail. */
const Recipients = z.array(z.email()).min(1).max(20);
const IsoDate = z.iso.datetime({ offset: true });

export const IntegrationConnectedMessageSchema = z
  .object({
    kind: z.literal('integration-connected'),
    version: z.literal(1),
    companyId: CompanyIdSchema,
    to: Recipients,
    tenantId: z.string().min(1).max(64),
    connectedAt: IsoDate,
  })
  .strict();
export type IntegrationConnectedMessage = z.infer<typeof IntegrationConnectedMessageSchema>;

/** One per sync run that found new pending users. */
export const NewPendingUsersMessageSchema = z
  .object({
    kind: z.literal('new-pending-users'),
    version: z.literal(1),
    companyId: CompanyIdSchema,
    to: Recipients,
    runId: z.string().min(1).max(64),
    count: z.number().int().positive(),
    sample: z.array(z.string().max(256)).max(10),
  })
  .strict();
export type NewPendingUsersMessage = z.infer<typeof NewPendingUsersMessageSchema>;

/** Once per connection, when Graph says the app may no longer read the tenant. */
export const ConsentRevokedMessageSchema = z
  .object({
    kind: z.literal('consent-revoked'),
    version: z.literal(1),
    companyId: CompanyIdSchema,
    to: Recipients,
    tenantId: z.string().min(1).max(64),
    detectedAt: IsoDate,
  })
  .strict();
export type ConsentRevokedMessage = z.infer<typeof ConsentRevokedMessageSchema>;

/** The deletion guard held a run's deactivations. */
export const DeactivationsHeldMessageSchema = z
  .object({
    kind: z.literal('deactivations-held'),
    version: z.literal(1),
    companyId: CompanyIdSchema,
    to: Recipients,
    runId: z.string().min(1).max(64),
    held: z.number().int().positive(),
    activeSynced: z.number().int().min(0),
    thresholdPercent: z.number().min(0).max(100),
  })
  .strict();
export type DeactivationsHeldMessage = z.infer<typeof DeactivationsHeldMessageSchema>;

export const NotificationMessageSchema = z.discriminatedUnion('kind', [IntegrationConnectedMessageSchema, NewPendingUsersMessageSchema, ConsentRevokedMessageSchema, DeactivationsHeldMessageSchema]);
export type NotificationMessage = z.infer<typeof NotificationMessageSchema>;
