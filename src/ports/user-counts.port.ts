export interface UserCounts {
  pending: number;
  denied: number;
  /** Directory users the company's settings keep off the pending list (guests, role addresses, …). */
  excluded: number;
  /** Approved users whose deactivation the deletion guard holds, waiting for an admin. */
  held: number;
  /** Active Symbol users: the billable count. Pending and denied entries are never billed. */
  activeUsers: number;
}

export interface UserCountsReader {
  countsFor(companyId: string): Promise<UserCounts>;
}
