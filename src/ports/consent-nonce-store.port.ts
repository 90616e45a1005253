import { ConsentNonce } from '../domain/consent';

/** A nonce outlives its `expiresAt` by this much before the store removes it by itself. */
export const CONSENT_NONCE_GRACE_SECONDS = 300;

export interface ConsentNonceStore {
  /** Records an issued nonce; it expires by itself at `expiresAt` (+ a grace period). */
  put(nonce: ConsentNonce): Promise<void>;
  /**
   * Atomically removes and returns the nonce. Of two concurrent calls for the same nonce at most
   * one gets it; a consumed or unknown nonce gives null.
   */
  consume(companyId: string, nonce: string): Promise<ConsentNonce | null>;
}
