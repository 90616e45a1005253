import { z } from 'zod';
import { CompanyIdSchema } from './company-id';

/** Bodies of messages on the `notifications` queue. Each kind renders to one e-mail. */
export const IntegrationConnectedMessageSchema = z
  .object({
    kind: z.literal('integration-connected'),
    version: z.literal(1),
    companyId: CompanyIdSchema,
    to: z.array(z.email()).min(1).max(20),
    tenantId: z.string().min(1).max(64),
    connectedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type IntegrationConnectedMessage = z.infer<typeof IntegrationConnectedMessageSchema>;

export const NotificationMessageSchema = z.discriminatedUnion('kind', [IntegrationConnectedMessageSchema]);
export type NotificationMessage = z.infer<typeof NotificationMessageSchema>;
