import { z } from 'zod';
import { FlagSchema } from '../domain/directory/directory-user';

/** `{ ids: [...] }` for approve / deny / restore: 1 to 1,000 Entra object ids, duplicates folded. */
export const IdsBodySchema = z
  .object({
    ids: z
      .array(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an Entra object id'))
      .min(1, 'must hold at least one id')
      .max(1000, 'must hold at most 1,000 ids')
      .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))]),
  })
  .strict();

export const PendingListQuerySchema = z
  .object({
    status: z.enum(['pending', 'denied', 'excluded', 'approved']).default('pending'),
    search: z.string().trim().min(1).max(128).optional(),
    flag: FlagSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).max(12_000).optional(),
  })
  .strict();

/**
 * `POST …/pending-users/search`: the list's query in a JSON body, so the search text never
 * appears in a URL (request telemetry and proxies log URLs). Same fields and limits as the GET.
 */
export const PendingSearchBodySchema = z
  .object({
    status: z.enum(['pending', 'denied', 'excluded', 'approved']).default('pending'),
    search: z.string().trim().max(128).optional().transform((s) => (s === undefined || s === '' ? undefined : s)),
    flag: FlagSchema.nullable().optional(),
    limit: z.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).max(12_000).nullable().optional(),
  })
  .strict();

/** `POST …/pending-users/apply-auto-approve`: `{ "dryRun": true }` only counts. */
export const ApplyAutoApproveBodySchema = z.object({ dryRun: z.boolean().default(false) }).strict();

/** Bodies of up to 1,000 ids of ≤ 64 characters, with JSON overhead. */
export const IDS_BODY_MAX_BYTES = 96 * 1024;
