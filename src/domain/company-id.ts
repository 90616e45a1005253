import { z } from 'zod';

/**
 * Symbol company ids travel in URLs, Cosmos partition keys and Service Bus session ids
 * (max 128 chars), so they are kept to a conservative alphabet.
 */
export const CompanyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');

export type CompanyId = z.infer<typeof CompanyIdSchema>;

/** Entra tenant ids and object ids are GUIDs. */
export const GuidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID')
  .transform((value) => value.toLowerCase());
