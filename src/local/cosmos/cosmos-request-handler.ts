import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Account from '@vercel/cosmosdb-server/lib/account';
import { Readable } from 'node:stream';
import batchDocuments from '@vercel/cosmosdb-server/lib/handler/batch-documents';
import readItems from '@vercel/cosmosdb-server/lib/handler/_read-items';
import queryDocuments from '@vercel/cosmosdb-server/lib/handler/query-documents';
import readJson from '@vercel/cosmosdb-server/lib/json';
import routes from '@vercel/cosmosdb-server/lib/routes';
import query, { SyntaxError as QuerySyntaxError } from '@zeit/cosmosdb-query';
import { z } from 'zod';
import { CosmosQueryEngine } from './cosmos-query-engine';
import { ObservedStorage, partitionKeyOf } from './cosmos-storage';

/**
 * The HTTP front of the local Cosmos server: the routes and handlers of `@vercel/cosmosdb-server`
 * (as its own `createHttpServer` wires them), with three differences:
 *
 * - query-plan requests are refused with 400, as the SDK expects from a server without query
 *   plans (it fetches a plan beside every query and only uses it if the query itself is refused);
 *   the package ran them as a second copy of the query;
 * - document queries go to {@link CosmosQueryEngine} (partition-scoped, cached until the next write);
 * - a transactional batch's operations take the request's partition key when they carry none (as
 *   Cosmos does; the package reads it from each operation only);
 * - a request that changed anything is answered only after `commit()` (the journal) resolved.
 */

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RequestHandlerOptions {
  commit: () => Promise<void>;
  log: (event: string, fields: Record<string, unknown>) => void;
}

type RouteHandler = (account: Account, req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => unknown;

const QueryBodySchema = z.object({
  query: z.string().min(1),
  parameters: z.array(z.object({ name: z.string().min(1), value: z.unknown() })).optional(),
});

const isTrue = (req: IncomingMessage, header: string) => String(req.headers[header] ?? '').toLowerCase() === 'true';

export function createCosmosRequestHandler(storage: ObservedStorage, engine: CosmosQueryEngine, options: RequestHandlerOptions): RequestHandler {
  const { account } = storage;

  const queryHandler: RouteHandler = (_account, req, res, params) =>
    readItems(req, res, 'Documents', async ({ continuation, maxItemCount }) => {
      const parsed = QueryBodySchema.safeParse(await readJson(req));
      if (!parsed.success) {
        res.statusCode = 400;
        return { code: 'BadRequest', message: 'missing query' };
      }
      const dbId = params.dbId ?? '';
      const collId = params.collId ?? '';
      const collection = account.database(dbId).collection(collId);
      const definition = collection.read() as { partitionKey?: { paths?: string[] }; indexingPolicy?: { compositeIndexes?: unknown } } | undefined;
      const index = storage.containerIndex(dbId, collId);
      if (definition === undefined || index === undefined) return null;
      const paths = definition.partitionKey?.paths ?? [];
      if (!isTrue(req, 'x-ms-documentdb-query-enablecrosspartition') && paths.length > 0 && !query(parsed.data.query).containsPartitionKeys(paths)) {
        res.statusCode = 400;
        return { message: 'missing partition keys' };
      }
      try {
        return engine.run(index, {
          sql: parsed.data.query,
          parameters: parsed.data.parameters,
          partition: partitionHeader(req),
          maxItemCount,
          continuation,
          udf: collection.userDefinedFunctions.functions,
          compositeIndexes: Array.isArray(definition.indexingPolicy?.compositeIndexes) ? (definition.indexingPolicy.compositeIndexes as Parameters<CosmosQueryEngine['run']>[1]['compositeIndexes']) : [],
        });
      } catch (error) {
        if (error instanceof QuerySyntaxError) throw error;
        res.statusCode = 400;
        return { code: 'BadRequest', message: error instanceof Error ? error.message : String(error) };
      }
    });

  const batchHandler: RouteHandler = async (_account, req, res, params) => {
    const body: unknown = await readJson(req);
    const partitionKey = req.headers['x-ms-documentdb-partitionkey'];
    const operations = Array.isArray(body) ? body.map((op: unknown) => (isRecord(op) && op.partitionKey === undefined && typeof partitionKey === 'string' ? { ...op, partitionKey } : op)) : body;
    const replay = Object.assign(Readable.from([Buffer.from(JSON.stringify(operations))]), { headers: req.headers, method: req.method, url: req.url });
    return (batchDocuments as RouteHandler)(account, replay as unknown as IncomingMessage, res, params);
  };

  const route = (req: IncomingMessage): [Record<string, string>, RouteHandler] | undefined => {
    const found = (routes as (req: IncomingMessage) => [Record<string, string>, RouteHandler] | undefined)(req);
    if (found === undefined) return undefined;
    if (found[1] === (batchDocuments as RouteHandler)) return [found[0], batchHandler];
    return found[1] === (queryDocuments as RouteHandler) ? [found[0], queryHandler] : found;
  };

  return (req, res) => {
    void (async () => {
      let body: unknown;
      const changes = req.method !== 'GET' && req.method !== 'HEAD' && !isTrue(req, 'x-ms-documentdb-isquery') && req.headers['content-type'] !== 'application/query+json';
      if (req.method === 'POST' && isTrue(req, 'x-ms-cosmos-is-query-plan-request')) {
        res.statusCode = 400;
        body = { code: 'BadRequest', message: 'The local Cosmos server does not serve query plans' };
        req.resume();
      } else {
        const found = route(req);
        if (found === undefined) {
          res.statusCode = 400;
          body = { message: 'no route' };
        } else {
          try {
            body = await found[1](account, req, res, found[0]);
          } catch (error) {
            options.log('cosmos.request_failed', { method: req.method, error: error instanceof Error ? error.message : String(error) });
            body = { message: error instanceof Error ? error.message : String(error) };
            res.statusCode = 500;
          }
        }
      }
      if (changes) {
        try {
          await options.commit();
        } catch (error) {
          body = { code: 'ServiceUnavailable', message: error instanceof Error ? error.message : String(error) };
          res.statusCode = 503;
        }
      }
      const record = isRecord(body) ? body : undefined;
      if (res.statusCode > 399 && record !== undefined && record.message === undefined) record.message = '';
      if (typeof record?._etag === 'string') res.setHeader('etag', record._etag);
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-location', `https://${req.headers.host ?? ''}${req.url ?? ''}`);
      res.setHeader('connection', 'keep-alive');
      res.setHeader('x-ms-activity-id', randomUUID());
      res.setHeader('x-ms-request-charge', '1');
      if (req.headers['a-im'] !== undefined && res.statusCode === 200) {
        if (req.headers['if-none-match'] !== undefined) res.statusCode = 304;
        res.setHeader('etag', '1');
      }
      res.end(JSON.stringify(body));
    })().catch((error: unknown) => {
      options.log('cosmos.request_failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.writableEnded) {
        res.statusCode = 500;
        res.end('');
      }
    });
  };
}

/** The partition a query is scoped to, from the SDK's header; undefined for a cross-partition query. */
function partitionHeader(req: IncomingMessage): string | undefined {
  const header = req.headers['x-ms-documentdb-partitionkey'];
  if (typeof header !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(header);
    if (!Array.isArray(value) || value.length !== 1) return undefined;
    const [only] = value as unknown[];
    if (only !== null && typeof only === 'object') return undefined;
    return partitionKeyOf(only);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
