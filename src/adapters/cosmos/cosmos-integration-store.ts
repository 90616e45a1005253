import { Database } from '@azure/cosmos';
import { Integration, IntegrationSchema } from '../../domain/integration';
import { IntegrationStore, Versioned } from '../../ports/integration-store.port';
import { CosmosCompanyDocument } from './cosmos-company-document';
import { INTEGRATIONS_CONTAINER } from './cosmos-schema';

/** One document per company in `integrations`, id = companyId; the `_etag` is the version. */
export class CosmosIntegrationStore implements IntegrationStore {
  private readonly documents: CosmosCompanyDocument<typeof IntegrationSchema>;

  constructor(database: Database) {
    this.documents = new CosmosCompanyDocument(database, INTEGRATIONS_CONTAINER, IntegrationSchema, 'integration');
  }

  get(companyId: string): Promise<Versioned<Integration> | null> {
    return this.documents.get(companyId);
  }

  save(integration: Integration, expectedEtag: string | null): Promise<Versioned<Integration>> {
    return this.documents.save(integration, expectedEtag);
  }
}
