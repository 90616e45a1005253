import { AppError } from '../../src/domain/app-error';
import {
  GroupMembershipStore,
  MAX_MEMBERSHIP_PAGE_SIZE,
  UserMemberships,
} from '../../src/ports/group-membership-store.port';
import { Page } from '../../src/ports/sync-run-store.port';

/** The membership store in memory, with the Cosmos adapter's rules (see the contract suite). */
export class MemoryGroupMembershipStore implements GroupMembershipStore {
  readonly docs = new Map<string, Map<string, string[]>>();

  private company(companyId: string): Map<string, string[]> {
    let docs = this.docs.get(companyId);
    if (!docs) {
      docs = new Map();
      this.docs.set(companyId, docs);
    }
    return docs;
  }

  getMany(companyId: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const docs = this.company(companyId);
    const found = new Map<string, string[]>();
    for (const id of userIds) {
      const groups = docs.get(id.toLowerCase());
      if (groups) found.set(id.toLowerCase(), [...groups]);
    }
    return Promise.resolve(found);
  }

  putMany(companyId: string, memberships: readonly UserMemberships[]): Promise<void> {
    const docs = this.company(companyId);
    for (const m of memberships) {
      const id = m.userId.toLowerCase();
      if (m.groups.length === 0) docs.delete(id);
      else docs.set(id, [...new Set(m.groups.map((g) => g.toLowerCase()))].sort());
    }
    return Promise.resolve();
  }

  list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<UserMemberships>> {
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_MEMBERSHIP_PAGE_SIZE) {
      return Promise.reject(
        new AppError('validation_failed', `limit must be an integer from 1 to ${String(MAX_MEMBERSHIP_PAGE_SIZE)}`),
      );
    }
    // Keyset cursor: the last user id of the previous page (paging while writing skips nothing).
    const after = options.cursor === null ? '' : Buffer.from(options.cursor, 'base64url').toString('utf8');
    const ids = [...this.company(companyId).keys()].filter((id) => id > after).sort();
    const items = ids
      .slice(0, options.limit)
      .map((userId) => ({ userId, groups: [...(this.company(companyId).get(userId) ?? [])] }));
    const last = items.at(-1);
    return Promise.resolve({
      items,
      nextCursor: ids.length > options.limit && last ? Buffer.from(last.userId).toString('base64url') : null,
    });
  }
}
