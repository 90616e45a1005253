import Account from '@vercel/cosmosdb-server/lib/account';
import type Collection from '@vercel/cosmosdb-server/lib/account/collection';
import type Collections from '@vercel/cosmosdb-server/lib/account/collections';
import type Database from '@vercel/cosmosdb-server/lib/account/database';
import type Databases from '@vercel/cosmosdb-server/lib/account/databases';
import type Documents from '@vercel/cosmosdb-server/lib/account/documents';
import type ItemObject from '@vercel/cosmosdb-server/lib/account/item-object';
import { z } from 'zod';

/**
 * The storage of `@vercel/cosmosdb-server` 1.0.1 (pinned), seen from our wrapper: every change
 * of a database, container or document goes through `Items._set`/`Items.delete`, so hooks on
 * those (installed per instance, never on the package's prototypes) give
 *
 * - one {@link StorageChange} per acknowledged change, as a physical, idempotent record (the
 *   whole stored document, system properties included), for the journal;
 * - a per-partition index of each container's documents, and version counters, for queries
 *   scoped to one partition and the query-result cache;
 * - document write counts per container (what the benchmark reports).
 *
 * It also fixes one storage bug: replacing a container's definition (e.g. a new indexing
 * policy) made a new, empty document set; the documents now stay with the container.
 */

export type StoredDocument = ItemObject;

const SystemObjectSchema = z.looseObject({ id: z.string().min(1), _rid: z.string().min(1) });

/** A physical change: `data` is the stored object after the change, or null when deleted. */
export const StorageChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('database'), id: z.string().min(1), data: SystemObjectSchema.nullable(), ridCount: z.number().int().nonnegative() }).strict(),
  z.object({ kind: z.literal('container'), database: z.string().min(1), id: z.string().min(1), data: SystemObjectSchema.nullable(), ridCount: z.number().int().nonnegative() }).strict(),
  z
    .object({
      kind: z.literal('document'),
      database: z.string().min(1),
      container: z.string().min(1),
      id: z.string().min(1),
      partition: z.unknown(),
      data: SystemObjectSchema.nullable(),
      ridCount: z.number().int().nonnegative(),
    })
    .strict(),
]);
export type StorageChange = z.infer<typeof StorageChangeSchema>;

/** Documents of one container, indexed by partition, with versions that change on every write. */
export interface ContainerIndex {
  readonly database: string;
  readonly container: string;
  /** Partition key (JSON of `[value]`) → `_rid` → stored document. */
  readonly partitions: Map<string, Map<string, StoredDocument>>;
  /** Bumped on every write to the partition (key as in `partitions`). */
  readonly partitionVersions: Map<string, number>;
  /** Bumped on every write to the container, and when its definition changes. */
  version: number;
}

export type ChangeListener = (change: StorageChange) => void;

export interface ObservedStorage {
  readonly account: Account;
  /** The index of a container, if it exists. */
  containerIndex(database: string, container: string): ContainerIndex | undefined;
  /** Document writes (create, replace, upsert, patch, delete) per `database/container` since start. */
  documentWrites(): Record<string, number>;
  /** Every database, container and document as set-changes, read lazily (live iteration). */
  dump(): Generator<StorageChange>;
  /** Applies a change read back from disk, idempotently; false if its container does not exist. */
  apply(change: StorageChange): boolean;
}

/** The package types `read()` as always present; an item that does not exist reads as undefined. */
export function readItem(item: { read(): unknown }): StoredDocument | undefined {
  return item.read() as StoredDocument | undefined;
}

/** The key under which a partition is indexed: JSON of the value array, as the SDK's header carries it. */
export function partitionKeyOf(value: unknown): string {
  return JSON.stringify([value ?? null]);
}

export function observeStorage(account: Account, listener: ChangeListener): ObservedStorage {
  const indexes = new Map<string, ContainerIndex>();
  const writes = new Map<string, number>();
  // While changes read back from disk are applied, they are neither reported nor counted.
  let applying = false;
  const report = (change: StorageChange) => {
    if (!applying) listener(change);
  };
  const key = (database: string, container: string) => `${database}/${container}`;

  const hookDocuments = (documents: Documents, database: string, container: string): ContainerIndex => {
    const existing = indexes.get(key(database, container));
    const index: ContainerIndex = existing ?? { database, container, partitions: new Map(), partitionVersions: new Map(), version: 0 };
    indexes.set(key(database, container), index);
    const touch = (partition: string) => {
      index.version += 1;
      index.partitionVersions.set(partition, (index.partitionVersions.get(partition) ?? 0) + 1);
    };
    const countWrite = () => applying || writes.set(key(database, container), (writes.get(key(database, container)) ?? 0) + 1);
    let replacing = 0;
    const originalSet = documents._set.bind(documents);
    const originalDelete = documents.delete.bind(documents);
    const originalReplace = documents.replace.bind(documents);
    documents.replace = (data, original) => {
      replacing += 1;
      try {
        return originalReplace(data, original);
      } finally {
        replacing -= 1;
      }
    };
    documents._set = (data) => {
      const stored = originalSet(data);
      const partitionValue: unknown = documents._getPartition(stored);
      const partition = partitionKeyOf(partitionValue);
      let members = index.partitions.get(partition);
      if (members === undefined) index.partitions.set(partition, (members = new Map<string, StoredDocument>()));
      members.set(stored._rid, stored);
      touch(partition);
      countWrite();
      report({ kind: 'document', database, container, id: stored.id, partition: partitionValue, data: stored, ridCount: documents._ridCount });
      return stored;
    };
    documents.delete = (idOrRid, partitionValue) => {
      const before = documents._item('/id', idOrRid, partitionValue).read() as StoredDocument | undefined;
      originalDelete(idOrRid, partitionValue);
      if (before === undefined) return;
      const storedPartition: unknown = documents._getPartition(before);
      const partition = partitionKeyOf(storedPartition);
      index.partitions.get(partition)?.delete(before._rid);
      touch(partition);
      // Inside a replace the following _set records the new state; the delete is not a change.
      if (replacing > 0) return;
      countWrite();
      report({ kind: 'document', database, container, id: before.id, partition: storedPartition, data: null, ridCount: documents._ridCount });
    };
    return index;
  };

  const hookCollections = (collections: Collections, database: string) => {
    const originalSet = collections._set.bind(collections);
    const originalDelete = collections.delete.bind(collections);
    const originalReplace = collections.replace.bind(collections);
    const originalNewItem = collections._newItem.bind(collections);
    let carried: Collection | undefined;
    collections.replace = (data, original) => {
      carried = collections._item('/id', original.id as string, original.id as string);
      try {
        return originalReplace(data, original);
      } finally {
        carried = undefined;
      }
    };
    collections._newItem = (data) => {
      const item = originalNewItem(data);
      if (data === undefined || data === null) return item;
      if (carried?.read() !== undefined) {
        // A replaced definition keeps the container's documents (and their hooks and index).
        item.documents = carried.documents;
        item.documents._parent = item;
        item.userDefinedFunctions = carried.userDefinedFunctions;
        item.userDefinedFunctions._parent = item;
        const index = indexes.get(key(database, data.id));
        if (index !== undefined) index.version += 1;
      } else {
        hookDocuments(item.documents, database, data.id);
      }
      return item;
    };
    collections._set = (data) => {
      const stored = originalSet(data);
      report({ kind: 'container', database, id: stored.id, data: stored, ridCount: collections._ridCount });
      return stored;
    };
    collections.delete = (idOrRid, partition) => {
      const before = collections._item('/id', idOrRid, partition).read() as StoredDocument | undefined;
      originalDelete(idOrRid, partition);
      if (before === undefined || carried !== undefined) return;
      indexes.delete(key(database, before.id));
      report({ kind: 'container', database, id: before.id, data: null, ridCount: collections._ridCount });
    };
  };

  const databases: Databases = account.databases;
  const originalNewDatabase = databases._newItem.bind(databases);
  const originalSetDatabase = databases._set.bind(databases);
  const originalDeleteDatabase = databases.delete.bind(databases);
  databases._newItem = (data) => {
    const item: Database = originalNewDatabase(data);
    if (data !== undefined && data !== null) hookCollections(item.collections, data.id);
    return item;
  };
  databases._set = (data) => {
    const stored = originalSetDatabase(data);
    report({ kind: 'database', id: stored.id, data: stored, ridCount: databases._ridCount });
    return stored;
  };
  databases.delete = (idOrRid, partition) => {
    const before = databases._item('/id', idOrRid, partition).read() as StoredDocument | undefined;
    originalDeleteDatabase(idOrRid, partition);
    if (before === undefined) return;
    for (const indexKey of [...indexes.keys()]) if (indexKey.startsWith(`${before.id}/`)) indexes.delete(indexKey);
    report({ kind: 'database', id: before.id, data: null, ridCount: databases._ridCount });
  };

  function* dump(): Generator<StorageChange> {
    for (const databaseItem of databases._data.values()) {
      const database = databaseItem.read() as StoredDocument | undefined;
      if (database === undefined) continue;
      yield { kind: 'database', id: database.id, data: database, ridCount: databases._ridCount };
      const { collections } = databaseItem;
      for (const collectionItem of collections._data.values()) {
        const container = collectionItem.read() as StoredDocument | undefined;
        if (container === undefined) continue;
        yield { kind: 'container', database: database.id, id: container.id, data: container, ridCount: collections._ridCount };
        const { documents } = collectionItem;
        for (const documentItem of documents._data.values()) {
          const document = documentItem.read() as StoredDocument | undefined;
          if (document === undefined) continue;
          const partition: unknown = documents._getPartition(document);
          yield { kind: 'document', database: database.id, container: container.id, id: document.id, partition, data: document, ridCount: documents._ridCount };
        }
      }
    }
  }

  function apply(change: StorageChange): boolean {
    applying = true;
    try {
      return applyQuietly(change);
    } finally {
      applying = false;
    }
  }

  function applyQuietly(change: StorageChange): boolean {
    switch (change.kind) {
      case 'database': {
        const existing = account.database(change.id).read() as StoredDocument | undefined;
        if (change.data === null) {
          if (existing !== undefined) databases.delete(change.id, change.id);
        } else if (existing?._rid !== change.data._rid) {
          if (existing !== undefined) databases.delete(change.id, change.id);
          databases._set(change.data as StoredDocument);
        }
        databases._ridCount = Math.max(databases._ridCount, change.ridCount);
        return true;
      }
      case 'container': {
        const database = account.database(change.database);
        if (readItem(database) === undefined) return false;
        const { collections } = database;
        const existing = readItem(database.collection(change.id));
        if (change.data === null) {
          if (existing !== undefined) collections.delete(change.id, change.id);
        } else if (existing === undefined) {
          collections._set(change.data as StoredDocument);
        } else if (existing._rid !== change.data._rid) {
          collections.delete(change.id, change.id);
          collections._set(change.data as StoredDocument);
        } else if (JSON.stringify(existing) !== JSON.stringify(change.data)) {
          collections.replace(change.data, existing);
        }
        collections._ridCount = Math.max(collections._ridCount, change.ridCount);
        return true;
      }
      case 'document': {
        const database = account.database(change.database);
        const collection = readItem(database) === undefined ? undefined : database.collection(change.container);
        if (collection === undefined || readItem(collection) === undefined) return false;
        const { documents } = collection;
        const existing = documents._item('/id', change.id, change.partition).read() as StoredDocument | undefined;
        if (existing !== undefined) documents.delete(change.id, change.partition);
        if (change.data !== null) documents._set(change.data as StoredDocument);
        documents._ridCount = Math.max(documents._ridCount, change.ridCount);
        return true;
      }
    }
  }

  return {
    account,
    containerIndex: (database, container) => indexes.get(key(database, container)),
    documentWrites: () => Object.fromEntries(writes),
    dump,
    apply,
  };
}
