import { SyncState } from '../domain/sync-state';
import { Versioned } from './integration-store.port';

export interface SyncStateStore {
  get(companyId: string): Promise<Versioned<SyncState> | null>;
  /** Same contract as IntegrationStore.save: null = create, else IfMatch (AppError precondition_failed / conflict). */
  save(state: SyncState, expectedEtag: string | null): Promise<Versioned<SyncState>>;
}
