import { Container, Database } from '@azure/cosmos';
import { ConsentNonce, ConsentNonceSchema } from '../../domain/consent';
import { Clock } from '../../ports/clock.port';
import { ConsentNonceStore } from '../../ports/consent-nonce-store.port';
import { assertWritable, isCosmosStatus, isStorableId, mapCosmosError, parseStoredVersioned } from './cosmos-documents';
import { CONSENT_NONCE_GRACE_SECONDS, CONSENT_NONCES_CONTAINER } from './cosmos-schema';

/** Cosmos's upper bound for `ttl` (a signed 32-bit number of seconds). */
const MAX_TTL_SECONDS = 2_147_483_647;

/**
 * Single-use consent nonces in `consent-nonces`, id = nonce. Each item expires by itself through
 * its own `ttl`; the use case still checks `expiresAt`, since Cosmos removes expired items
 * lazily.
 */
export class CosmosConsentNonceStore implements ConsentNonceStore {
  private readonly container: Container;

  /** `clock` only sets how long Cosmos keeps the item; tests pass their own. */
  constructor(
    database: Database,
    private readonly clock: Clock = { now: () => new Date() },
  ) {
    this.container = database.container(CONSENT_NONCES_CONTAINER);
  }

  async put(nonce: ConsentNonce): Promise<void> {
    const value = assertWritable(ConsentNonceSchema, CONSENT_NONCES_CONTAINER, nonce);
    const secondsLeft = Math.ceil((Date.parse(value.expiresAt) - this.clock.now().getTime()) / 1000);
    const ttl = Math.min(MAX_TTL_SECONDS, Math.max(1, secondsLeft + CONSENT_NONCE_GRACE_SECONDS));
    try {
      // create, not upsert: a nonce is issued once; a collision must not overwrite another's.
      await this.container.items.create({ ...value, id: value.nonce, ttl });
    } catch (error) {
      return mapCosmosError(error, 'create consent nonce');
    }
  }

  /**
   * Read, then delete on condition that the document is still the version we read. Of concurrent
   * consumers only one delete can match that etag; the others see 412 (or 404) and get null.
   */
  async consume(companyId: string, nonce: string): Promise<ConsentNonce | null> {
    if (!isStorableId(nonce) || !isStorableId(companyId)) return null;
    let read: { value: ConsentNonce; etag: string };
    try {
      const response = await this.container.item(nonce, companyId).read();
      if (response.statusCode === 404 || response.resource === undefined) return null;
      read = parseStoredVersioned(ConsentNonceSchema, CONSENT_NONCES_CONTAINER, response.resource, {
        field: 'nonce',
        value: nonce,
      });
    } catch (error) {
      if (isCosmosStatus(error, 404)) return null;
      return mapCosmosError(error, 'read consent nonce');
    }
    try {
      await this.container
        .item(nonce, companyId)
        .delete({ accessCondition: { type: 'IfMatch', condition: read.etag } });
    } catch (error) {
      if (isCosmosStatus(error, 404) || isCosmosStatus(error, 412)) return null;
      return mapCosmosError(error, 'delete consent nonce');
    }
    return read.value;
  }
}
