export interface UserCounts {
  pending: number;
  denied: number;
  /** Active Symbol users: the billable count. Pending and denied entries are never billed. */
  activeUsers: number;
}

export interface UserCountsReader {
  countsFor(companyId: string): Promise<UserCounts>;
}
