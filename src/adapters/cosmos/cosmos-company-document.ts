import { Container, Database } from '@azure/cosmos';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { Versioned } from '../../ports/integration-store.port';
import { assertWritable, isCosmosStatus, isStorableId, mapCosmosError, parseStoredVersioned } from './cosmos-documents';

/**
 * One document per company (id = companyId), its `_etag` the version: get → null when absent;
 * save with expectedEtag null creates (409 → AppError 'conflict'), otherwise replaces IfMatch
 * (412, or 404 because it was deleted since it was read → 'precondition_failed'). The integration,
 * the sync state and the company counts are stored this way.
 */
export class CosmosCompanyDocument<S extends z.ZodType<{ companyId: string }>> {
  private readonly container: Container;

  constructor(
    database: Database,
    private readonly containerName: string,
    private readonly schema: S,
    /** What the document is, for error messages ("integration", "sync state"). */
    private readonly what: string,
  ) {
    this.container = database.container(containerName);
  }

  async get(companyId: string): Promise<Versioned<z.output<S>> | null> {
    if (!isStorableId(companyId)) return null;
    try {
      const response = await this.container.item(companyId, companyId).read();
      if (response.statusCode === 404 || response.resource === undefined) return null;
      return this.versioned(response.resource, companyId);
    } catch (error) {
      if (isCosmosStatus(error, 404)) return null;
      return mapCosmosError(error, `read ${this.what}`);
    }
  }

  async save(input: z.output<S>, expectedEtag: string | null): Promise<Versioned<z.output<S>>> {
    const value = assertWritable(this.schema, this.containerName, input);
    const document = { ...value, id: value.companyId };
    if (expectedEtag === null) {
      try {
        const response = await this.container.items.create(document);
        return this.versioned(response.resource, value.companyId);
      } catch (error) {
        if (isCosmosStatus(error, 409))
          throw new AppError('conflict', `The ${this.what} already exists`, { cause: error });
        return mapCosmosError(error, `create ${this.what}`);
      }
    }
    try {
      const response = await this.container
        .item(value.companyId, value.companyId)
        .replace(document, { accessCondition: { type: 'IfMatch', condition: expectedEtag } });
      return this.versioned(response.resource, value.companyId);
    } catch (error) {
      if (isCosmosStatus(error, 412) || isCosmosStatus(error, 404)) {
        throw new AppError('precondition_failed', `The ${this.what} was changed meanwhile`, { cause: error });
      }
      return mapCosmosError(error, `replace ${this.what}`);
    }
  }

  /** Writes the document whatever version is stored (one that no longer parses included). */
  async overwrite(input: z.output<S>): Promise<Versioned<z.output<S>>> {
    const value = assertWritable(this.schema, this.containerName, input);
    try {
      const response = await this.container.items.upsert({ ...value, id: value.companyId });
      return this.versioned(response.resource, value.companyId);
    } catch (error) {
      return mapCosmosError(error, `overwrite ${this.what}`);
    }
  }

  private versioned(resource: unknown, companyId: string): Versioned<z.output<S>> {
    return parseStoredVersioned(this.schema, this.containerName, resource, { field: 'companyId', value: companyId });
  }
}
