import { Integration } from '../domain/integration';

export interface Versioned<T> {
  value: T;
  /** Opaque version for optimistic concurrency (the Cosmos `_etag`). */
  etag: string;
}

export interface IntegrationStore {
  get(companyId: string): Promise<Versioned<Integration> | null>;
  /**
   * Writes the integration. `expectedEtag` null means "must not exist yet" (AppError 'conflict'
   * if it does); otherwise the stored version must still be that etag (AppError
   * 'precondition_failed' if it changed meanwhile).
   */
  save(integration: Integration, expectedEtag: string | null): Promise<Versioned<Integration>>;
}
