/**
 * Socket lines as the kernel prints them (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c
 * get_tcp6_sock, net/ipv4/udp.c udp4_format_sock, net/ipv6/datagram.c __ip6_dgram_sock_seq_show),
 * written here from the kernel's format strings, independently of src/procfs, so tests can make a
 * line from a known socket and check what the parser makes of it.
 */
import fc from 'fast-check';

export interface KernelSocket {
  proto: 'tcp' | 'udp';
  family: 4 | 6;
  /** Kernel state number (01 ESTABLISHED, 07 CLOSE, 0A LISTEN, ...). */
  st: number;
  /** Addresses in network order: the bytes on the wire, first byte highest (v4 uses word 0 only). */
  local: [number, number, number, number];
  lport: number;
  remote: [number, number, number, number];
  rport: number;
  txQueue: number;
  rxQueue: number;
  uid: number;
  inode: number;
  slot: number;
}

/** A word as the kernel's %08X prints it from memory on a host of the given byte order. */
export function printedWord(networkWord: number, littleEndian: boolean): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(networkWord >>> 0);
  const host = littleEndian ? b.readUInt32LE() : b.readUInt32BE();
  return hex(host, 8);
}

function hex(value: number, width: number): string {
  return (value >>> 0).toString(16).toUpperCase().padStart(width, '0');
}

function address(words: readonly number[], family: 4 | 6, littleEndian: boolean): string {
  return (family === 4 ? words.slice(0, 1) : words).map((w) => printedWord(w, littleEndian)).join('');
}

/** The line for `s`, with the tail fields the kernel prints after the inode. */
export function kernelLine(s: KernelSocket, littleEndian: boolean, tailPad = 0): string {
  const slot = s.proto === 'udp' ? String(s.slot).padStart(5) : String(s.slot).padStart(4);
  const head =
    `${slot}: ${address(s.local, s.family, littleEndian)}:${hex(s.lport, 4)} ` +
    `${address(s.remote, s.family, littleEndian)}:${hex(s.rport, 4)} ${hex(s.st, 2)} ` +
    `${hex(s.txQueue, 8)}:${hex(s.rxQueue, 8)} 00:00000000 00000000 ${String(s.uid).padStart(5)} ` +
    `${String(0).padStart(8)} ${s.inode}`;
  const tail = s.proto === 'tcp' ? ' 1 0000000000000000 100 0 0 10 0' : ' 2 0000000000000000 0';
  // tcp4 lines are padded with blanks to a fixed width (seq_setwidth); the others are not.
  return head + tail + ' '.repeat(tailPad);
}

export function header(proto: 'tcp' | 'udp', family: 4 | 6): string {
  if (proto === 'tcp' && family === 4) {
    return '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  }
  return proto === 'udp'
    ? '   sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops'
    : '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
}

/**
 * What procsock must report for a line: LISTEN/ESTABLISHED per the rules (TCP 0A/01; UDP 01,
 * and 07 with remote 0:0 as LISTEN), or undefined when the socket is not reported.
 */
export function expectedState(s: KernelSocket): 'LISTEN' | 'ESTABLISHED' | undefined {
  if (s.st === 0x01) return 'ESTABLISHED';
  if (s.proto === 'tcp') return s.st === 0x0a ? 'LISTEN' : undefined;
  const unconnected = s.rport === 0 && s.remote.every((w) => w === 0);
  return s.st === 0x07 && unconnected ? 'LISTEN' : undefined;
}

const word = fc.oneof(
  fc.constant(0),
  fc.constant(0xffff),
  fc.constant(0x7f000001),
  fc.constant(0x0000ffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);
const words = fc.tuple(word, word, word, word);
const port = fc.oneof(fc.constant(0), fc.constant(65535), fc.integer({ min: 0, max: 65535 }));

/** A socket the kernel could print, biased towards the states and addresses that matter. */
export const kernelSocket = (proto?: 'tcp' | 'udp', family?: 4 | 6): fc.Arbitrary<KernelSocket> =>
  fc
    .record({
      proto: proto === undefined ? fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp') : fc.constant(proto),
      family: family === undefined ? fc.constantFrom<4 | 6>(4, 6) : fc.constant(family),
      st: fc.oneof(fc.constantFrom(0x01, 0x07, 0x0a), fc.integer({ min: 0, max: 0xff })),
      local: words,
      lport: port,
      remote: fc.oneof(fc.constant<[number, number, number, number]>([0, 0, 0, 0]), words),
      rport: port,
      txQueue: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
      rxQueue: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
      uid: fc.oneof(fc.constantFrom(0, 65534, 4294967294), fc.integer({ min: 0, max: 0xffffffff })),
      // Socket inodes are 32-bit (get_next_ino); 0 is a connection not yet accepted.
      inode: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
      slot: fc.integer({ min: 0, max: 99999 }),
    })
    .map((s) => {
      if (s.family === 4) {
        s.local = [s.local[0], 0, 0, 0];
        s.remote = [s.remote[0], 0, 0, 0];
      }
      return s;
    });
