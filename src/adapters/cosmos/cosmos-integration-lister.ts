import { Container, Database } from '@azure/cosmos';
import { Integration, IntegrationSchema } from '../../domain/integration';
import { IntegrationLister } from '../../ports/integration-lister.port';
import { mapCosmosError, parseOrNull, parseStoredDocument } from './cosmos-documents';
import { INTEGRATIONS_CONTAINER } from './cosmos-schema';

/**
 * Cross-partition views of integrations (partitioned by company): the timers' scan of connected
 * integrations, read page by page with continuation tokens so memory stays flat however many
 * companies there are (a few times a day); and the companies connected to one tenant (a
 * webhook's fan-out, cached by the caller; a handful of documents).
 */
export class CosmosIntegrationLister implements IntegrationLister {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(INTEGRATIONS_CONTAINER);
  }

  async connectedToTenant(tenantId: string): Promise<Integration[]> {
    const found: Integration[] = [];
    const iterator = this.container.items.query<unknown>({
      query: 'SELECT * FROM c WHERE c.status = @status AND c.tenantId = @tenantId',
      parameters: [
        { name: '@status', value: 'connected' },
        { name: '@tenantId', value: tenantId.toLowerCase() },
      ],
    });
    try {
      for (const resource of (await iterator.fetchAll()).resources) {
        const integration = parseOrNull(() =>
          parseStoredDocument(IntegrationSchema, INTEGRATIONS_CONTAINER, resource, { field: 'companyId' }),
        );
        if (integration !== null) found.push(integration);
      }
    } catch (error) {
      return mapCosmosError(error, 'list the companies of a tenant');
    }
    return found.sort((a, b) => (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0));
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
