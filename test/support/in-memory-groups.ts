import { AppError } from '../../src/domain/app-error';
import { DirectoryGroup, GroupDeltaPage, GroupDirectory } from '../../src/ports/group-directory.port';

/**
 * The tenant's groups for handler tests: search by display-name prefix, and the 403 of a tenant
 * whose consent lacks GroupMember.Read.All. Membership deltas are the simulator's business
 * (tests of the sync run against it).
 */
export class MemoryGroupDirectory implements GroupDirectory {
  readonly groups = new Map<string, DirectoryGroup[]>();
  readonly withoutPermission = new Set<string>();

  searchGroups(tenantId: string, prefix: string, limit: number): Promise<DirectoryGroup[]> {
    if (this.withoutPermission.has(tenantId))
      return Promise.reject(new AppError('group_permission_missing', 'GroupMember.Read.All not granted'));
    const needle = prefix.trim().toLowerCase();
    const found = (this.groups.get(tenantId) ?? [])
      .filter((g) => g.displayName.toLowerCase().startsWith(needle))
      .sort((a, b) => a.displayName.localeCompare(b.displayName));
    return Promise.resolve(found.slice(0, limit));
  }

  getGroups(tenantId: string, ids: readonly string[]): Promise<DirectoryGroup[]> {
    if (this.withoutPermission.has(tenantId))
      return Promise.reject(new AppError('group_permission_missing', 'GroupMember.Read.All not granted'));
    const groups = this.groups.get(tenantId) ?? [];
    return Promise.resolve(ids.flatMap((id) => groups.filter((g) => g.id === id.toLowerCase())));
  }

  groupsDeltaPage(): Promise<GroupDeltaPage> {
    return Promise.reject(
      new Error('groups/delta is not part of handler tests (the sync tests use the simulated tenant)'),
    );
  }
}
