/** Most ids one chunk holds (a chunk is one document: 5,000 object ids are ~200 KB of its 2 MB). */
export const MAX_SEEN_IDS_PER_CHUNK = 5000;

/**
 * The ids a full round saw, kept in compact chunks (one document per checkpoint, not one write per
 * user), so that the round's sweep can find the records it did not see. A chunk is written before
 * the checkpoint that counts it, under a number the round assigns: writing the same chunk again
 * (a resumed round reading the same pages) replaces it. Chunks expire by themselves some days
 * after their round.
 */
export interface RoundSeenStore {
  /** Stores chunk `chunk` of the round (≤ MAX_SEEN_IDS_PER_CHUNK ids); the same chunk again replaces it. */
  put(companyId: string, roundId: string, chunk: number, ids: readonly string[]): Promise<void>;
  /** Every id in chunks 0 … chunks − 1 of the round. A missing chunk is an error (`internal_error`): the sweep must not guess. */
  load(companyId: string, roundId: string, chunks: number): Promise<Set<string>>;
}
