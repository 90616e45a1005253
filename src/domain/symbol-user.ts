import { z } from 'zod';
import { CompanyIdSchema } from './company-id';

const IsoDate = z.iso.datetime({ offset: true });

/**
 * The fields a merge takes from the directory (and an undo gives back): the personal details,
 * the address, the Entra link and the status (a merge reactivates an inactive user).
 */
const detailFields = {
  email: z.string().min(3).max(254),
  givenName: z.string().max(256).nullable(),
  surname: z.string().max(256).nullable(),
  displayName: z.string().max(256).nullable(),
  jobTitle: z.string().max(256).nullable(),
  department: z.string().max(256).nullable(),
  officeLocation: z.string().max(256).nullable(),
  mobilePhone: z.string().max(64).nullable(),
  country: z.string().max(128).nullable(),
  city: z.string().max(128).nullable(),
  employeeId: z.string().max(64).nullable(),
  managerEntraId: z.string().max(64).nullable(),
  /** The Entra object id once approved from the directory: the identity from then on. */
  entraObjectId: z.string().max(64).nullable(),
  status: z.enum(['active', 'inactive']),
  deactivatedAt: IsoDate.nullable(),
};

/** A Symbol user's merge-owned fields as they were right before a merge: what undoing it restores. */
export const MergeSnapshotSchema = z.object(detailFields).strict();
export type MergeSnapshot = z.infer<typeof MergeSnapshotSchema>;
export const MERGE_SNAPSHOT_FIELDS = Object.keys(detailFields) as Array<keyof MergeSnapshot>;

/** A user of the Symbol product (trained, phished, billed when active). */
export const SymbolUserSchema = z
  .object({
    id: z.string().min(1).max(64),
    companyId: CompanyIdSchema,
    ...detailFields,
    /** Lower-cased e-mail: unique per company (a Cosmos unique key). */
    emailKey: z.string().min(3).max(254),
    source: z.enum(['entra', 'manual', 'csv']),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    /**
     * Data this backend does not interpret but must keep (e.g. a reference to training records
     * kept elsewhere): approving and merging never touch it.
     */
    customFields: z.record(z.string().min(1).max(64), z.string().max(1024)).default({}),
    /** How the user got linked to Entra: who approved, when, merged or not, what the merge changed. */
    links: z
      .array(
        z
          .object({
            entraObjectId: z.string().max(64),
            at: IsoDate,
            by: z.string().max(256),
            merged: z.boolean(),
            changedFields: z.array(z.string().max(64)).max(50),
            /** What a merge changed, field by field (recorded since merges became visible; older links have none). */
            changes: z
              .record(z.string().max(64), z.object({ before: z.string().max(1024).nullable(), after: z.string().max(1024).nullable() }).strict())
              .default({}),
            /** A merge's snapshot of the user before it (recorded since merges became undoable). */
            previous: MergeSnapshotSchema.nullable().default(null),
            /** Set when an admin undid the merge: the link no longer holds. */
            undone: z.object({ at: IsoDate, by: z.string().max(256) }).strict().nullable().default(null),
          })
          .strict(),
      )
      .max(20)
      .default([]),
  })
  .strict();
export type SymbolUser = z.infer<typeof SymbolUserSchema>;
export type SymbolUserLink = SymbolUser['links'][number];
