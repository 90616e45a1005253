import { Container, Database } from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { Integration, IntegrationSchema } from '../../domain/integration';
import { IntegrationStore, Versioned } from '../../ports/integration-store.port';
import { assertWritable, isCosmosStatus, isStorableId, mapCosmosError, parseStoredVersioned } from './cosmos-documents';
import { INTEGRATIONS_CONTAINER } from './cosmos-schema';

/** One document per company in `integrations`, id = companyId; the `_etag` is the version. */
export class CosmosIntegrationStore implements IntegrationStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(INTEGRATIONS_CONTAINER);
  }

  async get(companyId: string): Promise<Versioned<Integration> | null> {
    if (!isStorableId(companyId)) return null;
    try {
      const response = await this.container.item(companyId, companyId).read();
      if (response.statusCode === 404 || response.resource === undefined) return null;
      return this.versioned(response.resource, companyId);
    } catch (error) {
      if (isCosmosStatus(error, 404)) return null;
      return mapCosmosError(error, 'read integration');
    }
  }

  async save(integration: Integration, expectedEtag: string | null): Promise<Versioned<Integration>> {
    const value = assertWritable(IntegrationSchema, INTEGRATIONS_CONTAINER, integration);
    const document = { ...value, id: value.companyId };
    if (expectedEtag === null) {
      try {
        const response = await this.container.items.create(document);
        return this.versioned(response.resource, value.companyId);
      } catch (error) {
        if (isCosmosStatus(error, 409)) throw new AppError('conflict', 'The integration already exists', { cause: error });
        return mapCosmosError(error, 'create integration');
      }
    }
    try {
      const response = await this.container.item(value.companyId, value.companyId).replace(document, { accessCondition: { type: 'IfMatch', condition: expectedEtag } });
      return this.versioned(response.resource, value.companyId);
    } catch (error) {
      // 404: it was deleted since the caller read it — the version they expect is gone too.
      if (isCosmosStatus(error, 412) || isCosmosStatus(error, 404)) {
        throw new AppError('precondition_failed', 'The integration was changed meanwhile', { cause: error });
      }
      return mapCosmosError(error, 'replace integration');
    }
  }

  private versioned(resource: unknown, companyId: string): Versioned<Integration> {
    return parseStoredVersioned(IntegrationSchema, INTEGRATIONS_CONTAINER, resource, { field: 'companyId', value: companyId });
  }
}
