/**
 * Approving 5,000 pending users in five calls of 1,000 (the API's maximum), through the real
 * handler with a real `HttpRequest`, against the real Cosmos client and the local Cosmos server.
 * Prints the time per call, the Cosmos writes per approved user, and the audit trail's share:
 * its entries, the batch requests they took and the time spent writing them.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { createCosmosClient } from '../src/adapters/cosmos/cosmos-client';
import { CosmosAuditStore } from '../src/adapters/cosmos/cosmos-audit-store';
import { CosmosDirectoryUserStore } from '../src/adapters/cosmos/cosmos-directory-user-store';
import { ensureCosmosSchema } from '../src/adapters/cosmos/cosmos-schema';
import { CosmosSymbolUserStore } from '../src/adapters/cosmos/cosmos-symbol-user-store';
import { Services } from '../src/app/services';
import { DirectoryUserRecord, EMPTY_ATTRIBUTES } from '../src/domain/directory/directory-user';
import { pendingUsersApprove } from '../src/functions/pending-users-approve.http';
import { startLocalCosmos } from '../src/local/cosmos/local-cosmos-server';
import { DirectoryUserStore } from '../src/ports/directory-user-store.port';
import { SymbolUserStore } from '../src/ports/symbol-user-store.port';
import { AuditStore } from '../src/ports/audit-store.port';

export async function benchApprove(total: number, perCall: number): Promise<void> {
  const server = await startLocalCosmos();
  const client = createCosmosClient({ auth: 'key', endpoint: server.endpoint, key: server.key, database: 'bench-approve', disableEndpointDiscovery: true });
  try {
    const database = await ensureCosmosSchema(client, 'bench-approve');
    const innerDirectory = new CosmosDirectoryUserStore(database);
    const innerSymbol = new CosmosSymbolUserStore(database);
    const writes = { directory: 0, symbol: 0 };
    const directoryUsers: DirectoryUserStore = {
      getMany: (c, ids) => innerDirectory.getMany(c, ids),
      listForReview: (c, q) => innerDirectory.listForReview(c, q),
      write: (c, w) => {
        writes.directory += w.length;
        return innerDirectory.write(c, w);
      },
      listIds: (c, o) => innerDirectory.listIds(c, o),
      listPendingRemovals: (c, r, o) => innerDirectory.listPendingRemovals(c, r, o),
      countActiveApproved: (c) => innerDirectory.countActiveApproved(c),
    };
    const symbolUsers: SymbolUserStore = {
      get: (c, id) => innerSymbol.get(c, id),
      findByEmailKeys: (c, keys) => innerSymbol.findByEmailKeys(c, keys),
      list: (c, o) => innerSymbol.list(c, o),
      save: (u, e) => {
        writes.symbol++;
        return innerSymbol.save(u, e);
      },
    };
    const innerAudit = new CosmosAuditStore(database);
    const trail = { entries: 0, batches: 0, ms: 0 };
    const audit: AuditStore = {
      list: (c, q) => innerAudit.list(c, q),
      record: async (entries) => {
        const t = performance.now();
        await innerAudit.record(entries);
        trail.ms += performance.now() - t;
        trail.entries += entries.length;
        // One transactional batch per 100 entries of a company (all of one company here).
        trail.batches += Math.ceil(entries.length / 100);
      },
    };
    const now = new Date().toISOString();
    const ids = Array.from({ length: total }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const records: DirectoryUserRecord[] = ids.map((id, i) => ({
      companyId: 'acme', id, connectionId: 'c', attributes: { ...EMPTY_ATTRIBUTES, displayName: `Person ${i}`, givenName: 'Person', surname: String(i), mail: `person.${i}@contoso.example`, userPrincipalName: `person.${i}@contoso.example`, licensed: true },
      hash: 'h', status: 'pending', flags: [], symbolUserId: null, deactivated: null, pendingRemoval: null, scope: null, firstSeenAt: now, lastChangedAt: now, seenRound: null, decidedAt: null, decidedBy: null,
    }));
    for (let i = 0; i < records.length; i += 1000) await innerDirectory.write('acme', records.slice(i, i + 1000).map((record) => ({ op: 'put' as const, record, expected: null })));

    const services = {
      tokens: { verify: () => Promise.resolve({ subject: 'bench-admin', email: null, companies: ['acme'] }) },
      directoryUsers,
      symbolUsers,
      audit,
      clock: { now: () => new Date() },
    } as unknown as Services;
    console.log(`Approve ${total.toLocaleString('en-US')} pending users in calls of ${perCall} (real handler, real Cosmos client, local Cosmos server):`);
    for (let i = 0; i < ids.length; i += perCall) {
      const before = writes.directory + writes.symbol;
      const trailBefore = { ...trail };
      const request = new HttpRequest({ method: 'POST', url: 'http://127.0.0.1/api/companies/acme/pending-users/approve', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, params: { companyId: 'acme' }, body: { string: JSON.stringify({ ids: ids.slice(i, i + perCall) }) } });
      const t = performance.now();
      const response = await pendingUsersApprove.handle(request, new InvocationContext({ invocationId: randomUUID(), functionName: 'bench', logHandler: () => undefined }), services);
      const ms = performance.now() - t;
      const body = response.jsonBody as { approved: unknown[]; failed: unknown[] };
      const callWrites = writes.directory + writes.symbol - before;
      console.log(`  call ${i / perCall + 1}: ${(ms / 1000).toFixed(2)} s, approved ${body.approved.length}, failed ${body.failed.length}, Cosmos writes ${callWrites} (${(callWrites / Math.max(1, body.approved.length)).toFixed(2)} per user)`);
      console.log(`          audit trail: ${trail.entries - trailBefore.entries} entries in ${trail.batches - trailBefore.batches} batch requests, ${((trail.ms - trailBefore.ms) / 1000).toFixed(2)} s of the call`);
    }
    console.log('');
  } finally {
    client.dispose();
    await server.close();
  }
}
