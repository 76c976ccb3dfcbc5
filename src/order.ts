/**
 * The one order every output uses, so that the same sockets always print the same bytes (Zabbix's
 * "discard unchanged" compares them): protocol, state, family, local address, local port, remote
 * address, remote port, then owner PID and inode to break the ties SO_REUSEPORT creates, then
 * table order.
 *
 * Rows are put in endpoint order first (everything but the owner), which needs only the table and
 * so can be done while the fd scan runs (presortRows); the few runs of rows that tie on their
 * endpoints are then ordered by owner and inode once the owners are known.
 *
 * A small table (most hosts) is put in endpoint order by sorting one string key per row: the
 * comparisons are the engine's own, fast from the first call, where the run of a small host is
 * over before JavaScript loops are compiled (measured cold: 1,070 rows in 2 ms against 6.5-10 ms
 * for the radix sort; 10,000 rows in 14-22 ms against 25 ms; 30,000 rows in 33-52 ms against
 * 26-30 ms). A larger table is radix sorted.
 *
 * The radix sort is least-significant-digit first (stable, so tied rows keep table order): at
 * 200,000 sockets a comparison sort spends ~150 ms comparing addresses word by word.
 * The rows are first split by protocol, state and family, then each group is sorted on its own, so
 * an IPv4 group never pays for IPv6 words. Within a group a field is sorted only over the bits in
 * which its rows differ, in digits of at most 11 bits: larger digits make the counters outgrow the
 * CPU cache.
 */
import type { Owners } from './owners.js';
import type { SocketTable } from './sockets.js';

/** Endpoint orders computed ahead (presortRows), by table; used if the table has not grown since. */
const presorted = new WeakMap<SocketTable, { count: number; rows: Uint32Array }>();

/** Computes the endpoint order of a complete table ahead of sortedRows, which then only breaks ties. */
export function presortRows(table: SocketTable): void {
  presorted.set(table, { count: table.count, rows: endpointOrder(table) });
}

export function sortedRows(table: SocketTable, owners: Owners): Uint32Array {
  const ahead = presorted.get(table);
  const rows = ahead !== undefined && ahead.count === table.count ? ahead.rows.slice() : endpointOrder(table);
  breakTies(rows, table, owners);
  return rows;
}

/** Orders each run of rows with the same endpoints by owner PID then inode, keeping table order. */
function breakTies(rows: Uint32Array, table: SocketTable, owners: Owners): void {
  const n = rows.length;
  for (let a = 0; a < n; ) {
    const b = runEnd(rows, a, table);
    if (b - a > 1) sortRun(rows, a, b, owners.primary, table.inode);
    a = b;
  }
}

/** Where the run of rows sharing rows[a]'s endpoints ends. */
function runEnd(rows: Uint32Array, a: number, t: SocketTable): number {
  const first = rows[a]!;
  const f = first * 4;
  let b = a + 1;
  while (b < rows.length) {
    const r = rows[b]!;
    const o = r * 4;
    if (
      t.rport[r] !== t.rport[first] ||
      t.lport[r] !== t.lport[first] ||
      t.raddr[o] !== t.raddr[f] ||
      t.laddr[o] !== t.laddr[f] ||
      t.raddr[o + 3] !== t.raddr[f + 3] ||
      t.laddr[o + 3] !== t.laddr[f + 3] ||
      t.raddr[o + 1] !== t.raddr[f + 1] ||
      t.raddr[o + 2] !== t.raddr[f + 2] ||
      t.laddr[o + 1] !== t.laddr[f + 1] ||
      t.laddr[o + 2] !== t.laddr[f + 2] ||
      t.proto[r] !== t.proto[first] ||
      t.state[r] !== t.state[first] ||
      t.family[r] !== t.family[first]
    ) {
      break;
    }
    b++;
  }
  return b;
}

/** Rows are in table order within a run; a stable sort keeps it among full ties. */
function sortRun(rows: Uint32Array, a: number, b: number, pid: Int32Array, inode: Float64Array): void {
  const run = Array.from(rows.subarray(a, b));
  run.sort((x, y) => pid[x]! - pid[y]! || inode[x]! - inode[y]!);
  rows.set(run, a);
}

/** Tables up to this many rows are sorted by keyOrder, larger ones by radixOrder. */
export const KEY_SORT_MAX_ROWS = 8192;

/** Rows by protocol, state, family, local address and port, remote address and port; stable. */
function endpointOrder(table: SocketTable): Uint32Array {
  return table.count <= KEY_SORT_MAX_ROWS ? keyOrder(table) : radixOrder(table);
}

/**
 * endpointOrder by sorting strings of 16-bit code units, which JavaScript compares as unsigned
 * numbers, most significant first: kind, local address (8 units), local port, remote address,
 * remote port, then the row itself, so no two keys tie and table order is kept among equal
 * endpoints.
 */
export function keyOrder(table: SocketTable): Uint32Array {
  const n = table.count;
  const { laddr: l, raddr: r, lport, rport } = table;
  const keys: string[] = new Array<string>(n);
  for (let row = 0; row < n; row++) {
    const o = row * 4;
    const kind = (table.proto[row]! << 2) | (table.state[row]! << 1) | (table.family[row] === 6 ? 1 : 0);
    keys[row] = String.fromCharCode(
      kind,
      l[o]! >>> 16, l[o]! & 0xffff, l[o + 1]! >>> 16, l[o + 1]! & 0xffff, l[o + 2]! >>> 16, l[o + 2]! & 0xffff, l[o + 3]! >>> 16, l[o + 3]! & 0xffff,
      lport[row]!,
      r[o]! >>> 16, r[o]! & 0xffff, r[o + 1]! >>> 16, r[o + 1]! & 0xffff, r[o + 2]! >>> 16, r[o + 2]! & 0xffff, r[o + 3]! >>> 16, r[o + 3]! & 0xffff,
      rport[row]!,
      row >>> 16, row & 0xffff,
    );
  }
  keys.sort();
  const rows = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const key = keys[k]!;
    rows[k] = ((key.charCodeAt(KEY_ROW) << 16) | key.charCodeAt(KEY_ROW + 1)) >>> 0;
  }
  return rows;
}

/** Where the row number starts in a keyOrder key. */
const KEY_ROW = 19;

/** endpointOrder by radix sort, for large tables. */
export function radixOrder(table: SocketTable): Uint32Array {
  const n = table.count;
  // Keys are handled as int32 (the same bits): V8 keeps those unboxed even in cold code, where a
  // uint32 above 2^31 would become a heap number, and the digits are the same.
  const values = new Int32Array(n);
  const identity = identityRows(n);
  const spare = new Uint32Array(n);
  // Which bits differ within each group: AND and OR of its values, per group (kind).
  const and = new Int32Array(KINDS);
  const or = new Int32Array(KINDS);

  const kinds = new Uint8Array(n);
  const perKind = new Int32Array(KINDS);
  fillKind(kinds, perKind, table.proto, table.state, table.family);
  values.set(kinds);
  const all = new Passes(values, identity, spare);
  all.byValues(KINDS - 1);
  const rows = all.rows;
  const other = rows === identity ? spare : identity;
  const groups: (Passes | undefined)[] = [];
  for (let kind = 0, a = 0; kind < KINDS; a += perKind[kind++]!) {
    const b = a + perKind[kind]!;
    if (b - a > 1) groups[kind] = new Passes(values, rows.subarray(a, b), other.subarray(a, b));
  }
  // Each field's values are set for all rows at once, in row order (cheap), then every group sorts
  // by them over the bits in which its rows differ. Least significant first.
  const byValues = () => {
    for (let kind = 0; kind < KINDS; kind++) groups[kind]?.byValues(and[kind]! ^ or[kind]!);
  };
  fillColumn(values, table.rport, kinds, and, or);
  byValues();
  const raddr = asInt32(table.raddr);
  for (let w = 3; w >= 0; w--) {
    fillWord(values, raddr, w, kinds, and, or);
    byValues();
  }
  fillColumn(values, table.lport, kinds, and, or);
  byValues();
  const laddr = asInt32(table.laddr);
  for (let w = 3; w >= 0; w--) {
    fillWord(values, laddr, w, kinds, and, or);
    byValues();
  }
  for (const group of groups) {
    if (group !== undefined && group.rows.buffer !== rows.buffer) rows.set(group.rows, group.rows.byteOffset / 4);
  }
  return rows;
}

/** Protocol, state and family: the most significant part of the order, and the groups. */
const KINDS = 8;

function identityRows(n: number): Uint32Array {
  const rows = new Uint32Array(n);
  for (let r = 0; r < n; r++) rows[r] = r;
  return rows;
}

function fillKind(kinds: Uint8Array, perKind: Int32Array, proto: Uint8Array, state: Uint8Array, family: Uint8Array): void {
  for (let r = 0; r < kinds.length; r++) {
    const kind = (proto[r]! << 2) | (state[r]! << 1) | (family[r] === 6 ? 1 : 0);
    kinds[r] = kind;
    perKind[kind]!++;
  }
}

function asInt32(words: Uint32Array): Int32Array {
  return new Int32Array(words.buffer, words.byteOffset, words.length);
}

// The fills: one loop each, so that each gets optimized on its own (see Passes).

function fillColumn(values: Int32Array, column: Uint16Array, kinds: Uint8Array, and: Int32Array, or: Int32Array): void {
  values.set(column.subarray(0, values.length));
  and.fill(-1);
  or.fill(0);
  for (let r = 0; r < values.length; r++) {
    const x = values[r]!;
    and[kinds[r]!]! &= x;
    or[kinds[r]!]! |= x;
  }
}

function fillWord(values: Int32Array, words: Int32Array, w: number, kinds: Uint8Array, and: Int32Array, or: Int32Array): void {
  and.fill(-1);
  or.fill(0);
  for (let r = 0; r < values.length; r++) {
    const x = words[r * 4 + w]!;
    values[r] = x;
    and[kinds[r]!]! &= x;
    or[kinds[r]!]! |= x;
  }
}

const MAX_DIGIT_BITS = 11;
const counts = new Int32Array((1 << MAX_DIGIT_BITS) + 1);

/**
 * Stable counting-sort passes over `rows` (one group), keyed by values[row]. Each loop is a function
 * of its own: a run is too short for V8 to optimize a many-loop function whole, and code compiled
 * while in its first loop falls back to the interpreter at the next one.
 */
class Passes {
  /** Digit width: at most 11 bits, and no more counters than rows (small groups). */
  private readonly maxBits: number;

  constructor(
    private readonly values: Int32Array,
    public rows: Uint32Array,
    private spare: Uint32Array,
  ) {
    this.maxBits = Math.max(4, Math.min(MAX_DIGIT_BITS, 32 - Math.clz32(rows.length)));
  }

  /** Sorts by the current values, over the bits set in `differ` (those in which they differ). */
  byValues(differ: number): void {
    if (differ === 0) return;
    const low = 31 - Math.clz32(differ & -differ);
    const width = 32 - Math.clz32(differ) - low;
    const passes = Math.ceil(width / this.maxBits);
    const bits = Math.ceil(width / passes);
    for (let p = 0; p < passes; p++) {
      const shift = low + p * bits;
      // (v >> shift) & mask stays within the word: the last digit may be narrower.
      const mask = (1 << Math.min(bits, 32 - shift)) - 1;
      countDigits(this.values, this.rows, shift, mask);
      sumCounts(mask);
      scatter(this.values, this.rows, this.spare, shift, mask);
      const sorted = this.spare;
      this.spare = this.rows;
      this.rows = sorted;
    }
  }
}

// The loops below end their functions: V8 compiles a long-running loop while it runs (OSR), and
// code after the loop, not run yet then, would send every later call back to the interpreter.

/** counts[d + 1] = how many rows have digit d. */
function countDigits(values: Int32Array, rows: Uint32Array, shift: number, mask: number): void {
  counts.fill(0, 0, mask + 2);
  for (let k = 0; k < rows.length; k++) counts[((values[rows[k]!]! >> shift) & mask) + 1]!++;
}

/** counts[d] = how many rows have a digit below d: where the first row of digit d goes. */
function sumCounts(mask: number): void {
  for (let d = 1; d <= mask; d++) counts[d]! += counts[d - 1]!;
}

function scatter(values: Int32Array, rows: Uint32Array, into: Uint32Array, shift: number, mask: number): void {
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    into[counts[(values[r]! >> shift) & mask]!++] = r;
  }
}
