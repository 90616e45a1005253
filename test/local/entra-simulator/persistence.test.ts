import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntraSimulator } from '../../../src/local/entra-simulator';
import { SAVE_DEBOUNCE_MS } from '../../../src/local/entra-simulator/state-store';
import { ManualTime } from '../../support/manual-time';
import { deltaRound, graphClient, startReceiver, startSim, type Receiver } from './helpers';

describe('Entra simulator: state file', () => {
  let dirPath: string;
  let receiver: Receiver;
  /** Closed at the end even when an assertion fails midway (closing twice is fine). */
  const started: EntraSimulator[] = [];

  beforeAll(async () => {
    dirPath = await mkdtemp(join(tmpdir(), 'entra-sim-'));
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await Promise.all(started.map((sim) => sim.close()));
    await receiver.close();
    await rm(dirPath, { recursive: true, force: true });
  });

  test('state survives a restart: directory, consent, subscriptions, and delta tokens stay valid', async () => {
    const stateFile = join(dirPath, 'nested', 'entra-state.json');
    const tenants = [{ name: 'Persisto', domain: 'persisto.example', userCount: 60, seed: 21 }];
    const time = new ManualTime();
    const simTime = { now: () => time.now(), scheduler: time };
    const first = await startSim({ tenants, stateFile, allowHttpNotificationUrls: true, deltaPageSize: 25, ...simTime });
    started.push(first);
    const tenantId = first.tenants()[0]!.id;
    const dir1 = first.directory(tenantId);
    dir1.grantConsent();
    const client = await graphClient(first, tenantId);
    const round = await deltaRound(client, '/users/delta?$select=displayName,jobTitle');
    expect(round.items).toHaveLength(60);

    const [a, b] = dir1.listUsers().filter((u) => u.kind === 'person');
    dir1.updateUser(a!.id, { jobTitle: 'Before Restart' });
    dir1.softDeleteUser(b!.id);
    const sub = (await client.api('/subscriptions').post({
      changeType: 'updated',
      notificationUrl: `${receiver.url}/n`,
      resource: 'users',
      expirationDateTime: new Date(time.now().getTime() + 3600_000).toISOString(),
    })) as { id: string };

    // The save is debounced (from the first change on), and happens without closing.
    await time.advance(SAVE_DEBOUNCE_MS - 1);
    await first.whenIdle();
    expect(existsSync(stateFile)).toBe(false);
    await time.advance(1);
    await first.whenIdle();
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { tenants: Array<{ consentGranted: boolean }> };
    expect(saved.tenants[0]!.consentGranted).toBe(true);
    await first.close();
    expect((await readdir(join(dirPath, 'nested'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // No fixed port: the simulator comes back on its previous port, so stored absolute links work.
    const second = await startSim({ tenants, stateFile, allowHttpNotificationUrls: true, deltaPageSize: 25, ...simTime });
    try {
      expect(second.origin).toBe(first.origin);
      expect(second.tenants()[0]).toMatchObject({ id: tenantId, consentGranted: true, userCount: 59 });
      const dir2 = second.directory(tenantId);
      expect(dir2.getUser(a!.id)?.jobTitle).toBe('Before Restart');
      expect(dir2.subscriptions().map((s) => s.id)).toEqual([sub.id]);
      const added = dir2.addUser({ displayName: 'After Restart' });

      // The access token and the delta link from before the restart still work.
      const next = await deltaRound(client, round.deltaLink);
      const byId = new Map(next.items.map((i) => [i.id, i]));
      expect(byId.get(a!.id)).toEqual({ id: a!.id, jobTitle: 'Before Restart' });
      expect(byId.get(b!.id)).toEqual({ id: b!.id, '@removed': { reason: 'changed' } });
      expect(byId.get(added.id)).toEqual({ id: added.id, displayName: 'After Restart', jobTitle: null });
      expect(next.items).toHaveLength(3);
      // Restoring after a restart works too (the deleted user was persisted).
      dir2.restoreUser(b!.id);
      expect(dir2.getUser(b!.id)).toBeDefined();
    } finally {
      await second.close();
    }
  });
});
