import { parseDeltaItem, parseDeltaItemBySchema, TEXT_LIMITS } from '../../../src/domain/directory/delta-item';

/** A small deterministic PRNG (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


/** Values at and around every rule's edge, and of every wrong type. */
function textValues(limit: number): unknown[] {
  return [undefined, null, '', '   ', ' Ada ', 'x'.repeat(limit), 'x'.repeat(limit + 1), 42, true, [], {}];
}
const LISTS: unknown[] = [
  undefined,
  null,
  [],
  ['a@example.com'],
  ['x'.repeat(512)],
  ['x'.repeat(513)],
  [1],
  [null],
  'a@example.com',
  Array.from({ length: 1000 }, () => 'a'),
  Array.from({ length: 1001 }, () => 'a'),
];
const LICENCES: unknown[] = [undefined, null, [], [{}], [{ skuId: 'x' }], [[]], [1], [null], {}, 'E5', Array.from({ length: 501 }, () => ({}))];
const MANAGERS: unknown[] = [
  undefined,
  null,
  [],
  [{ id: 'M1' }],
  [{ id: '' }],
  [{ id: 'x'.repeat(64) }],
  [{ id: 'x'.repeat(65) }],
  [{ id: 'm1', '@removed': { reason: 'deleted' } }, { id: 'M2' }],
  [{ id: 7 }],
  [{}],
  [null],
  [[]],
  [{ id: 'm1' }, { id: 'm2' }, { id: 'm3' }, { id: 'm4' }, { id: 'm5' }, { id: 'm6' }, { id: 'm7' }, { id: 'm8' }, { id: 'm9' }, { id: 'm10' }, { id: 'm11' }],
  { id: 'm1' },
];
const REMOVED: unknown[] = [undefined, { reason: 'deleted' }, { reason: 'changed' }, { reason: 'x'.repeat(33) }, { reason: 3 }, {}, null, 'deleted', []];
const IDS: unknown[] = ['0F8FAD5B-D9CB-469F-A165-70867728950E', 'a', 'x'.repeat(64), 'x'.repeat(65), '', 12, null, undefined];

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)] as T;
}

/** A user object where each property is absent most of the time and any edge value otherwise. */
function generated(next: () => number): unknown {
  const raw: Record<string, unknown> = { id: next() < 0.9 ? IDS[0] : pick(next, IDS) };
  const rare = (): boolean => next() < 0.15;
  for (const [field, limit] of Object.entries(TEXT_LIMITS)) if (rare()) raw[field] = pick(next, textValues(limit));
  if (rare()) raw.otherMails = pick(next, LISTS);
  if (rare()) raw.proxyAddresses = pick(next, LISTS);
  if (rare()) raw.accountEnabled = pick(next, [undefined, null, true, false, 'true', 0]);
  if (rare()) raw.assignedLicenses = pick(next, LICENCES);
  if (rare()) raw['manager@delta'] = pick(next, MANAGERS);
  if (next() < 0.05) raw['@removed'] = pick(next, REMOVED);
  if (next() < 0.05) raw.unknownProperty = { anything: true };
  return raw;
}

describe('the fast path of parseDeltaItem', () => {
  it('answers exactly what the schema answers, for 20,000 generated users at and around every rule', () => {
    const next = random(20261130);
    const disagreements: unknown[] = [];
    for (let i = 0; i < 20_000; i++) {
      const raw = generated(next);
      if (JSON.stringify(parseDeltaItem(raw)) !== JSON.stringify(parseDeltaItemBySchema(raw))) disagreements.push(raw);
    }
    expect(disagreements.slice(0, 3)).toEqual([]);
  });

  it('answers what the schema answers for each edge value alone', () => {
    const id = IDS[0];
    const cases: unknown[] = [null, [], 'user', 7, ...IDS.map((v) => ({ id: v }))];
    for (const [field, limit] of Object.entries(TEXT_LIMITS)) for (const v of textValues(limit)) cases.push({ id, [field]: v });
    for (const v of LISTS) cases.push({ id, otherMails: v }, { id, proxyAddresses: v });
    for (const v of LICENCES) cases.push({ id, assignedLicenses: v });
    for (const v of MANAGERS) cases.push({ id, 'manager@delta': v });
    for (const v of REMOVED) cases.push({ id, '@removed': v });
    const disagreements = cases.filter((raw) => JSON.stringify(parseDeltaItem(raw)) !== JSON.stringify(parseDeltaItemBySchema(raw)));
    expect(disagreements).toEqual([]);
  });
});
