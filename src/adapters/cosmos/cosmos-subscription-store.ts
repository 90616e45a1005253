import { Container, Database } from '@azure/cosmos';
import { SubscriptionRecord, SubscriptionRecordSchema } from '../../domain/graph-subscription';
import { SubscriptionStore } from '../../ports/subscription-store.port';
import { assertWritable, isCosmosStatus, isStorableId, mapCosmosError, parseStoredDocument } from './cosmos-documents';
import { SUBSCRIPTIONS_CONTAINER } from './cosmos-schema';

/**
 * `graph-subscriptions`: one document per Graph subscription, id = subscription id, partitioned
 * by that id, so the webhook's lookup is a point read (about 1 RU) and never a cross-partition
 * query. The clientState is stored only as its SHA-256.
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
