/**
 * The output order (src/order.ts) against a comparison sort written from its definition: protocol,
 * state, family, local address and port, remote address and port, owner PID, inode, table order.
 * Small tables go through the key sort, large ones through the radix sort; both are checked, and
 * on tables built to tie (few addresses and ports, SO_REUSEPORT-like repeats, shared holders).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_SORT_MAX_ROWS, keyOrder, radixOrder, sortedRows } from '../../src/order.js';
import { Owners } from '../../src/owners.js';
import { SocketTable } from '../../src/sockets.js';
import { recordFuzzed } from './figures.js';

const RUNS = { small: 400, large: 12 };

interface RowModel {
  proto: number;
  state: number;
  family: 4 | 6;
  laddr: number[];
  lport: number;
  raddr: number[];
  rport: number;
  pid: number;
  inode: number;
}

/** Few distinct values, so that rows tie on every field in turn; words with the top bit set too. */
const word = fc.constantFrom(0, 1, 0x7f000001, 0x7f000002, 0xffff, 0x80000000, 0xfe800000, 0xffffffff);
const port = fc.constantFrom(0, 1, 80, 0x7fff, 0x8000, 0xffff);
const rowModel: fc.Arbitrary<RowModel> = fc
  .record({
    proto: fc.constantFrom(0, 1),
    state: fc.constantFrom(0, 1),
    family: fc.constantFrom<4 | 6>(4, 6),
    laddr: fc.array(word, { minLength: 4, maxLength: 4 }),
    lport: port,
    raddr: fc.array(word, { minLength: 4, maxLength: 4 }),
    rport: port,
    pid: fc.constantFrom(0, 1, 2, 4_000_000),
    inode: fc.constantFrom(0, 1, 2, 2 ** 40),
  })
  .map((r) => (r.family === 4 ? { ...r, laddr: [r.laddr[0]!, 0, 0, 0], raddr: [r.raddr[0]!, 0, 0, 0] } : r));

function build(models: RowModel[]): { table: SocketTable; owners: Owners } {
  const table = new SocketTable(4);
  for (const m of models) {
    const r = table.append();
    table.proto[r] = m.proto;
    table.state[r] = m.state;
    table.family[r] = m.family;
    table.laddr.set(m.laddr, r * 4);
    table.lport[r] = m.lport;
    table.raddr.set(m.raddr, r * 4);
    table.rport[r] = m.rport;
    table.inode[r] = m.inode;
  }
  const owners = new Owners(table.count);
  models.forEach((m, r) => {
    if (m.pid !== 0) owners.add(r, m.pid);
  });
  return { table, owners };
}

/** The definition, as a comparison sort over the models (Array.prototype.sort is stable). */
function reference(models: RowModel[], withOwners: boolean): number[] {
  const fields = (m: RowModel) => [m.proto, m.state, m.family, ...m.laddr, m.lport, ...m.raddr, m.rport, ...(withOwners ? [m.pid, m.inode] : [])];
  const keyed = models.map((m, row) => ({ row, f: fields(m) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.f.length; i++) if (a.f[i] !== b.f[i]) return a.f[i]! - b.f[i]!;
    return 0;
  });
  return keyed.map((k) => k.row);
}

/** A table of `n` rows drawn from a small pool of models, so that most rows repeat another's fields. */
function largeTable(seed: number, n: number): RowModel[] {
  const pool = fc.sample(rowModel, { numRuns: 300, seed });
  let x = seed >>> 0 || 1;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  return Array.from({ length: n }, () => pool[next() % pool.length]!);
}

describe('output order', () => {
  it(`sorts small tables by key as the definition says (${RUNS.small} inputs)`, () => {
    fc.assert(
      fc.property(fc.array(rowModel, { maxLength: 300 }), (models) => {
        const { table, owners } = build(models);
        expect(Array.from(keyOrder(table))).toEqual(reference(models, false));
        expect(Array.from(radixOrder(table))).toEqual(reference(models, false));
        expect(Array.from(sortedRows(table, owners))).toEqual(reference(models, true));
      }),
      { numRuns: RUNS.small },
    );
    recordFuzzed('order: small tables', RUNS.small);
  });

  it(`sorts tables above the key sort's limit by radix as the definition says (${RUNS.large} inputs)`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: KEY_SORT_MAX_ROWS + 1, max: KEY_SORT_MAX_ROWS + 3000 }), (seed, n) => {
        const models = largeTable(seed, n);
        const { table, owners } = build(models);
        expect(table.count).toBeGreaterThan(KEY_SORT_MAX_ROWS);
        expect(Array.from(sortedRows(table, owners))).toEqual(reference(models, true));
      }),
      { numRuns: RUNS.large },
    );
    recordFuzzed('order: large tables', RUNS.large);
  });
});
