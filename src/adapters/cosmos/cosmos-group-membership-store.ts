import { Container, Database } from '@azure/cosmos';
import { z } from 'zod';
import { GuidSchema } from '../../domain/company-id';
import {
  GroupMembershipStore,
  MAX_MEMBERSHIP_PAGE_SIZE,
  UserMemberships,
} from '../../ports/group-membership-store.port';
import { Page } from '../../ports/sync-run-store.port';
import { mapWithConcurrency } from '../../shared/bounded-concurrency';
import { isCosmosStatus, mapCosmosError, parseStoredDocument } from './cosmos-documents';
import { assertPageLimit, queryPage } from './cosmos-paging';
import { GROUP_MEMBERSHIPS_CONTAINER } from './cosmos-schema';

/**
 * `group-memberships`: one document per company and user (id = the user's object id, partitioned
 * by company) listing the tracked groups the user is a direct member of. A page of users reads its
 * memberships with one single-partition query; membership changes cost one write per user changed.
 */

const MembershipDocumentSchema = z
  .object({
    companyId: z.string().min(1).max(64),
    userId: GuidSchema,
    groups: z.array(GuidSchema).max(1000),
  })
  .strict();

const WRITE_CONCURRENCY = 16;
const READ_CHUNK = 200;

export class CosmosGroupMembershipStore implements GroupMembershipStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(GROUP_MEMBERSHIPS_CONTAINER);
  }

  async getMany(companyId: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const ids = [...new Set(userIds.map((id) => id.toLowerCase()))];
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      const chunk = ids.slice(i, i + READ_CHUNK);
      try {
        const { resources } = await this.container.items
          .query<unknown>(
            {
              query: 'SELECT * FROM c WHERE c.companyId = @companyId AND ARRAY_CONTAINS(@ids, c.id)',
              parameters: [
                { name: '@companyId', value: companyId },
                { name: '@ids', value: chunk },
              ],
            },
            { partitionKey: companyId },
          )
          .fetchAll();
        for (const resource of resources) {
          const doc = parseStoredDocument(MembershipDocumentSchema, GROUP_MEMBERSHIPS_CONTAINER, resource, {
            field: 'userId',
          });
          found.set(doc.userId, doc.groups);
        }
      } catch (error) {
        mapCosmosError(error, 'read group memberships');
      }
    }
    return found;
  }

  async putMany(companyId: string, memberships: readonly UserMemberships[]): Promise<void> {
    await mapWithConcurrency(memberships, WRITE_CONCURRENCY, async (m) => {
      const userId = m.userId.toLowerCase();
      try {
        if (m.groups.length === 0) {
          await this.container.item(userId, companyId).delete();
          return;
        }
        const doc = MembershipDocumentSchema.parse({
          companyId,
          userId,
          groups: [...new Set(m.groups.map((g) => g.toLowerCase()))].sort(),
        });
        await this.container.items.upsert({ ...doc, id: userId });
      } catch (error) {
        if (m.groups.length === 0 && isCosmosStatus(error, 404)) return;
        mapCosmosError(error, 'write group memberships');
      }
    });
  }

  async list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<UserMemberships>> {
    assertPageLimit(options.limit, MAX_MEMBERSHIP_PAGE_SIZE);
    return queryPage(
      this.container,
      {
        query: 'SELECT * FROM c WHERE c.companyId = @companyId ORDER BY c.id',
        parameters: [{ name: '@companyId', value: companyId }],
      },
      companyId,
      options,
      (resource) => {
        const doc = parseStoredDocument(MembershipDocumentSchema, GROUP_MEMBERSHIPS_CONTAINER, resource, {
          field: 'userId',
        });
        return { userId: doc.userId, groups: doc.groups };
      },
      'list group memberships',
    );
  }
}
