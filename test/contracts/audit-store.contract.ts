import { AuditEntry, auditEntry, AuditEntryInput, syncActor, userActor } from '../../src/domain/audit';
import { AuditQuery, AuditStore } from '../../src/ports/audit-store.port';
import { rejection } from '../support/app-errors';
import { pageAll, uniqueCompany } from '../support/store-fixtures';

/**
 * The AuditStore port's behaviour, once, for every implementation. Not modelled by the fake:
 * Cosmos removes an entry 400 days after it was written (the container's TTL); the fake keeps it.
 */

const ALICE = userActor({ subject: 'alice-sub', email: 'alice@acme.example' });
const BOB = userActor({ subject: 'bob-sub', email: 'bob@acme.example' });

/** The minute-th minute after 10:00 on a fixed day (seconds too, for a second entry in one minute). */
function at(minute: number, second = 0): string {
  return new Date(Date.UTC(2026, 10, 27, 10, minute, second)).toISOString();
}

function denial(companyId: string, when: string, id: string, actor = ALICE): AuditEntry {
  return auditEntry({
    companyId,
    at: when,
    actor,
    action: 'deny',
    target: { type: 'directory_user', id, name: `User ${id}`, email: `${id}@acme.example` },
    details: { previousStatus: 'pending' },
  });
}

function entryOf(input: AuditEntryInput): AuditEntry {
  return auditEntry(input);
}

const query = (overrides: Partial<AuditQuery> = {}): AuditQuery => ({
  actions: null,
  actor: null,
  target: null,
  from: null,
  to: null,
  limit: 50,
  cursor: null,
  ...overrides,
});

export function auditStoreContract(implementation: string, store: () => AuditStore): void {
  describe(`AuditStore contract — ${implementation}`, () => {
    it('lists one company’s entries newest first, paged, skipping nothing while new entries are recorded', async () => {
      const company = uniqueCompany();
      const entries = [3, 1, 4, 2, 5].map((m) => denial(company, at(m), `u${m}`));
      await store().record(entries);
      await store().record([denial(uniqueCompany(), at(9), 'elsewhere')]);
      const targets = (pages: AuditEntry[][]) => pages.flat().map((e) => e.target.id);
      for (const limit of [1, 2, 1000]) {
        expect(targets(await pageAll((cursor) => store().list(company, query({ limit, cursor }))))).toEqual([
          'u5',
          'u4',
          'u3',
          'u2',
          'u1',
        ]);
      }
      let added = 0;
      const pages = await pageAll(
        (cursor) => store().list(company, query({ limit: 2, cursor })),
        async () => {
          added++;
          await store().record([denial(company, at(30 + added), `new-${added}`)]);
        },
      );
      expect(targets(pages)).toEqual(['u5', 'u4', 'u3', 'u2', 'u1']);
      expect((await store().list(company, query({ limit: 2 }))).items.map((e) => e.target.id)).toEqual([
        `new-${added}`,
        `new-${added - 1}`,
      ]);
    });

    it('stores an entry written twice once (a retried write), and gives back exactly what was written', async () => {
      const company = uniqueCompany();
      const entry = entryOf({
        companyId: company,
        at: at(1),
        actor: ALICE,
        action: 'settings_change',
        target: { type: 'integration', id: company, name: null, email: null },
        details: {
          changes: {
            'exclude.guests': { before: false, after: true },
            notifyEmails: { before: [], after: ['sec@acme.example'] },
          },
        },
      });
      await store().record([entry]);
      await store().record([entry, entry]);
      expect((await store().list(company, query())).items).toEqual([entry]);
    });

    it('records a thousand entries in one call (a bulk decision) and lists them all', async () => {
      const company = uniqueCompany();
      const entries = Array.from({ length: 1000 }, (_, i) =>
        denial(company, at(Math.floor(i / 60), i % 60), `bulk-${String(i).padStart(4, '0')}`),
      );
      await store().record(entries);
      const listed = (await pageAll((cursor) => store().list(company, query({ limit: 1000, cursor })))).flat();
      expect(listed).toHaveLength(1000);
      expect(listed[0]?.target.id).toBe('bulk-0999');
      expect(listed.at(-1)?.target.id).toBe('bulk-0000');
    });

    it('filters by action, actor (sync, a subject, an e-mail in any case), target and time range, and pages within a filter', async () => {
      const company = uniqueCompany();
      const approve = (when: string, id: string, actor = ALICE) =>
        entryOf({
          companyId: company,
          at: when,
          actor,
          action: 'approve',
          target: { type: 'directory_user', id, name: null, email: null },
          details: { symbolUserId: `s-${id}`, merged: false, rule: null },
        });
      const auto = (when: string, id: string) =>
        entryOf({
          companyId: company,
          at: when,
          actor: syncActor('run-7'),
          action: 'auto_approve',
          target: { type: 'directory_user', id, name: null, email: null },
          details: { symbolUserId: `s-${id}`, merged: false, rule: 'clean' },
        });
      await store().record([
        approve(at(1), 'a1'),
        denial(company, at(2), 'd1', BOB),
        auto(at(3), 'x1'),
        approve(at(4), 'a2', BOB),
        auto(at(5), 'x2'),
        denial(company, at(6), 'a1'),
      ]);
      const ids = async (q: Partial<AuditQuery>) =>
        (await pageAll((cursor) => store().list(company, query({ limit: 1, ...q, cursor }))))
          .flat()
          .map((e) => `${e.action}:${e.target.id}`);

      expect(await ids({ actions: ['approve'] })).toEqual(['approve:a2', 'approve:a1']);
      expect(await ids({ actions: ['approve', 'auto_approve'] })).toEqual([
        'auto_approve:x2',
        'approve:a2',
        'auto_approve:x1',
        'approve:a1',
      ]);
      expect(await ids({ actor: 'sync' })).toEqual(['auto_approve:x2', 'auto_approve:x1']);
      expect(await ids({ actor: 'bob-sub' })).toEqual(['approve:a2', 'deny:d1']);
      expect(await ids({ actor: 'Alice@ACME.example' })).toEqual(['deny:a1', 'approve:a1']);
      expect(await ids({ actor: 'nobody' })).toEqual([]);
      expect(await ids({ target: 'a1' })).toEqual(['deny:a1', 'approve:a1']);
      // From is inclusive, to exclusive, to the millisecond.
      expect(await ids({ from: at(2), to: at(5) })).toEqual(['approve:a2', 'auto_approve:x1', 'deny:d1']);
      expect(await ids({ from: at(5) })).toEqual(['deny:a1', 'auto_approve:x2']);
      expect(await ids({ to: at(2) })).toEqual(['approve:a1']);
      expect(await ids({ actions: ['deny'], actor: 'alice-sub', from: at(1) })).toEqual(['deny:a1']);
    });

    it('keeps companies apart', async () => {
      const [one, two] = [uniqueCompany(), uniqueCompany()];
      await store().record([denial(one, at(1), 'same'), denial(two, at(1), 'same')]);
      expect((await store().list(one, query())).items.map((e) => e.companyId)).toEqual([one]);
      expect((await store().list(uniqueCompany(), query())).items).toEqual([]);
    });

    it('refuses a limit outside 1..1000 and a malformed cursor with validation_failed', async () => {
      const company = uniqueCompany();
      for (const limit of [0, 1001])
        expect((await rejection(store().list(company, query({ limit })))).code).toBe('validation_failed');
      for (const cursor of ['***', 'bm90IGEgY3Vyc29y', ''])
        expect((await rejection(store().list(company, query({ cursor })))).code).toBe('validation_failed');
    });

    it('refuses an invalid entry (internal_error) and then writes none of the call', async () => {
      const company = uniqueCompany();
      const good = denial(company, at(1), 'good');
      const bad = {
        ...denial(company, at(2), 'bad'),
        details: { previousStatus: 'approved' },
      } as unknown as AuditEntry;
      expect((await rejection(store().record([good, bad]))).code).toBe('internal_error');
      const slashed = { ...denial(company, at(3), 'slash'), id: 'a/b' };
      expect((await rejection(store().record([slashed]))).code).toBe('internal_error');
      expect((await store().list(company, query())).items).toEqual([]);
    });
  });
}
