import { directoryMix, generateDirectory, type SimulatedUser, type SimulatedUserKind } from '../../../src/local/entra-simulator';
import { fetchToken, startSim, type DeltaPage } from './helpers';

function countKinds(users: SimulatedUser[]): Record<SimulatedUserKind, number> {
  const counts: Record<SimulatedUserKind, number> = { person: 0, formerEmployee: 0, sharedMailbox: 0, room: 0, guest: 0, roleAccount: 0, serviceAccount: 0 };
  for (const u of users) counts[u.kind] += 1;
  return counts;
}

describe('Entra simulator: seeded directory', () => {
  test('100,000 users: count, uniqueness, mix and realistic shapes', () => {
    const users = generateDirectory({ name: 'Megacorp', domain: 'megacorp.example', userCount: 100_000, seed: 42 });
    expect(users).toHaveLength(100_000);
    expect(new Set(users.map((u) => u.id)).size).toBe(100_000);
    expect(new Set(users.map((u) => u.userPrincipalName.toLowerCase())).size).toBe(100_000);
    const mails = users.map((u) => u.mail).filter((m): m is string => m !== null);
    expect(new Set(mails.map((m) => m.toLowerCase())).size).toBe(mails.length);

    const mix = directoryMix(100_000);
    const counts = countKinds(users);
    expect(counts).toEqual({
      person: mix.people,
      formerEmployee: mix.formerEmployees,
      sharedMailbox: mix.sharedMailboxes,
      room: mix.rooms,
      guest: mix.guests,
      roleAccount: mix.roleAccounts,
      serviceAccount: mix.serviceAccounts,
    });
    expect(counts.person / 100_000).toBeGreaterThan(0.85);

    // Per-user rules, collected (one expect per rule, not per user: 100k expects would be slow).
    const ids = new Set(users.map((u) => u.id));
    const byId = new Map(users.map((u) => [u.id, u]));
    const violations: string[] = [];
    const check = (ok: boolean, rule: string, u: SimulatedUser): void => {
      if (!ok && violations.length < 20) violations.push(`${rule}: ${u.kind} ${u.userPrincipalName}`);
    };
    for (const u of users) {
      check(u.creationType === null || u.creationType === 'Invitation', 'creationType', u);
      if (u.mail) check(u.proxyAddresses[0] === `SMTP:${u.mail}`, 'primary SMTP', u);
      if (u.managerId) check(ids.has(u.managerId), 'manager exists', u);
      switch (u.kind) {
        case 'person':
          check(u.userType === 'Member' && u.accountEnabled && u.creationType === null, 'person flags', u);
          check(/^[a-z0-9-]+\.[a-z0-9-]+\d*@megacorp\.example$/.test(u.userPrincipalName), 'person UPN', u);
          check(Boolean(u.givenName && u.surname && u.employeeId && u.department && u.jobTitle && u.country && u.usageLocation && u.companyName), 'person profile', u);
          break;
        case 'guest':
          check(u.userType === 'Guest' && u.creationType === 'Invitation', 'guest flags', u);
          check(/^[^@]+_[^@]+#EXT#@megacorp\.onmicrosoft\.com$/.test(u.userPrincipalName), 'guest UPN', u);
          check(u.mail !== null && !u.mail.includes('megacorp') && u.assignedLicenses.length === 0, 'guest mail/licences', u);
          break;
        case 'sharedMailbox':
        case 'room':
          check(!u.accountEnabled && u.assignedLicenses.length === 0, 'mailbox disabled+unlicensed', u);
          if (u.kind === 'room') check(u.mail?.startsWith('room-') ?? false, 'room address', u);
          break;
        case 'formerEmployee':
          check(!u.accountEnabled, 'former disabled', u);
          break;
        case 'serviceAccount':
          check(u.mail === null && u.proxyAddresses.length === 0, 'service account without mail', u);
          break;
        case 'roleAccount':
          break;
      }
    }
    expect(violations).toEqual([]);
    // A bounded manager hierarchy, no cycles.
    let maxDepth = 0;
    for (const u of users.slice(0, 2000)) {
      let depth = 0;
      for (let m = u.managerId; m; m = byId.get(m)?.managerId ?? null) {
        depth += 1;
        if (depth > 50) throw new Error('manager cycle');
      }
      maxDepth = Math.max(maxDepth, depth);
    }
    expect(maxDepth).toBeGreaterThan(3);
    const people = users.filter((u) => u.kind === 'person');
    expect(people.filter((u) => u.assignedLicenses.length > 0).length / people.length).toBeGreaterThan(0.9);
    expect(people.some((u) => u.proxyAddresses.some((p) => p.startsWith('smtp:') && p.endsWith('@megacorp.onmicrosoft.com')))).toBe(true);
    expect(people.some((u) => u.otherMails.length > 0)).toBe(true);
    expect(users.some((u) => u.mail === 'info@megacorp.example')).toBe(true);
    expect(users.some((u) => u.mail === 'noreply@megacorp.example')).toBe(true);
    expect(users.some((u) => u.userPrincipalName.includes('2@'))).toBe(true); // collisions were de-duplicated
  });

  test('deterministic per seed; small tenants still get one of each kind', () => {
    const a = generateDirectory({ name: 'Contoso', domain: 'contoso.example', userCount: 500, seed: 1 });
    const b = generateDirectory({ name: 'Contoso', domain: 'contoso.example', userCount: 500, seed: 1 });
    const c = generateDirectory({ name: 'Contoso', domain: 'contoso.example', userCount: 500, seed: 2 });
    expect(b).toEqual(a);
    expect(c.map((u) => u.id)).not.toEqual(a.map((u) => u.id));
    for (const n of [7, 12, 40]) {
      const counts = countKinds(generateDirectory({ name: 'Small', domain: 'small.example', userCount: n, seed: n }));
      expect(Object.values(counts).every((v) => v >= 1)).toBe(true);
      expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(n);
    }
  });

  test('a 100,000-user tenant serves delta pages of deltaPageSize with nextLinks', async () => {
    const sim = await startSim({ tenants: [{ name: 'Megacorp', domain: 'megacorp.example', userCount: 100_000, seed: 42 }] });
    try {
      const tenantId = sim.tenants()[0]!.id;
      expect(sim.tenants()[0]!.userCount).toBe(100_000);
      sim.directory(tenantId).grantConsent();
      const token = await fetchToken(sim, tenantId);
      let url = `${sim.graphBaseUrl}/users/delta?$select=displayName,mail`;
      for (let i = 0; i < 5; i++) {
        const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
        const page = (await res.json()) as DeltaPage;
        expect(page.value).toHaveLength(200);
        url = page['@odata.nextLink']!;
        expect(url).toBeDefined();
      }
    } finally {
      await sim.close();
    }
  });
});
