import { Container, Database } from '@azure/cosmos';
import { Integration, IntegrationSchema } from '../../domain/integration';
import { CompanyCatalog } from '../../ports/company-catalog.port';
import { Page } from '../../ports/sync-run-store.port';
import { parseStoredDocument } from './cosmos-documents';
import { assertPageLimit, queryPage } from './cosmos-paging';
import { INTEGRATIONS_CONTAINER } from './cosmos-schema';

const MAX_PAGE = 200;

/** The operator's overview: integrations across partitions, ordered by company id, with continuation tokens as cursors. */
export class CosmosCompanyCatalog implements CompanyCatalog {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(INTEGRATIONS_CONTAINER);
  }

  async page(options: { limit: number; cursor: string | null }): Promise<Page<Integration>> {
    assertPageLimit(options.limit, MAX_PAGE);
    return queryPage(
      this.container,
      { query: 'SELECT * FROM c ORDER BY c.id ASC' },
      null,
      options,
      (resource) => parseStoredDocument(IntegrationSchema, INTEGRATIONS_CONTAINER, resource, { field: 'companyId' }),
      'list companies',
    );
  }
}
