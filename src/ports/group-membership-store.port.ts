import { Page } from './sync-run-store.port';

/** Largest page `list` serves. */
export const MAX_MEMBERSHIP_PAGE_SIZE = 1000;

/** A user's direct memberships in the groups a company's scope tracks. */
export interface UserMemberships {
  userId: string;
  /** Tracked group ids the user is a direct member of (sorted, no duplicates). */
  groups: string[];
}

/**
 * Group memberships for scope, per company and user (fed by `groups/delta`). A user may have
 * memberships before its directory record exists (the groups are read first in a round).
 */
export interface GroupMembershipStore {
  /** The memberships of these users; users without any are absent from the map. */
  getMany(companyId: string, userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Sets these users' memberships (an empty list removes the user's entry). Idempotent. */
  putMany(companyId: string, memberships: readonly UserMemberships[]): Promise<void>;
  /** Every user with memberships, paged (stable order by user id). */
  list(companyId: string, options: { limit: number; cursor: string | null }): Promise<Page<UserMemberships>>;
}
