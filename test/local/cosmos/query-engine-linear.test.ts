import query from '@zeit/cosmosdb-query';
import { z } from 'zod';

/**
 * The local Cosmos server's query engine (`@zeit/cosmosdb-query` 0.7.2, patched by
 * patches/@zeit+cosmosdb-query+0.7.2.patch) must do work linear in the number of documents.
 * Unpatched, `FROM c` compiles to a reduce that returns `[...$, row]` per document and
 * `stripUndefined` copies its output the same way: both re-iterate the growing array once per
 * element. The work is counted, not timed: every array iteration step (which is what a spread
 * does) goes through a counting iterator while the query runs.
 */

interface Doc {
  id: string;
  _rid: string;
  companyId: string;
  status: string;
  sortKey: string;
  flags: string[];
}

function documents(n: number): Doc[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `user-${i}`,
    _rid: `rid-${String(i).padStart(8, '0')}`,
    companyId: i % 2 === 0 ? 'acme' : 'globex',
    status: i % 3 === 0 ? 'denied' : 'pending',
    sortKey: `name-${String((i * 7919) % n).padStart(8, '0')}`,
    flags: i % 5 === 0 ? ['unlicensed'] : [],
  }));
}

/** Array iteration steps taken while `run` executes. */
function iterationSteps(run: () => void): number {
  const original = Object.getOwnPropertyDescriptor(Array.prototype, Symbol.iterator);
  if (original === undefined || typeof original.value !== 'function') throw new Error('no Array iterator');
  const values = original.value as (this: unknown[]) => Iterator<unknown>;
  let steps = 0;
  Object.defineProperty(Array.prototype, Symbol.iterator, {
    ...original,
    value: function countingIterator(this: unknown[]): Iterator<unknown> {
      const inner = values.call(this);
      return {
        next: () => {
          steps += 1;
          return inner.next();
        },
        [Symbol.iterator]() {
          return this;
        },
      } as Iterator<unknown>;
    },
  });
  try {
    run();
  } finally {
    Object.defineProperty(Array.prototype, Symbol.iterator, original);
  }
  return steps;
}

/** The engine's `exec` is typed `any`: read its `result` through a schema. */
const resultOf = (value: unknown): unknown => z.object({ result: z.unknown() }).parse(value).result;

const QUERIES = [
  { name: 'a filtered list', sql: 'SELECT * FROM c WHERE c.companyId = @c AND c.status = @s', parameters: [{ name: '@c', value: 'acme' }, { name: '@s', value: 'pending' }] },
  { name: 'an ordered list', sql: 'SELECT * FROM c WHERE c.companyId = @c ORDER BY c.sortKey', parameters: [{ name: '@c', value: 'acme' }] },
  { name: 'a count', sql: 'SELECT VALUE COUNT(1) FROM c WHERE c.status = @s', parameters: [{ name: '@s', value: 'pending' }] },
  { name: 'a join', sql: 'SELECT c.id FROM c JOIN f IN c.flags WHERE f = @f', parameters: [{ name: '@f', value: 'unlicensed' }] },
];

describe('local Cosmos query engine', () => {
  it.each(QUERIES)('does linear work for $name (n vs 4n documents)', ({ sql, parameters }) => {
    const small = documents(2_000);
    const large = documents(8_000);
    const q = query(sql);
    // Compile outside the counted region.
    expect(q.code.length).toBeGreaterThan(0);
    let smallResult: unknown;
    let largeResult: unknown;
    const smallSteps = iterationSteps(() => {
      smallResult = q.exec(small, { parameters });
    });
    const largeSteps = iterationSteps(() => {
      largeResult = q.exec(large, { parameters });
    });
    // Linear work grows 4× from n to 4n (an ORDER BY's n·log n sort about 4.7×); the quadratic
    // engine grew 16×.
    expect(largeSteps / Math.max(1, smallSteps)).toBeLessThan(6);
    expect(smallResult).toBeDefined();
    expect(largeResult).toBeDefined();
  });

  it('still answers like Cosmos: filter, order, join, undefined dropped from arrays', () => {
    const docs = documents(12);
    const ordered = resultOf(query('SELECT c.id, c.sortKey FROM c WHERE c.companyId = @c ORDER BY c.sortKey').exec(docs, { parameters: [{ name: '@c', value: 'acme' }] }));
    const expected = docs.filter((d) => d.companyId === 'acme').sort((a, b) => a.sortKey.localeCompare(b.sortKey)).map(({ id, sortKey }) => ({ id, sortKey }));
    expect(ordered).toEqual(expected);
    const joined = resultOf(query('SELECT VALUE c.id FROM c JOIN f IN c.flags WHERE f = "unlicensed"').exec(docs, {}));
    expect(joined).toEqual(docs.filter((d) => d.flags.includes('unlicensed')).map((d) => d.id));
    const values = resultOf(query('SELECT VALUE c.values FROM c').exec([{ id: 'x', _rid: 'r', values: [1, undefined, 2] }], {}));
    expect(values).toEqual([[1, 2]]);
  });
});
