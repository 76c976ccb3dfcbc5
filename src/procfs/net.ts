/**
 * /proc/net/tcp, tcp6, udp, udp6: the kernel's socket tables, one socket per line.
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ...
 *    0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   117        0 20613 ...
 *
 * Parsed as bytes straight from the read buffer: at 200,000 sockets that is 30 MB, and splitting it
 * into strings costs more than the kernel takes to print it. Only the first ten fields are read;
 * whatever follows the inode differs between tcp and udp and between kernel versions.
 */
import { HOST_IS_LITTLE_ENDIAN, hostWordToNetwork } from './addr.js';
import { streamFile } from './read.js';
import { PROTO_CODE, STATE_CODE, SocketTable } from '../sockets.js';
import type { Family, Proto, SocketState } from '../types.js';

/** Kernel TCP states (include/net/tcp_states.h) that matter here. UDP reuses the numbering. */
const TCP_ESTABLISHED = 0x01;
const TCP_CLOSE = 0x07;
const TCP_LISTEN = 0x0a;

export interface NetTableStats {
  /** False when the file does not exist: tcp6/udp6 are absent when IPv6 is disabled. */
  present: boolean;
  /** Socket lines read (the header excluded), whatever their state. */
  lines: number;
  /** Lines that did not parse; they are skipped, never fatal. */
  malformed: number;
}

export interface NetTableRequest {
  proto: Proto;
  family: Family;
  states: readonly SocketState[];
  /** Byte order the kernel printed the words in; the host's own unless a test says otherwise. */
  littleEndian: boolean;
}

export function netTablePath(root: string, proto: Proto, family: Family): string {
  return `${root}/net/${proto}${family === 6 ? '6' : ''}`;
}

/** Reads one /proc/net table, appending the requested LISTEN/ESTABLISHED sockets to `table`. */
export function readNetTable(root: string, request: NetTableRequest, table: SocketTable): NetTableStats {
  primeParser();
  const parser = new NetLineParser(request, table);
  try {
    streamFile(netTablePath(root, request.proto, request.family), (buf, end, eof) => parser.parse(buf, end, eof));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { present: false, lines: 0, malformed: 0 };
    throw err;
  }
  return { present: true, lines: parser.lines, malformed: parser.malformed };
}

/** Parses a whole table held in memory (fixtures, property tests). */
export function parseNetTable(text: Buffer, request: NetTableRequest, table: SocketTable): NetTableStats {
  primeParser();
  const parser = new NetLineParser(request, table);
  parser.parse(text, text.length, true);
  return { present: true, lines: parser.lines, malformed: parser.malformed };
}

const NL = 0x0a;
const COLON = 0x3a;

/** Value of each byte as a hex digit, -1 for other bytes. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

/**
 * 1 for the blanks (space, tab, carriage return). Byte tests are table lookups or written out in
 * the loops rather than calls: a small host's few thousand lines are parsed before V8 compiles
 * the parser, and calls are what its interpreter pays most for.
 */
const BLANK = new Uint8Array(256);
BLANK[0x20] = 1;
BLANK[0x09] = 1;
BLANK[0x0d] = 1;

/** The fields after "sl:" that are read, up to the inode; the ones after it vary by kernel. */
const FIELDS = 9;
const LOCAL = 0;
const REMOTE = 1;
const ST = 2;
const QUEUES = 3; // tx_queue:rx_queue; then tr:tm->when and retrnsmt, not read
const UID = 6; // then timeout, not read
const INODE = 8;

/**
 * A socket line is blank-separated tokens (blanks are space, tab, CR):
 *   sl(1-15 dec)':' local remote st(1-2 hex) tx(1-8 hex)':'rx(1-8 hex) tr:when retrnsmt
 *   uid(1-10 dec, < 2^32) timeout inode(1-15 dec) [anything]
 * where an endpoint is 8 (IPv4) or 32 (IPv6) hex digits, ':', exactly 4 hex digits. A field read
 * must be a whole token (a stray byte after a number makes the line malformed, never a shorter
 * number). A line whose first non-blanks are "sl" is the header; a line of blanks is skipped.
 *
 * Each line is first split into tokens, then each field decoded by a small function: small
 * functions are what V8 compiles early and cheaply, which matters more here than a second look at
 * a hundred bytes (a run is over before a one-piece parser of the whole line gets compiled).
 */
class NetLineParser {
  lines = 0;
  malformed = 0;
  private readonly proto: number;
  private readonly family: number;
  private readonly isUdp: boolean;
  private readonly words: number;
  private readonly littleEndian: boolean;
  private readonly wantListen: boolean;
  private readonly wantEstablished: boolean;
  private readonly local = new Uint32Array(4);
  private readonly remote = new Uint32Array(4);
  private readonly starts = new Int32Array(FIELDS);
  private readonly ends = new Int32Array(FIELDS);

  constructor(
    request: NetTableRequest,
    private readonly table: SocketTable,
  ) {
    this.proto = PROTO_CODE[request.proto];
    this.family = request.family;
    this.isUdp = request.proto === 'udp';
    this.words = request.family === 6 ? 4 : 1;
    this.littleEndian = request.littleEndian;
    this.wantListen = request.states.includes('LISTEN');
    this.wantEstablished = request.states.includes('ESTABLISHED');
  }

  /** Parses the complete lines of buf[0, end); returns the offset just past the last one parsed. */
  parse(buf: Buffer, end: number, eof: boolean): number {
    let start = 0;
    while (start < end) {
      let nl = buf.indexOf(NL, start);
      if (nl < 0 || nl >= end) {
        if (!eof) return start;
        nl = end;
      }
      const verdict = this.parseLine(buf, start, nl);
      if (verdict !== SKIPPED) {
        this.lines++;
        if (verdict === MALFORMED) this.malformed++;
      }
      start = nl + 1;
    }
    return end;
  }

  private parseLine(b: Buffer, start: number, end: number): number {
    let p = start;
    while (p < end && BLANK[b[p]!] === 1) p++;
    if (p === end) return SKIPPED; // blank line
    // The header line starts with "sl"; socket lines start with a decimal slot number and ':'.
    if (p + 1 < end && b[p] === 0x73 /* s */ && b[p + 1] === 0x6c /* l */) return SKIPPED;
    const sl = p;
    while (p < end && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
    if (p === sl || p - sl > 15 || p >= end || b[p] !== COLON) return MALFORMED;

    const { starts, ends } = this;
    if (tokenize(b, p + 1, end, starts, ends) < FIELDS) return MALFORMED;
    const lport = endpoint(b, starts[LOCAL]!, ends[LOCAL]!, this.words, this.littleEndian, this.local);
    const rport = endpoint(b, starts[REMOTE]!, ends[REMOTE]!, this.words, this.littleEndian, this.remote);
    const st = ends[ST]! - starts[ST]! <= 2 ? hexValue(b, starts[ST]!, ends[ST]!) : -1;
    const queues = starts[QUEUES]!;
    const queuesEnd = ends[QUEUES]!;
    // %08X:%08X, but fewer digits are fine.
    const colon = queues + 8 < queuesEnd && b[queues + 8] === COLON ? queues + 8 : colonIn(b, queues, queuesEnd);
    const txQueue = colon > queues && colon - queues <= 8 ? hexValue(b, queues, colon) : -1;
    const rxQueue = txQueue >= 0 && queuesEnd - colon - 1 <= 8 ? hexValue(b, colon + 1, queuesEnd) : -1;
    const uid = ends[UID]! - starts[UID]! <= 10 ? decimalValue(b, starts[UID]!, ends[UID]!) : -1;
    const inode = ends[INODE]! - starts[INODE]! <= 15 ? decimalValue(b, starts[INODE]!, ends[INODE]!) : -1;
    if (lport < 0 || rport < 0 || st < 0 || txQueue < 0 || rxQueue < 0 || uid < 0 || uid > 0xffffffff || inode < 0) {
      return MALFORMED;
    }

    // The reported state: TCP LISTEN/ESTABLISHED; UDP has no LISTEN, so a bound socket with no
    // peer (state CLOSE, remote 0:0) is what ss calls UNCONN and what a UDP server looks like.
    let state = -1;
    if (st === TCP_ESTABLISHED) {
      if (this.wantEstablished) state = STATE_CODE.ESTABLISHED;
    } else if (this.wantListen) {
      const r = this.remote;
      if (this.isUdp ? st === TCP_CLOSE && rport === 0 && r[0] === 0 && r[1] === 0 && r[2] === 0 && r[3] === 0 : st === TCP_LISTEN) {
        state = STATE_CODE.LISTEN;
      }
    }
    if (state < 0) return PARSED;
    const t = this.table;
    const i = t.append();
    t.proto[i] = this.proto;
    t.family[i] = this.family;
    t.state[i] = state;
    const l = this.local;
    const r = this.remote;
    const o = i * 4;
    t.laddr[o] = l[0]!;
    t.laddr[o + 1] = l[1]!;
    t.laddr[o + 2] = l[2]!;
    t.laddr[o + 3] = l[3]!;
    t.lport[i] = lport;
    t.raddr[o] = r[0]!;
    t.raddr[o + 1] = r[1]!;
    t.raddr[o + 2] = r[2]!;
    t.raddr[o + 3] = r[3]!;
    t.rport[i] = rport;
    t.txQueue[i] = txQueue;
    t.rxQueue[i] = rxQueue;
    t.uid[i] = uid;
    t.inode[i] = inode;
    return PARSED;
  }
}

/** Index of the first ':' in b[from, to), or -1. */
function colonIn(b: Buffer, from: number, to: number): number {
  for (let p = from; p < to; p++) if (b[p] === COLON) return p;
  return -1;
}

/** Splits b[p, end) at blanks into up to FIELDS tokens; returns how many there are. */
function tokenize(b: Buffer, p: number, end: number, starts: Int32Array, ends: Int32Array): number {
  let n = 0;
  while (n < FIELDS) {
    while (p < end && BLANK[b[p]!] === 1) p++;
    if (p === end) return n;
    starts[n] = p;
    while (p < end && BLANK[b[p]!] === 0) p++;
    ends[n++] = p;
  }
  return n;
}

/** The value of the hex digits b[from, to) (at most 8, at least 1), or -1. */
function hexValue(b: Buffer, from: number, to: number): number {
  if (from === to) return -1;
  let v = 0;
  for (let p = from; p < to; p++) {
    const d = HEX[b[p]!]!;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v >>> 0;
}

/** The value of the decimal digits b[from, to) (at most 15, at least 1), or -1. */
function decimalValue(b: Buffer, from: number, to: number): number {
  if (from === to) return -1;
  let v = 0;
  for (let p = from; p < to; p++) {
    const d = b[p]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * "ADDRHEX:PORTHEX" in b[from, to): `words` 32-bit words printed in host order, stored into `into`
 * in network order, then ':' and exactly four hex digits. Returns the port, or -1.
 */
function endpoint(b: Buffer, from: number, to: number, words: number, littleEndian: boolean, into: Uint32Array): number {
  const colon = from + words * 8;
  if (to - from !== words * 8 + 5 || b[colon] !== COLON) return -1;
  into.fill(0);
  for (let w = 0; w < words; w++) {
    let v = 0; // the word's bits, as int32
    for (let p = from + w * 8; p < from + w * 8 + 8; p++) {
      const d = HEX[b[p]!]!;
      if (d < 0) return -1;
      v = (v << 4) | d;
    }
    into[w] = hostWordToNetwork(v, littleEndian);
  }
  return hexValue(b, colon + 1, to);
}

/** parseLine's verdicts. */
const SKIPPED = 0;
const PARSED = 1;
const MALFORMED = 2;

/**
 * Lines of every kind the parser meets (each table, reported and other states, values above 2^31,
 * the header), parsed into a scratch table before the real ones. V8 compiles the parser for the
 * kinds of input it has seen so far; meeting a new kind later (the next table) throws the compiled
 * code away and compiles it again, at ~30 ms a time.
 */
const PRIMER: [Proto, Family, string[]][] = [
  ['tcp', 4, [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   117        0 20613 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:0CEA 0A00A8C0:D3C2 01 FFFFFFFF:00000001 02:000A7D8B 00000000 4294967294        0 3000000000 2 0000000000000000 20 4 30 10 -1',
    '   2: 0100007F:8E2E 0100007F:0CEA 06 00000000:00000000 03:00001771 00000000     0        0 0 3 0000000000000000',
  ]],
  ['tcp', 6, [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000080 00:00000000 00000000     0        0 24446 1 0000000000000000 100 0 0 10 0',
    '   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF0000FE00A8C0:C001 01 00000000:00000000 00:00000000 00000000  1000        0 2147483648 1 0000000000000000 20 4 0 10 -1',
  ]],
  ['udp', 4, [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  123: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 15834 2 0000000000000000 0',
    '  124: 0100007F:A1B2 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 15835 2 0000000000000000 0',
  ]],
  ['udp', 6, [
    '  125: 00000000000000000000000000000000:0202 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 15836 2 0000000000000000 0',
  ]],
];
let primed = false;

function primeParser(): void {
  if (primed) return;
  primed = true;
  const scratch = new SocketTable(16);
  const texts = PRIMER.map(([, , lines]) => Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
  // V8 starts recording what a function sees only after its first 8 calls: go round twice.
  for (let round = 0; round < 2; round++) {
    PRIMER.forEach(([proto, family], k) => {
      const text = texts[k]!;
      new NetLineParser({ proto, family, states: ['LISTEN', 'ESTABLISHED'], littleEndian: HOST_IS_LITTLE_ENDIAN }, scratch).parse(text, text.length, true);
    });
  }
}
