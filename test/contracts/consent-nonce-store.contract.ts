import { ConsentNonce } from '../../src/domain/consent';
import { CONSENT_NONCE_GRACE_SECONDS, ConsentNonceStore } from '../../src/ports/consent-nonce-store.port';
import { rejection } from '../support/app-errors';
import { consentNonce, NOW, uniqueCompany } from '../support/store-fixtures';

export interface NonceStoreTarget {
  store: ConsentNonceStore;
  /**
   * Moves the store's time forward, where the implementation can model expiry. Cosmos removes an
   * expired nonce itself (per-item TTL); the local Cosmos server does not run TTL while it runs,
   * so for Cosmos the expiry case is not run here (the adapter test checks the `ttl` it writes).
   */
  advance?: (ms: number) => void;
}

/**
 * The ConsentNonceStore port's behaviour, once, for every implementation. `target` is asked once
 * per case; the store's clock reads NOW until the case moves it.
 */
export function consentNonceStoreContract(implementation: string, target: () => NonceStoreTarget): void {
  describe(`ConsentNonceStore contract — ${implementation}`, () => {
    let current: NonceStoreTarget;
    beforeEach(() => {
      current = target();
    });
    const store = () => current.store;

    it('gives an issued nonce back once, then null', async () => {
      const issued = consentNonce(uniqueCompany());
      await store().put(issued);
      await expect(store().consume(issued.companyId, issued.nonce)).resolves.toEqual(issued);
      await expect(store().consume(issued.companyId, issued.nonce)).resolves.toBeNull();
    });

    it('answers null for an unknown nonce, a nonce of another company, and ids no store can hold — and keeps the nonce for its company', async () => {
      const issued = consentNonce(uniqueCompany());
      await store().put(issued);
      await expect(store().consume(issued.companyId, 'never-issued-nonce-000')).resolves.toBeNull();
      await expect(store().consume(uniqueCompany(), issued.nonce)).resolves.toBeNull();
      await expect(store().consume(issued.companyId, 'with/slash-0000000000')).resolves.toBeNull();
      await expect(store().consume(issued.companyId, issued.nonce)).resolves.toEqual(issued);
    });

    it('(divergence) refuses a duplicate nonce with conflict, keeping the first', async () => {
      const issued = consentNonce(uniqueCompany());
      await store().put(issued);
      const hijack: ConsentNonce = { ...issued, requestedBy: { subject: 'attacker', email: null } };
      expect((await rejection(store().put(hijack))).code).toBe('conflict');
      await expect(store().consume(issued.companyId, issued.nonce)).resolves.toEqual(issued);
    });

    it('of many concurrent consumers exactly one gets the nonce', async () => {
      const issued = consentNonce(uniqueCompany());
      await store().put(issued);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store().consume(issued.companyId, issued.nonce)),
      );
      expect(results.filter((r) => r !== null)).toEqual([issued]);
    });

    it('gives back a nonce just past its expiresAt: the use case judges expiry', async () => {
      const issued = consentNonce(uniqueCompany(), { expiresAt: new Date(Date.parse(NOW) - 1000).toISOString() });
      await store().put(issued);
      await expect(store().consume(issued.companyId, issued.nonce)).resolves.toEqual(issued);
    });

    it('(divergence) forgets a nonce once it is past expiresAt plus the grace period (where the implementation models expiry)', async () => {
      const { advance } = current;
      if (!advance) return; // Cosmos: TTL, not run by the local server — see NonceStoreTarget.advance.
      const issued = consentNonce(uniqueCompany());
      await store().put(issued);
      advance(Date.parse(issued.expiresAt) - Date.parse(NOW) + CONSENT_NONCE_GRACE_SECONDS * 1000);
      await expect(store().consume(issued.companyId, issued.nonce)).resolves.toBeNull();
    });

    it('refuses to write an invalid nonce (internal_error)', async () => {
      const issued = { ...consentNonce(uniqueCompany()), requestedBy: 'nobody' } as unknown as ConsentNonce;
      expect((await rejection(store().put(issued))).code).toBe('internal_error');
      await expect(store().consume(issued.companyId, issued.nonce)).resolves.toBeNull();
    });
  });
}
