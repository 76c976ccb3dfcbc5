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
import { hostWordToNetwork } from './addr.js';
import { streamFile } from './read.js';
import { PROTO_CODE, STATE_CODE, type SocketTable } from '../sockets.js';
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
  const parser = new NetLineParser(request, table);
  parser.parse(text, text.length, true);
  return { present: true, lines: parser.lines, malformed: parser.malformed };
}

const SP = 0x20;
const TAB = 0x09;
const NL = 0x0a;
const COLON = 0x3a;

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isBlank(c: number): boolean {
  return c === SP || c === TAB || c === 0x0d;
}

class NetLineParser {
  lines = 0;
  malformed = 0;
  private readonly proto: number;
  private readonly isUdp: boolean;
  private readonly addrHexLen: number;
  private readonly wantListen: boolean;
  private readonly wantEstablished: boolean;
  // Cursor and scratch words of the line being parsed (fields, so helpers need not return tuples).
  private p = 0;
  private readonly local = new Uint32Array(4);
  private readonly remote = new Uint32Array(4);

  constructor(
    private readonly request: NetTableRequest,
    private readonly table: SocketTable,
  ) {
    this.proto = PROTO_CODE[request.proto];
    this.isUdp = request.proto === 'udp';
    this.addrHexLen = request.family === 6 ? 32 : 8;
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
      this.parseLine(buf, start, nl);
      start = nl + 1;
    }
    return end;
  }

  private parseLine(b: Buffer, start: number, end: number): void {
    this.p = start;
    this.skipBlanks(b, end);
    if (this.p === end) return; // blank line
    // The header line starts with "sl"; socket lines start with a decimal slot number and ':'.
    if (this.p + 1 < end && b[this.p] === 0x73 /* s */ && b[this.p + 1] === 0x6c /* l */) return;
    this.lines++;
    if (!this.parseLineFields(b, end)) this.malformed++;
  }

  /** Returns false when the line is malformed. */
  private parseLineFields(b: Buffer, end: number): boolean {
    // sl
    if (this.decimal(b, end) < 0 || !this.take(b, end, COLON)) return false;
    // local_address, rem_address
    this.skipBlanks(b, end);
    const lport = this.endpoint(b, end, this.local);
    if (lport < 0) return false;
    this.skipBlanks(b, end);
    const rport = this.endpoint(b, end, this.remote);
    if (rport < 0) return false;
    // st
    this.skipBlanks(b, end);
    const st = this.hex(b, end, 2);
    if (st < 0) return false;
    // tx_queue:rx_queue
    this.skipBlanks(b, end);
    const txQueue = this.hex(b, end, 8);
    if (txQueue < 0 || !this.take(b, end, COLON)) return false;
    const rxQueue = this.hex(b, end, 8);
    if (rxQueue < 0) return false;
    // tr:tm->when, retrnsmt
    if (!this.skipField(b, end) || !this.skipField(b, end)) return false;
    // uid
    this.skipBlanks(b, end);
    const uid = this.decimal(b, end);
    if (uid < 0 || uid > 0xffffffff) return false;
    // timeout (may be negative on old kernels)
    if (!this.skipField(b, end)) return false;
    // inode
    this.skipBlanks(b, end);
    const inode = this.decimal(b, end);
    if (inode < 0 || (this.p < end && !isBlank(b[this.p]!))) return false;

    const state = this.classify(st, rport);
    if (state < 0) return true;
    const t = this.table;
    const i = t.append();
    t.proto[i] = this.proto;
    t.family[i] = this.request.family;
    t.state[i] = state;
    t.laddr.set(this.local, i * 4);
    t.lport[i] = lport;
    t.raddr.set(this.remote, i * 4);
    t.rport[i] = rport;
    t.txQueue[i] = txQueue;
    t.rxQueue[i] = rxQueue;
    t.uid[i] = uid;
    t.inode[i] = inode;
    return true;
  }

  /** The reported state code for a socket line, or -1 when the socket is not reported. */
  private classify(st: number, rport: number): number {
    const r = this.remote;
    if (st === TCP_ESTABLISHED) return this.wantEstablished ? STATE_CODE.ESTABLISHED : -1;
    if (!this.isUdp) return st === TCP_LISTEN && this.wantListen ? STATE_CODE.LISTEN : -1;
    // UDP has no LISTEN: a bound socket with no peer (state CLOSE, remote 0:0) is what ss calls
    // UNCONN and what a UDP server looks like.
    const unconnected = rport === 0 && r[0] === 0 && r[1] === 0 && r[2] === 0 && r[3] === 0;
    return st === TCP_CLOSE && unconnected && this.wantListen ? STATE_CODE.LISTEN : -1;
  }

  /** "ADDRHEX:PORTHEX" into words (network order); returns the port, or -1. */
  private endpoint(b: Buffer, end: number, words: Uint32Array): number {
    const wordCount = this.addrHexLen / 8;
    words.fill(0);
    for (let w = 0; w < wordCount; w++) {
      let v = 0;
      for (let k = 0; k < 8; k++) {
        const d = this.p < end ? hexDigit(b[this.p]!) : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
        this.p++;
      }
      words[w] = hostWordToNetwork(v, this.request.littleEndian);
    }
    if (!this.take(b, end, COLON)) return -1;
    const from = this.p;
    const port = this.hex(b, end, 4);
    // %04X: exactly four digits, then a blank.
    if (port < 0 || this.p - from !== 4 || (this.p < end && !isBlank(b[this.p]!))) return -1;
    return port;
  }

  /** Consumes byte c at the cursor, if it is there (never looking past the line's end). */
  private take(b: Buffer, end: number, c: number): boolean {
    if (this.p >= end || b[this.p] !== c) return false;
    this.p++;
    return true;
  }

  /** 1..maxDigits hex digits; returns the value or -1. */
  private hex(b: Buffer, end: number, maxDigits: number): number {
    const from = this.p;
    let v = 0;
    while (this.p < end) {
      const d = hexDigit(b[this.p]!);
      if (d < 0) break;
      v = v * 16 + d;
      this.p++;
    }
    const n = this.p - from;
    return n === 0 || n > maxDigits ? -1 : v;
  }

  /** 1..15 decimal digits (stays an exact double); returns the value or -1. */
  private decimal(b: Buffer, end: number): number {
    const from = this.p;
    let v = 0;
    while (this.p < end) {
      const c = b[this.p]!;
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      this.p++;
    }
    const n = this.p - from;
    return n === 0 || n > 15 ? -1 : v;
  }

  /** Skips blanks then one non-blank token; false if there is none. */
  private skipField(b: Buffer, end: number): boolean {
    this.skipBlanks(b, end);
    const from = this.p;
    while (this.p < end && !isBlank(b[this.p]!)) this.p++;
    return this.p > from;
  }

  private skipBlanks(b: Buffer, end: number): void {
    while (this.p < end && isBlank(b[this.p]!)) this.p++;
  }
}
