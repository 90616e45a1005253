import { Database } from '@azure/cosmos';
import { SyncState, SyncStateSchema } from '../../domain/sync-state';
import { Versioned } from '../../ports/integration-store.port';
import { SyncStateStore } from '../../ports/sync-state-store.port';
import { CosmosCompanyDocument } from './cosmos-company-document';
import { SYNC_STATE_CONTAINER } from './cosmos-schema';

/** One document per company in `sync-state` (the delta cursor and the round in progress). */
export class CosmosSyncStateStore implements SyncStateStore {
  private readonly documents: CosmosCompanyDocument<typeof SyncStateSchema>;

  constructor(database: Database) {
    this.documents = new CosmosCompanyDocument(database, SYNC_STATE_CONTAINER, SyncStateSchema, 'sync state');
  }

  get(companyId: string): Promise<Versioned<SyncState> | null> {
    return this.documents.get(companyId);
  }

  save(state: SyncState, expectedEtag: string | null): Promise<Versioned<SyncState>> {
    return this.documents.save(state, expectedEtag);
  }
}
