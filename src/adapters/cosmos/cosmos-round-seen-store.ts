import { Container, Database } from '@azure/cosmos';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { CompanyIdSchema } from '../../domain/company-id';
import { MAX_SEEN_IDS_PER_CHUNK, RoundSeenStore } from '../../ports/round-seen-store.port';
import { mapWithConcurrency } from '../../shared/bounded-concurrency';
import { assertWritable, isCosmosStatus, mapCosmosError, parseStoredDocument } from './cosmos-documents';
import { ROUND_SEEN_CONTAINER, ROUND_SEEN_TTL_SECONDS } from './cosmos-schema';

const ChunkSchema = z
  .object({
    companyId: CompanyIdSchema,
    roundId: z.string().min(1).max(64),
    chunk: z.number().int().min(0),
    ids: z.array(z.string().min(1).max(255)).max(MAX_SEEN_IDS_PER_CHUNK),
  })
  .strict();
type Chunk = z.infer<typeof ChunkSchema>;

/** Chunks read at once while a sweep loads its round. */
const LOAD_CONCURRENCY = 8;

/**
 * A round's seen ids in `round-seen`: one document per chunk, id `{roundId}.{chunk}`, in the
 * company's partition, expiring ROUND_SEEN_TTL_SECONDS after it was written. Upserts (writing a
 * chunk again replaces it) and point reads only.
 */
export class CosmosRoundSeenStore implements RoundSeenStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(ROUND_SEEN_CONTAINER);
  }

  async put(companyId: string, roundId: string, chunk: number, ids: readonly string[]): Promise<void> {
    const value = assertWritable(ChunkSchema, ROUND_SEEN_CONTAINER, { companyId, roundId, chunk, ids: [...ids] });
    try {
      await this.container.items.upsert({ ...value, id: chunkId(roundId, chunk), ttl: ROUND_SEEN_TTL_SECONDS });
    } catch (error) {
      return mapCosmosError(error, 'write seen ids');
    }
  }

  async load(companyId: string, roundId: string, chunks: number): Promise<Set<string>> {
    const seen = new Set<string>();
    const numbers = Array.from({ length: chunks }, (_, i) => i);
    await mapWithConcurrency(numbers, LOAD_CONCURRENCY, async (chunk) => {
      for (const id of (await this.read(companyId, roundId, chunk)).ids) seen.add(id);
    });
    return seen;
  }

  private async read(companyId: string, roundId: string, chunk: number): Promise<Chunk> {
    const id = chunkId(roundId, chunk);
    let resource: unknown;
    try {
      ({ resource } = await this.container.item(id, companyId).read());
    } catch (error) {
      if (!isCosmosStatus(error, 404)) return mapCosmosError(error, 'read seen ids');
    }
    if (resource === undefined)
      throw new AppError('internal_error', `Seen-id chunk ${chunk} of the round is missing (expired or never written)`);
    const parsed = parseStoredDocument(ChunkSchema, ROUND_SEEN_CONTAINER, resource);
    if (parsed.companyId !== companyId || parsed.roundId !== roundId || parsed.chunk !== chunk)
      throw new AppError('internal_error', `Seen-id chunk ${chunk} does not belong to its round`);
    return parsed;
  }
}

function chunkId(roundId: string, chunk: number): string {
  return `${roundId}.${chunk}`;
}
