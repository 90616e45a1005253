import { silentLogger } from '../../src/app/logger';
import { undoMergeOfUser } from '../../src/use-cases/merge-undo';
import { approvePendingUsers } from '../../src/use-cases/pending-users';
import { followOnSymbolUser } from '../../src/use-cases/symbol-user-effects';
import { addSymbolUser } from '../../src/use-cases/symbol-users';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';
import { ADMIN_PRINCIPAL } from '../support/test-services';

/**
 * Undoing a merge while a sync writes the same users, on real Cosmos (the real client against the
 * local Cosmos-protocol server, the real Graph client against the simulated tenant). The three
 * interleavings that matter are forced through stores that pause one side at the worst moment;
 * the last case lets both run freely. In every case the end is the same: the Symbol user has its
 * own details back and no Entra link, the directory user is pending with the directory's latest
 * data, training data is untouched, and a later sync leaves the user alone.
 */
/**
 * A store whose `method` first runs `before` — once, on the first call `when` accepts — and then
 * does the real work: the other side of a race, run to its end at the worst moment.
 */
function pausedOnce<T extends object>(inner: T, method: keyof T, when: (...args: unknown[]) => boolean, before: () => Promise<void>): T {
  let ran = false;
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const real = (...args: unknown[]): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
      if (property !== method) return real;
      return async (...args: unknown[]) => {
        if (!ran && when(...args)) {
          ran = true;
          await before();
        }
        return real(...args);
      };
    },
  });
}

describe('merge undo racing a sync (real Cosmos)', () => {
  let h: SyncHarness;
  const dir = () => h.sim.directory(h.tenantId);
  let next = 0;
  /** People not used by an earlier case. */
  const fresh = (n: number) => {
    const picked = h.people().slice(next, next + n);
    next += n;
    return picked;
  };

  beforeAll(async () => {
    h = await startSyncHarness({ users: 80, pageSize: 20 });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  /** A company whose hand-added users (with training data) were merged with these directory people. */
  async function mergedCompany(count: number): Promise<{ companyId: string; merges: Array<{ entraId: string; userId: string }> }> {
    const companyId = await h.importCompany();
    const merges: Array<{ entraId: string; userId: string }> = [];
    for (const person of fresh(count)) {
      const hand = await addSymbolUser(h.services, companyId, { email: (person.mail ?? '').toUpperCase(), givenName: 'Hand', surname: `Added ${merges.length}`, jobTitle: 'Intern', source: 'csv', customFields: { course: 'Phishing 101' } });
      merges.push({ entraId: person.id, userId: hand.id });
    }
    const approved = await approvePendingUsers(h.services, companyId, merges.map((m) => m.entraId), ADMIN_PRINCIPAL, silentLogger);
    expect(approved.approved.map((a) => a.merged)).toEqual(merges.map(() => true));
    return { companyId, merges };
  }

  /** The end every interleaving must reach for one undone merge. */
  async function expectUndone(companyId: string, merge: { entraId: string; userId: string }, index: number): Promise<void> {
    const user = (await h.services.symbolUsers.get(companyId, merge.userId))?.value;
    expect(user).toMatchObject({ givenName: 'Hand', surname: `Added ${index}`, jobTitle: 'Intern', department: null, entraObjectId: null, source: 'csv', customFields: { course: 'Phishing 101' } });
    expect(user?.links.at(-1)?.undone).not.toBeNull();
    const record = (await h.services.directoryUsers.getMany(companyId, [merge.entraId])).get(merge.entraId)?.value;
    expect(record).toMatchObject({ status: 'pending', symbolUserId: null });
    expect(record?.attributes.jobTitle).toBe(dir().getUser(merge.entraId)?.jobTitle);
  }

  it('the sync read the directory user before the undo and acts on the Symbol user after it: the user stays undone', async () => {
    const { companyId, merges } = await mergedCompany(1);
    const [merge] = merges;
    if (!merge) throw new Error('no merge');
    dir().updateUser(merge.entraId, { jobTitle: 'Director during the race' });
    let undoneMidSync = false;
    // The sync's Symbol-user side, paused on its first read of this user until the admin's undo has finished.
    const pausing = pausedOnce(
      h.services.symbolUsers,
      'get',
      (_company, id) => id === merge.userId,
      async () => {
        undoneMidSync = true;
        await undoMergeOfUser(h.services, companyId, merge.userId, ADMIN_PRINCIPAL, silentLogger);
      },
    );
    const { run } = await h.sync(companyId, { services: { symbolUsers: pausing } });
    expect(undoneMidSync).toBe(true);
    expect(run.status).toBe('succeeded');
    await expectUndone(companyId, merge, 0);
  });

  it('the sync writes the directory user between the undo’s read and its write: the undo reads again and finishes', async () => {
    const { companyId, merges } = await mergedCompany(1);
    const [merge] = merges;
    if (!merge) throw new Error('no merge');
    dir().updateUser(merge.entraId, { jobTitle: 'Changed while undoing' });
    let syncedMidUndo = false;
    // The undo's directory side: a whole sync runs right before its first write.
    const racing = pausedOnce(
      h.services.directoryUsers,
      'write',
      () => true,
      async () => {
        syncedMidUndo = true;
        expect((await h.sync(companyId)).run.status).toBe('succeeded');
      },
    );
    const restored = await undoMergeOfUser({ ...h.services, directoryUsers: racing }, companyId, merge.userId, ADMIN_PRINCIPAL, silentLogger);
    expect(syncedMidUndo).toBe(true);
    expect(restored).toMatchObject({ givenName: 'Hand', entraObjectId: null, merge: null });
    await expectUndone(companyId, merge, 0);
  });

  it('a sync’s change to the Symbol user lands between the undo’s two writes: the undo restores again from the snapshot', async () => {
    const { companyId, merges } = await mergedCompany(1);
    const [merge] = merges;
    if (!merge) throw new Error('no merge');
    const record = (await h.services.directoryUsers.getMany(companyId, [merge.entraId])).get(merge.entraId)?.value;
    if (!record) throw new Error('no record');
    let followedMidUndo = false;
    // What a sync that decided before the directory user went back to pending does next: follow the directory on the Symbol user.
    const racing = pausedOnce(
      h.services.symbolUsers,
      'save',
      () => true,
      async () => {
        followedMidUndo = true;
        const attributes = { ...record.attributes, jobTitle: 'Late sync title', department: 'Late sync dept' };
        expect(await followOnSymbolUser(h.services, { companyId, symbolUserId: merge.userId, entraObjectId: merge.entraId, attributes, nowIso: h.clock.now().toISOString() })).toBe('done');
      },
    );
    await undoMergeOfUser({ ...h.services, symbolUsers: racing }, companyId, merge.userId, ADMIN_PRINCIPAL, silentLogger);
    expect(followedMidUndo).toBe(true);
    await expectUndone(companyId, merge, 0);
  });

  it('undoing several merges while a sync changes those very users, freely interleaved, ends the same; a later sync leaves them alone', async () => {
    const { companyId, merges } = await mergedCompany(6);
    for (const m of merges) dir().updateUser(m.entraId, { jobTitle: `Racing ${m.entraId.slice(0, 6)}`, department: 'Racing' });
    const [sync, ...undone] = await Promise.all([h.sync(companyId), ...merges.map((m) => undoMergeOfUser(h.services, companyId, m.userId, ADMIN_PRINCIPAL, silentLogger))]);
    expect(sync.run.status).toBe('succeeded');
    expect(undone.map((u) => u.entraObjectId)).toEqual(merges.map(() => null));
    for (const [i, m] of merges.entries()) await expectUndone(companyId, m, i);

    for (const m of merges) dir().updateUser(m.entraId, { jobTitle: `After ${m.entraId.slice(0, 6)}` });
    expect((await h.sync(companyId)).run.status).toBe('succeeded');
    for (const [i, m] of merges.entries()) await expectUndone(companyId, m, i);
    // The trail has each merge and each undo.
    const entries = await h.services.audit.list(companyId, { actions: ['merge', 'merge_undo'], actor: null, target: null, from: null, to: null, limit: 100, cursor: null });
    expect(entries.items.filter((e) => e.action === 'merge')).toHaveLength(6);
    expect(entries.items.filter((e) => e.action === 'merge_undo').map((e) => e.target.id).sort()).toEqual(merges.map((m) => m.userId).sort());
  });
});
