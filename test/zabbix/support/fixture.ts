/**
 * Synthetic procfs trees: /proc/net tables with as many sockets as a size test needs, and no
 * processes (so every owner is unresolved, and the answer size depends on the addresses alone).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const UDP_HEADER = `${TCP_HEADER} ref pointer drops`;

export interface FixtureSocket {
  /** Dotted IPv4 address text, e.g. "111.1.11.1". */
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  state: 'LISTEN' | 'ESTABLISHED';
}

/** An IPv4 address as /proc/net/tcp prints it: the 32-bit word in host (little-endian) order. */
function hexAddress(dotted: string): string {
  return dotted
    .split('.')
    .map((octet) => Number(octet).toString(16).padStart(2, '0').toUpperCase())
    .reverse()
    .join('');
}

const hexPort = (port: number) => port.toString(16).padStart(4, '0').toUpperCase();

/** Writes DIR/net/{tcp,udp} (no IPv6 tables: a host with IPv6 disabled) holding `sockets`. */
export function writeProcfs(dir: string, sockets: readonly FixtureSocket[]): void {
  mkdirSync(join(dir, 'net'), { recursive: true });
  const lines = sockets.map(
    (s, i) =>
      `${String(i).padStart(4)}: ${hexAddress(s.laddr)}:${hexPort(s.lport)} ${hexAddress(s.raddr)}:${hexPort(s.rport)} ` +
      `${s.state === 'LISTEN' ? '0A' : '01'} 00000000:00000000 00:00000000 00000000     0        0 ${100_000 + i} 1 0000000000000000 100 0 0 10 0`,
  );
  writeFileSync(join(dir, 'net/tcp'), `${[TCP_HEADER, ...lines].join('\n')}\n`);
  writeFileSync(join(dir, 'net/udp'), `${UDP_HEADER}\n`);
}

/** A dotted IPv4 address exactly `length` characters long (7 to 15), distinct per `seed` where it can. */
export function addressOfLength(length: number, seed: number): string {
  if (length < 7 || length > 15) throw new Error(`no IPv4 address has ${length} characters`);
  // Four octets of 1 to 3 digits; the digits beyond 4 are spread from the first octet on.
  let extra = length - 7;
  const octets = [0, 1, 2, 3].map((i) => {
    const digits = 1 + Math.min(2, extra);
    extra -= digits - 1;
    const low = digits === 1 ? 1 : digits === 2 ? 10 : 100;
    const span = digits === 1 ? 9 : digits === 2 ? 90 : 156;
    return String(low + ((seed >> (i * 3)) % span));
  });
  return octets.join('.');
}

/**
 * LISTEN sockets whose `procsock discovery` answer is `target` bytes long, given `rowBytes(len)`,
 * the size of one row whose address has `len` characters. Rows are joined by ",", in "[" "]\n".
 */
export function listenersOfAnswerSize(target: number, rowBytes: (addressLength: number) => number): FixtureSocket[] {
  const shortest = rowBytes(7);
  const longest = rowBytes(15);
  // n rows take n * row + (n - 1) commas + 3; pick n so that the target lies within the range.
  const n = Math.ceil((target - 2) / (longest + 1));
  if (n * (shortest + 1) + 2 > target) throw new Error(`cannot make an answer of ${target} bytes`);
  let extra = target - 2 - n * (shortest + 1);
  const sockets: FixtureSocket[] = [];
  for (let i = 0; i < n; i++) {
    const add = Math.min(8, extra);
    extra -= add;
    sockets.push({ laddr: addressOfLength(7 + add, i), lport: 10_000 + i, raddr: '0.0.0.0', rport: 0, state: 'LISTEN' });
  }
  if (extra !== 0) throw new Error(`cannot make an answer of ${target} bytes (${extra} left over)`);
  return sockets;
}

/** `count` outbound connections to distinct remote addresses: as many peers in procsock get. */
export function outboundConnections(count: number): FixtureSocket[] {
  return Array.from({ length: count }, (_, i) => ({
    laddr: '10.0.0.1',
    lport: 40_000 + (i % 20_000),
    raddr: `10.${1 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`,
    rport: 443,
    state: 'ESTABLISHED' as const,
  }));
}
