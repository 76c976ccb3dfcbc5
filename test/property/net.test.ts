/**
 * parseNetTable (src/procfs/net.ts) against lines made from known sockets, real lines of this host
 * and of the fixtures, their mutations, and random bytes. Whatever the input: no exception escapes,
 * a malformed line is counted and skipped, and the lines around it parse as if it were not there.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNetTable, readNetTable, type NetTableRequest } from '../../src/procfs/net.js';
import { SocketTable } from '../../src/sockets.js';
import type { SocketState } from '../../src/types.js';
import { expectedState, header, kernelLine, kernelSocket, type KernelSocket } from './kernel-lines.js';
import { mutated } from './mutate.js';
import { familyOf, openSampleSockets, protoOf, seedLines, TABLES, type TableName } from './seeds.js';
import { recordFuzzed } from './figures.js';

const RUNS = { roundTrip: 3000, respaced: 2000, table: 400, mutated: 4000, strict: 4000, random: 3000, streamed: 12 };

interface Row {
  proto: string;
  family: number;
  state: string;
  local: number[];
  lport: number;
  remote: number[];
  rport: number;
  txQueue: number;
  rxQueue: number;
  uid: number;
  inode: number;
}

function rowsOf(t: SocketTable): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < t.count; i++) {
    rows.push({
      proto: t.protoOf(i),
      family: t.family[i]!,
      state: t.stateOf(i),
      local: [...t.laddr.subarray(i * 4, i * 4 + 4)],
      lport: t.lport[i]!,
      remote: [...t.raddr.subarray(i * 4, i * 4 + 4)],
      rport: t.rport[i]!,
      txQueue: t.txQueue[i]!,
      rxQueue: t.rxQueue[i]!,
      uid: t.uid[i]!,
      inode: t.inode[i]!,
    });
  }
  return rows;
}

function parse(text: Buffer, request: NetTableRequest) {
  const table = new SocketTable(4);
  const stats = parseNetTable(text, request, table);
  return { stats, rows: rowsOf(table) };
}

function expectedRow(s: KernelSocket, state: SocketState): Row {
  return {
    proto: s.proto,
    family: s.family,
    state,
    local: [...s.local],
    lport: s.lport,
    remote: [...s.remote],
    rport: s.rport,
    txQueue: s.txQueue,
    rxQueue: s.rxQueue,
    uid: s.uid,
    inode: s.inode,
  };
}

const statesArb = fc.constantFrom<SocketState[]>(['LISTEN', 'ESTABLISHED'], ['LISTEN'], ['ESTABLISHED']);

/** Socket lines a parser must count, by an independent rule: not blank, not the "sl" header. */
function countSocketLines(text: Buffer): number {
  let n = 0;
  for (const line of text.toString('latin1').split('\n')) {
    const trimmed = line.replace(/^[ \t\r]+/, '');
    if (trimmed === '' || trimmed.startsWith('sl')) continue;
    n++;
  }
  return n;
}

/**
 * An independent reading of a socket line, by whole blank-separated tokens: the fields procsock
 * uses must each be one well-formed token (the skipped ones, tr:tm->when, retrnsmt and timeout, may
 * be anything). Undefined when the line is not a socket line by that rule.
 */
function tokenReference(line: string, family: 4 | 6) {
  const m = /^[ \t\r]*[0-9]{1,15}:[ \t\r]*([^]*)$/.exec(line);
  if (m === null) return undefined;
  const tokens = m[1]!.split(/[ \t\r]+/).filter((t) => t !== '');
  if (tokens.length < 9) return undefined;
  const [local, remote, st, queues, , , uid, , inode] = tokens as [string, string, string, string, string, string, string, string, string];
  const endpoint = new RegExp(`^[0-9A-Fa-f]{${family === 4 ? 8 : 32}}:([0-9A-Fa-f]{4})$`);
  const lport = endpoint.exec(local);
  const rport = endpoint.exec(remote);
  const q = /^([0-9A-Fa-f]{1,8}):([0-9A-Fa-f]{1,8})$/.exec(queues);
  if (lport === null || rport === null || q === null || !/^[0-9A-Fa-f]{1,2}$/.test(st)) return undefined;
  if (!/^[0-9]{1,10}$/.test(uid) || Number(uid) > 0xffffffff || !/^[0-9]{1,15}$/.test(inode)) return undefined;
  return {
    lport: parseInt(lport[1]!, 16),
    rport: parseInt(rport[1]!, 16),
    txQueue: parseInt(q[1]!, 16),
    rxQueue: parseInt(q[2]!, 16),
    uid: Number(uid),
    inode: Number(inode),
  };
}

let closeSockets: () => Promise<void>;
let seeds: Record<TableName, string[]>;
beforeAll(async () => {
  closeSockets = await openSampleSockets();
  seeds = seedLines();
});
afterAll(async () => {
  await closeSockets();
});

describe('parseNetTable', () => {
  it(`reads back every field of a line made from a known socket, in both byte orders (${RUNS.roundTrip} inputs)`, () => {
    fc.assert(
      fc.property(kernelSocket(), fc.boolean(), statesArb, fc.nat(40), (s, littleEndian, states, pad) => {
        const text = Buffer.from(`${header(s.proto, s.family)}\n${kernelLine(s, littleEndian, pad)}\n`);
        const { stats, rows } = parse(text, { proto: s.proto, family: s.family, states, littleEndian });
        expect(stats).toEqual({ present: true, lines: 1, malformed: 0 });
        const state = expectedState(s);
        expect(rows).toEqual(state !== undefined && states.includes(state) ? [expectedRow(s, state)] : []);
      }),
      { numRuns: RUNS.roundTrip },
    );
    recordFuzzed('net: kernel line round trip', RUNS.roundTrip);
  });

  it(`reads a line the same whatever runs of blanks separate its fields (${RUNS.respaced} inputs)`, () => {
    // Fields are split at runs of blanks (space, tab, CR), however long: the kernel's single spaces are one case.
    const blanks = fc.array(fc.constantFrom(' ', '\t', '  ', ' \t'), { minLength: 40, maxLength: 40 });
    fc.assert(
      fc.property(kernelSocket(), blanks, (s, runs) => {
        const request = { proto: s.proto, family: s.family, states: ['LISTEN', 'ESTABLISHED'] as SocketState[], littleEndian: true };
        const line = kernelLine(s, true);
        let k = 0;
        const respaced = line.replace(/ +/g, (run, at: number) => (at === 0 ? run : runs[k++ % runs.length]!));
        fc.pre(respaced !== line);
        const original = parse(Buffer.from(`${line}\n`), request);
        expect(parse(Buffer.from(`${respaced}\n`), request)).toEqual(original);
        expect(original.stats).toEqual({ present: true, lines: 1, malformed: 0 });
      }),
      { numRuns: RUNS.respaced },
    );
    recordFuzzed('net: re-spaced kernel lines', RUNS.respaced);
  });

  it(`keeps the order and every reported socket of a whole table (${RUNS.table} inputs)`, () => {
    const table = fc.tuple(fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'), fc.constantFrom<4 | 6>(4, 6)).chain(([proto, family]) =>
      fc.record({ proto: fc.constant(proto), family: fc.constant(family), sockets: fc.array(kernelSocket(proto, family), { maxLength: 60 }) }),
    );
    fc.assert(
      fc.property(table, fc.boolean(), statesArb, ({ proto, family, sockets }, littleEndian, states) => {
        const text = Buffer.from([header(proto, family), ...sockets.map((s) => kernelLine(s, littleEndian))].join('\n') + '\n');
        const { stats, rows } = parse(text, { proto, family, states, littleEndian });
        expect(stats).toEqual({ present: true, lines: sockets.length, malformed: 0 });
        const expected = sockets.flatMap((s) => {
          const state = expectedState(s);
          return state !== undefined && states.includes(state) ? [expectedRow(s, state)] : [];
        });
        expect(rows).toEqual(expected);
      }),
      { numRuns: RUNS.table },
    );
    recordFuzzed('net: whole tables', RUNS.table);
  });

  it(`counts a mutated real line as malformed or reads it, and never disturbs its neighbours (${RUNS.mutated} inputs)`, () => {
    const tableArb = fc.constantFrom(...TABLES);
    const input = tableArb.chain((name) => {
      const proto = protoOf(name);
      const family = familyOf(name);
      const own = seeds[name];
      const seed = own.length > 0 ? fc.oneof(fc.constantFrom(...own), kernelSocket(proto, family).map((s) => kernelLine(s, true))) : kernelSocket(proto, family).map((s) => kernelLine(s, true));
      return fc.record({
        name: fc.constant(name),
        before: fc.array(kernelSocket(proto, family), { maxLength: 4 }),
        line: seed.chain((line) => mutated(Buffer.from(line, 'latin1'))),
        after: fc.array(kernelSocket(proto, family), { maxLength: 4 }),
      });
    });
    fc.assert(
      fc.property(input, statesArb, ({ name, before, line, after }, states) => {
        const request = { proto: protoOf(name), family: familyOf(name), states, littleEndian: true };
        const lines = (list: KernelSocket[]) => list.map((s) => Buffer.from(kernelLine(s, true) + '\n'));
        const head = Buffer.from(header(request.proto, request.family) + '\n');
        const alone = parse(Buffer.concat([head, line, Buffer.from('\n')]), request);
        const prefix = parse(Buffer.concat([head, ...lines(before)]), request).rows;
        const suffix = parse(Buffer.concat([head, ...lines(after)]), request).rows;
        const whole = parse(Buffer.concat([head, ...lines(before), line, Buffer.from('\n'), ...lines(after)]), request);

        expect(alone.stats.malformed).toBeLessThanOrEqual(alone.stats.lines);
        expect(alone.stats.lines).toBe(countSocketLines(line));
        if (alone.stats.malformed === alone.stats.lines) expect(alone.rows).toEqual([]);
        expect(whole.stats.lines).toBe(before.length + alone.stats.lines + after.length);
        expect(whole.stats.malformed).toBe(alone.stats.malformed);
        expect(whole.rows).toEqual([...prefix, ...alone.rows, ...suffix]);
        for (const row of alone.rows) {
          expect(row.family).toBe(request.family);
          expect(row.proto).toBe(request.proto);
          expect(states).toContain(row.state);
          expect(Number.isInteger(row.inode) && row.inode >= 0).toBe(true);
        }
      }),
      { numRuns: RUNS.mutated },
    );
    recordFuzzed('net: mutated real and kernel lines', RUNS.mutated);
  });

  it(`reads a socket from a mutated line only when every field it uses is a whole, well-formed token (${RUNS.strict} inputs)`, () => {
    const input = fc.constantFrom(...TABLES).chain((name) => {
      const proto = protoOf(name);
      const family = familyOf(name);
      const own = seeds[name];
      const made = kernelSocket(proto, family).map((s) => kernelLine({ ...s, st: proto === 'tcp' ? 0x0a : 0x07, remote: [0, 0, 0, 0], rport: 0 }, true));
      const seed = own.length > 0 ? fc.oneof(fc.constantFrom(...own), made) : made;
      return fc.record({ name: fc.constant(name), line: seed.chain((line) => mutated(Buffer.from(line, 'latin1'))) });
    });
    fc.assert(
      fc.property(input, ({ name, line }) => {
        fc.pre(!line.includes(0x0a));
        const request = { proto: protoOf(name), family: familyOf(name), states: ['LISTEN', 'ESTABLISHED'] as SocketState[], littleEndian: true };
        const { stats, rows } = parse(line, request);
        fc.pre(stats.lines === 1);
        const reference = tokenReference(line.toString('latin1'), request.family);
        const text = JSON.stringify(line.toString('latin1'));
        if (reference === undefined) {
          // Not a socket by the reference: it must not come out as one (with a uid or inode read from
          // the wrong column or cut short by a stray byte).
          expect(rows, `read as a socket, but not a kernel line: ${text}`).toEqual([]);
        } else {
          expect(stats.malformed, `well-formed line counted malformed: ${text}`).toBe(0);
          for (const row of rows) {
            expect({ ...reference, got: text }).toEqual({
              lport: row.lport, rport: row.rport, txQueue: row.txQueue, rxQueue: row.rxQueue, uid: row.uid, inode: row.inode, got: text,
            });
          }
        }
      }),
      { numRuns: RUNS.strict },
    );
    recordFuzzed('net: mutated lines against a token reference', RUNS.strict);
  });

  it(`survives random bytes and counts every socket line it skips (${RUNS.random} inputs)`, () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.array(fc.constantFrom(...'0123456789ABCDEFabcdef: \t\r\nsl-x'), { maxLength: 400 }).map((cs) => new Uint8Array(Buffer.from(cs.join('')))),
    );
    fc.assert(
      fc.property(bytes, fc.constantFrom(...TABLES), fc.boolean(), (data, name, littleEndian) => {
        const text = Buffer.from(data);
        const { stats, rows } = parse(text, { proto: protoOf(name), family: familyOf(name), states: ['LISTEN', 'ESTABLISHED'], littleEndian });
        expect(stats.lines).toBe(countSocketLines(text));
        expect(rows.length + stats.malformed).toBeLessThanOrEqual(stats.lines);
      }),
      { numRuns: RUNS.random },
    );
    recordFuzzed('net: random bytes', RUNS.random);
  });

  it(`reads a table of several MiB from a file exactly as from memory, whatever the line lengths (${RUNS.streamed} inputs)`, () => {
    const dir = mkdtempSync(`${tmpdir()}/procsock-net-stream-`);
    mkdirSync(`${dir}/net`);
    try {
      fc.assert(
        fc.property(fc.array(kernelSocket('tcp', 6), { minLength: 200, maxLength: 200 }), fc.array(fc.nat(300), { minLength: 200, maxLength: 200 }), (sockets, pads) => {
          // About 2.5 MiB: lines of random width so the 1 MiB read chunks end mid-line at random places.
          const lines = [header('tcp', 6)];
          for (let r = 0; r < 60; r++) sockets.forEach((s, k) => lines.push(kernelLine({ ...s, slot: r * 200 + k }, true, pads[k]!)));
          const text = Buffer.from(lines.join('\n') + '\n');
          writeFileSync(`${dir}/net/tcp6`, text);
          const request = { proto: 'tcp' as const, family: 6 as const, states: ['LISTEN', 'ESTABLISHED'] as SocketState[], littleEndian: true };
          const streamed = new SocketTable(4);
          const stats = readNetTable(dir, request, streamed);
          const whole = parse(text, request);
          expect(stats).toEqual(whole.stats);
          expect(rowsOf(streamed)).toEqual(whole.rows);
        }),
        { numRuns: RUNS.streamed },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    recordFuzzed('net: streamed multi-MiB tables', RUNS.streamed);
  });
});
