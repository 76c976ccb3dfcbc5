/**
 * Zabbix low-level discovery: a JSON array (the form Zabbix accepts since 4.2), one object per
 * socket, every value a string: Zabbix ignores LLD macros whose value is null, an array or an object.
 *
 * Rows are written as bytes straight into the output buffer: at 200,000 sockets, building a string
 * per row cost more than the whole fd scan. Only process and user names, which may need JSON
 * escaping, go through JSON.stringify, once per process and per user.
 */
import { LLD_MACRO } from '../zabbix/constants.js';
import { formatIPv6 } from '../procfs/addr.js';
import type { Snapshot } from '../collect.js';
import type { Output } from './output.js';
import type { UserNames } from '../users.js';
import { PROTO_NAME, STATE_NAME } from '../sockets.js';

const M = LLD_MACRO;
const ascii = (text: string) => Buffer.from(text, 'latin1');
/** `{"{#PROTO}":"tcp","{#FAMILY}":"ipv4","{#STATE}":"LISTEN","{#LADDR}":"` by proto, family, state. */
const HEAD = PROTO_NAME.map((proto) =>
  [4, 6].map((family) =>
    STATE_NAME.map((state) => ascii(`{"${M.PROTO}":"${proto}","${M.FAMILY}":"ipv${family}","${M.STATE}":"${state}","${M.LADDR}":"`)),
  ),
);
const LPORT = ascii(`","${M.LPORT}":"`);
const RADDR = ascii(`","${M.RADDR}":"`);
const RPORT = ascii(`","${M.RPORT}":"`);
/** Longest row without its tail: the constant text, two IPv6 addresses, two ports. */
const ROW_ROOM = 512;

export function renderLld(snapshot: Snapshot, order: Uint32Array, users: UserNames, out: Output): void {
  const t = snapshot.table;
  const owners = snapshot.owners;
  const laddr = new AddressWriter(t.laddr);
  const raddr = new AddressWriter(t.raddr);
  const tails = new Tails(owners, users);
  out.write('[');
  for (let k = 0; k < order.length; k++) {
    const r = order[k]!;
    const tail = tails.of(r, t.uid[r]!);
    out.room(ROW_ROOM + tail.length);
    const b = out.buf;
    let p = out.pos;
    if (k !== 0) b[p++] = 0x2c; // ,
    const family = t.family[r]!;
    p = put(b, p, HEAD[t.proto[r]!]![family === 6 ? 1 : 0]![t.state[r]!]!);
    p = laddr.put(b, p, family, r);
    p = put(b, p, LPORT);
    p = putUint(b, p, t.lport[r]!);
    p = put(b, p, RADDR);
    p = raddr.put(b, p, family, r);
    p = put(b, p, RPORT);
    p = putUint(b, p, t.rport[r]!);
    out.pos = put(b, p, tail);
  }
  out.write(']\n');
}

/**
 * The end of a row from `","{#PROC}":` on: the owner and the user, which sorted rows repeat (all the
 * connections of a server), encoded once per process. Names are the only values that may need
 * JSON escaping.
 */
class Tails {
  private readonly byPid = new Map<number, { uid: number; bytes: Buffer }>();
  private readonly quotedUser = new Map<number, string>();
  private lastPid = -1;
  private lastUid = -1;
  private last: Buffer = Buffer.alloc(0);

  constructor(
    private readonly owners: Snapshot['owners'],
    private readonly users: UserNames,
  ) {}

  of(row: number, uid: number): Buffer {
    const pid = this.owners.primary[row]!;
    const shared = this.owners.shared.size > 0 ? this.owners.shared.get(row) : undefined;
    if (shared !== undefined) return this.make(pid, uid, shared.join(','));
    if (pid === this.lastPid && uid === this.lastUid) return this.last;
    let cached = this.byPid.get(pid);
    if (cached === undefined || cached.uid !== uid) {
      cached = { uid, bytes: this.make(pid, uid, pid === 0 ? '' : String(pid)) };
      this.byPid.set(pid, cached);
    }
    this.lastPid = pid;
    this.lastUid = uid;
    this.last = cached.bytes;
    return cached.bytes;
  }

  private make(pid: number, uid: number, pids: string): Buffer {
    const proc = JSON.stringify(pid === 0 ? '' : (this.owners.comm.get(pid) ?? ''));
    let user = this.quotedUser.get(uid);
    if (user === undefined) {
      user = JSON.stringify(this.users.nameOf(uid));
      this.quotedUser.set(uid, user);
    }
    return Buffer.from(
      `","${M.PROC}":${proc},"${M.PID}":"${pid === 0 ? '' : pid}","${M.PIDS}":"${pids}","${M.USER}":${user},"${M.UID}":"${uid}"}`,
      'utf8',
    );
  }
}

function put(b: Buffer, p: number, bytes: Uint8Array): number {
  b.set(bytes, p);
  return p + bytes.length;
}

/** Decimal digits of a non-negative integer below 2^53. */
function putUint(b: Buffer, p: number, v: number): number {
  if (v < 10) {
    b[p] = 0x30 + v;
    return p + 1;
  }
  if (v > 0x7fffffff) return p + b.write(String(v), p, 'latin1');
  const digits = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  let i = p + digits;
  while (v >= 10) {
    const q = (v / 10) | 0;
    b[--i] = 0x30 + v - q * 10;
    v = q;
  }
  b[--i] = 0x30 + v;
  return p + digits;
}

/** The decimal text of each byte value: 3 bytes, then its length in the 4th. */
const OCTETS = new Uint8Array(256 * 4);
for (let v = 0; v < 256; v++) {
  const text = String(v);
  for (let i = 0; i < text.length; i++) OCTETS[v * 4 + i] = text.charCodeAt(i);
  OCTETS[v * 4 + 3] = text.length;
}

function putOctet(b: Buffer, p: number, v: number): number {
  const o = v * 4;
  const n = OCTETS[o + 3]!;
  b[p] = OCTETS[o]!;
  if (n > 1) b[p + 1] = OCTETS[o + 1]!;
  if (n > 2) b[p + 2] = OCTETS[o + 2]!;
  return p + n;
}

/** An IPv4 address held as a network-order word (read as int32: the same bits). */
function putIPv4(b: Buffer, p: number, w: number): number {
  p = putOctet(b, p, w >>> 24);
  b[p++] = 0x2e;
  p = putOctet(b, p, (w >> 16) & 0xff);
  b[p++] = 0x2e;
  p = putOctet(b, p, (w >> 8) & 0xff);
  b[p++] = 0x2e;
  return putOctet(b, p, w & 0xff);
}

const MAPPED = ascii('::ffff:');

/**
 * Addresses as formatAddress prints them, written as bytes. The common IPv6 forms (::, ::1,
 * v4-mapped) are written directly; others are formatted once and reused while rows repeat them
 * (sorted rows do: every connection of a listener has its local address).
 */
class AddressWriter {
  private lastRow = -1;
  private lastText = '';
  /** The address column read as int32, which V8 never boxes (a uint32 above 2^31 it may). */
  private readonly words: Int32Array;

  constructor(column: Uint32Array) {
    this.words = new Int32Array(column.buffer, column.byteOffset, column.length);
  }

  put(b: Buffer, p: number, family: number, row: number): number {
    const w = this.words;
    const o = row * 4;
    if (family === 4) return putIPv4(b, p, w[o]!);
    const w0 = w[o]!;
    const w1 = w[o + 1]!;
    const w2 = w[o + 2]!;
    const w3 = w[o + 3]!;
    if (w0 === 0 && w1 === 0) {
      if (w2 === 0xffff) return putIPv4(b, put(b, p, MAPPED), w3);
      if (w2 === 0 && (w3 === 0 || w3 === 1)) {
        b[p++] = 0x3a;
        b[p++] = 0x3a;
        if (w3 === 1) b[p++] = 0x31;
        return p;
      }
    }
    const last = this.lastRow * 4;
    if (this.lastRow < 0 || w[last] !== w0 || w[last + 1] !== w1 || w[last + 2] !== w2 || w[last + 3] !== w3) {
      this.lastText = formatIPv6(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0);
      this.lastRow = row;
    }
    return p + b.write(this.lastText, p, 'latin1');
  }
}
