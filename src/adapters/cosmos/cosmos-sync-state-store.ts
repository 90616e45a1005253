import { Container, Database } from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { SyncState, SyncStateSchema } from '../../domain/sync-state';
import { Versioned } from '../../ports/integration-store.port';
import { SyncStateStore } from '../../ports/sync-state-store.port';
import { assertWritable, isCosmosStatus, isStorableId, mapCosmosError, parseStoredVersioned } from './cosmos-documents';
import { SYNC_STATE_CONTAINER } from './cosmos-schema';

/**
 * One document per company in `sync-state`, id = companyId; the `_etag` is the version. Same
 * contract as CosmosIntegrationStore: create with expectedEtag null, otherwise IfMatch replace.
 */
export class CosmosSyncStateStore implements SyncStateStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(SYNC_STATE_CONTAINER);
  }

  async get(companyId: string): Promise<Versioned<SyncState> | null> {
    if (!isStorableId(companyId)) return null;
    try {
      const response = await this.container.item(companyId, companyId).read();
      if (response.statusCode === 404 || response.resource === undefined) return null;
      return this.versioned(response.resource, companyId);
    } catch (error) {
      if (isCosmosStatus(error, 404)) return null;
      return mapCosmosError(error, 'read sync state');
    }
  }

  async save(state: SyncState, expectedEtag: string | null): Promise<Versioned<SyncState>> {
    const value = assertWritable(SyncStateSchema, SYNC_STATE_CONTAINER, state);
    const document = { ...value, id: value.companyId };
    if (expectedEtag === null) {
      try {
        const response = await this.container.items.create(document);
        return this.versioned(response.resource, value.companyId);
      } catch (error) {
        if (isCosmosStatus(error, 409)) throw new AppError('conflict', 'The sync state already exists', { cause: error });
        return mapCosmosError(error, 'create sync state');
      }
    }
    try {
      const response = await this.container.item(value.companyId, value.companyId).replace(document, { accessCondition: { type: 'IfMatch', condition: expectedEtag } });
      return this.versioned(response.resource, value.companyId);
    } catch (error) {
      // 404: it was deleted since the caller read it — the version they expect is gone too.
      if (isCosmosStatus(error, 412) || isCosmosStatus(error, 404)) {
        throw new AppError('precondition_failed', 'The sync state was changed meanwhile', { cause: error });
      }
      return mapCosmosError(error, 'replace sync state');
    }
  }

  private versioned(resource: unknown, companyId: string): Versioned<SyncState> {
    return parseStoredVersioned(SyncStateSchema, SYNC_STATE_CONTAINER, resource, { field: 'companyId', value: companyId });
  }
}
