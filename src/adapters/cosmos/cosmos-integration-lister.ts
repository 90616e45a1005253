import { Container, Database } from '@azure/cosmos';
import { Integration, IntegrationSchema } from '../../domain/integration';
import { IntegrationLister } from '../../ports/integration-lister.port';
import { mapCosmosError, parseStoredDocument } from './cosmos-documents';
import { INTEGRATIONS_CONTAINER } from './cosmos-schema';

/**
 * The timers' scan of connected integrations: the application's one cross-partition query
 * (integrations are partitioned by company), read page by page with continuation tokens so memory
 * stays flat however many companies there are. Run a few times a day, not per request.
 */
export class CosmosIntegrationLister implements IntegrationLister {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(INTEGRATIONS_CONTAINER);
  }

  async *connected(pageSize: number, onInvalid?: (companyId: string | null) => void): AsyncIterable<Integration[]> {
    const iterator = this.container.items.query<unknown>(
      { query: 'SELECT * FROM c WHERE c.status = @status', parameters: [{ name: '@status', value: 'connected' }] },
      { maxItemCount: pageSize },
    );
    while (iterator.hasMoreResults()) {
      let resources: unknown[];
      try {
        resources = (await iterator.fetchNext()).resources;
      } catch (error) {
        return mapCosmosError(error, 'list connected integrations');
      }
      const page: Integration[] = [];
      for (const resource of resources) {
        try {
          page.push(parseStoredDocument(IntegrationSchema, INTEGRATIONS_CONTAINER, resource, { field: 'companyId' }));
        } catch {
          const id =
            typeof resource === 'object' && resource !== null && 'id' in resource && typeof resource.id === 'string'
              ? resource.id
              : null;
          onInvalid?.(id);
        }
      }
      if (page.length > 0) yield page;
    }
  }
}
