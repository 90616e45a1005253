import { Versioned } from '../../src/ports/integration-store.port';
import { isAppError } from '../../src/domain/app-error';
import { rejection } from '../support/app-errors';
import { integration, syncState, uniqueCompany } from '../support/store-fixtures';
import { Integration } from '../../src/domain/integration';
import { SyncState } from '../../src/domain/sync-state';

/** A port whose store keeps one versioned document per company: IntegrationStore and SyncStateStore. */
export interface CompanyDocumentStore<T extends { companyId: string }> {
  get(companyId: string): Promise<Versioned<T> | null>;
  save(value: T, expectedEtag: string | null): Promise<Versioned<T>>;
}

/**
 * The contract both such ports share: null = create (`conflict` if it exists), otherwise IfMatch
 * (`precondition_failed` when the stored version changed or is gone); invalid documents refused.
 */
function companyDocumentContract<T extends { companyId: string; updatedAt: string }>(
  port: string,
  implementation: string,
  store: () => CompanyDocumentStore<T>,
  sample: (companyId: string) => T,
  invalid: (value: T) => T,
): void {
  describe(`${port} contract — ${implementation}`, () => {
    it('answers null for a company without a document, and for ids no store can hold', async () => {
      await expect(store().get(uniqueCompany())).resolves.toBeNull();
      await expect(store().get('a/b')).resolves.toBeNull();
    });

    it('creates with expectedEtag null and reads back the same version; a second create is a conflict', async () => {
      const company = uniqueCompany();
      const saved = await store().save(sample(company), null);
      expect(saved.value).toEqual(sample(company));
      await expect(store().get(company)).resolves.toEqual(saved);
      expect(
        (await rejection(store().save({ ...sample(company), updatedAt: '2026-11-28T00:00:00.000Z' }, null))).code,
      ).toBe('conflict');
      await expect(store().get(company)).resolves.toEqual(saved);
    });

    it('replaces with the version read (new version); a stale one is precondition_failed and changes nothing', async () => {
      const company = uniqueCompany();
      const first = await store().save(sample(company), null);
      const second = await store().save({ ...first.value, updatedAt: '2026-11-28T00:00:00.000Z' }, first.etag);
      expect(second.etag).not.toBe(first.etag);
      expect(
        (await rejection(store().save({ ...first.value, updatedAt: '2026-11-29T00:00:00.000Z' }, first.etag))).code,
      ).toBe('precondition_failed');
      await expect(store().get(company)).resolves.toEqual(second);
    });

    it('of two writers holding the same version exactly one wins', async () => {
      const company = uniqueCompany();
      const current = await store().save(sample(company), null);
      const results = await Promise.allSettled([
        store().save({ ...current.value, updatedAt: '2026-11-28T00:00:00.000Z' }, current.etag),
        store().save({ ...current.value, updatedAt: '2026-11-28T00:00:01.000Z' }, current.etag),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(isAppError(results.find((r) => r.status === 'rejected')?.reason, 'precondition_failed')).toBe(true);
    });

    it('a replace of a document that is not there is precondition_failed', async () => {
      expect((await rejection(store().save(sample(uniqueCompany()), '"some-etag"'))).code).toBe('precondition_failed');
    });

    it('refuses to write an invalid document (internal_error), writing nothing', async () => {
      const company = uniqueCompany();
      expect((await rejection(store().save(invalid(sample(company)), null))).code).toBe('internal_error');
      await expect(store().get(company)).resolves.toBeNull();
    });
  });
}

/** The IntegrationStore port's behaviour, once, for every implementation. */
export function integrationStoreContract(implementation: string, store: () => CompanyDocumentStore<Integration>): void {
  companyDocumentContract(
    'IntegrationStore',
    implementation,
    store,
    integration,
    (i) => ({ ...i, status: 'sleeping' }) as unknown as Integration,
  );
}

/** The SyncStateStore port's behaviour, once, for every implementation. */
export function syncStateStoreContract(implementation: string, store: () => CompanyDocumentStore<SyncState>): void {
  companyDocumentContract(
    'SyncStateStore',
    implementation,
    store,
    (c) => syncState(c),
    (s) => ({ ...s, deltaLink: 42 }) as unknown as SyncState,
  );
}
