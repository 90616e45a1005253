/**
 * The tenant's groups, as scope needs them (Microsoft Graph, GroupMember.Read.All). Errors are
 * AppErrors: `group_permission_missing` when the tenant's consent does not cover reading group
 * memberships (Graph answers 403), otherwise the codes of DirectoryClient (consent_revoked,
 * directory_throttled, dependency_unavailable, directory_invalid_response, directory_delta_reset).
 */

export interface DirectoryGroup {
  id: string;
  displayName: string;
  mail: string | null;
}

export interface GroupDeltaPage {
  /** The page's group objects as Graph sent them (with `members@delta`); the caller validates each. */
  items: unknown[];
  nextLink: string | null;
  deltaLink: string | null;
}

export interface GroupDirectory {
  /** Groups whose display name starts with `prefix` (case-insensitive), at most `limit`, by name. */
  searchGroups(tenantId: string, prefix: string, limit: number): Promise<DirectoryGroup[]>;
  /** The groups with these ids (lower-case GUIDs), in the order asked; ids of groups that do not exist are left out. */
  getGroups(tenantId: string, ids: readonly string[]): Promise<DirectoryGroup[]>;
  /**
   * One page of `groups/delta` with members: a new round over exactly `groupIds` (a full round,
   * every member listed), or the page a nextLink/deltaLink points at.
   */
  groupsDeltaPage(tenantId: string, from: { groupIds: readonly string[] } | { link: string }): Promise<GroupDeltaPage>;
}
