import { Container, Database } from '@azure/cosmos';
import { SubscriptionRecord, SubscriptionRecordSchema } from '../../domain/graph-subscription';
import { SubscriptionStore } from '../../ports/subscription-store.port';
import {
  assertWritable,
  isCosmosStatus,
  isStorableId,
  mapCosmosError,
  parseOrNull,
  parseStoredDocument,
} from './cosmos-documents';
import { SUBSCRIPTIONS_CONTAINER } from './cosmos-schema';

/**
 * `graph-subscriptions`: one document per Graph subscription, id = subscription id, partitioned
 * by that id, so the webhook's lookup is a point read (about 1 RU) and never a cross-partition
 * query. One subscription per tenant; the clientState is stored only as its SHA-256.
 */
export class CosmosSubscriptionStore implements SubscriptionStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(SUBSCRIPTIONS_CONTAINER);
  }

  async get(subscriptionId: string): Promise<SubscriptionRecord | null> {
    if (!isStorableId(subscriptionId)) return null;
    try {
      const response = await this.container.item(subscriptionId, subscriptionId).read();
      if (response.statusCode === 404 || response.resource === undefined) return null;
      return parseStoredDocument(SubscriptionRecordSchema, SUBSCRIPTIONS_CONTAINER, response.resource, {
        field: 'subscriptionId',
        value: subscriptionId,
      });
    } catch (error) {
      if (isCosmosStatus(error, 404)) return null;
      return mapCosmosError(error, 'read subscription');
    }
  }

  /** A cross-partition query over a small container (one document per connected tenant), off the webhook path. */
  async forTenant(tenantId: string): Promise<SubscriptionRecord[]> {
    const records: SubscriptionRecord[] = [];
    try {
      const iterator = this.container.items.query<unknown>({
        query: 'SELECT * FROM c WHERE c.tenantId = @tenantId',
        parameters: [{ name: '@tenantId', value: tenantId.toLowerCase() }],
      });
      for (const resource of (await iterator.fetchAll()).resources) {
        const record = parseOrNull(() =>
          parseStoredDocument(SubscriptionRecordSchema, SUBSCRIPTIONS_CONTAINER, resource, { field: 'subscriptionId' }),
        );
        // A document of an older shape is not ours to act on; its subscription expires at Graph by itself.
        if (record !== null) records.push(record);
      }
    } catch (error) {
      return mapCosmosError(error, 'list subscriptions of a tenant');
    }
    return records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  async put(record: SubscriptionRecord): Promise<void> {
    const value = assertWritable(SubscriptionRecordSchema, SUBSCRIPTIONS_CONTAINER, record);
    try {
      await this.container.items.upsert({ ...value, id: value.subscriptionId });
    } catch (error) {
      mapCosmosError(error, 'write subscription');
    }
  }

  async delete(subscriptionId: string): Promise<void> {
    if (!isStorableId(subscriptionId)) return;
    try {
      await this.container.item(subscriptionId, subscriptionId).delete();
    } catch (error) {
      if (isCosmosStatus(error, 404)) return;
      mapCosmosError(error, 'delete subscription');
    }
  }
}
