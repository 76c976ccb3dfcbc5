/**
 * Address decoding and formatting (src/procfs/addr.ts) against oracles that share no code with it:
 * Buffer's byte-order readers, the WHATWG URL parser (whose IPv6 serializer compresses the first
 * longest run of two or more zero groups, as RFC 5952 §4.2 asks, and which reads a bare number as
 * an IPv4 address), node:net's isIPv6/isIPv4 and SocketAddress (inet_pton).
 */
import { isIPv4, isIPv6, SocketAddress } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress, formatIPv4, formatIPv6, hostWordToNetwork, isWildcard } from '../../src/procfs/addr.js';
import { parseNetTable } from '../../src/procfs/net.js';
import { SocketTable } from '../../src/sockets.js';
import { kernelLine, kernelSocket } from './kernel-lines.js';
import { recordFuzzed } from './figures.js';

const RUNS = { byteOrder: 5000, ipv4: 5000, ipv6: 10000, line: 3000 };

const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Groups biased to zero runs (where compression goes wrong) and to the mapped/compatible prefixes. */
const group = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.constantFrom(1, 0xffff, 0xfe80, 0x2001), fc.integer({ min: 0, max: 0xffff }));
const groups = fc.oneof(
  fc.array(group, { minLength: 8, maxLength: 8 }),
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (the deprecated IPv4-compatible form)
  fc.tuple(fc.constantFrom(0, 0xffff), group, group).map(([g5, g6, g7]) => [0, 0, 0, 0, 0, g5, g6, g7]),
);

function wordsOf(g: number[]): [number, number, number, number] {
  return [0, 2, 4, 6].map((i) => ((g[i]! << 16) | g[i + 1]!) >>> 0) as [number, number, number, number];
}

/** The address as the URL standard serializes it. */
function canonicalIPv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

describe('address decoding', () => {
  it(`turns a word printed in host order back into network order for both byte orders (${RUNS.byteOrder} inputs)`, () => {
    fc.assert(
      fc.property(u32, (network) => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(network);
        expect(hostWordToNetwork(b.readUInt32LE(), true)).toBe(network);
        expect(hostWordToNetwork(b.readUInt32BE(), false)).toBe(network);
      }),
      { numRuns: RUNS.byteOrder },
    );
    recordFuzzed('addr: host/network word order', RUNS.byteOrder);
  });

  it(`prints IPv4 as the URL parser reads the same 32-bit number (${RUNS.ipv4} inputs)`, () => {
    fc.assert(
      fc.property(u32, (word) => {
        const text = formatIPv4(word);
        expect(isIPv4(text)).toBe(true);
        expect(text).toBe(new URL(`http://${word}/`).hostname);
      }),
      { numRuns: RUNS.ipv4 },
    );
    recordFuzzed('addr: IPv4 text', RUNS.ipv4);
  });

  it(`prints IPv6 in RFC 5952 form, the URL serializer's, with mapped IPv4 dotted (${RUNS.ipv6} inputs)`, () => {
    fc.assert(
      fc.property(groups, (g) => {
        const [w0, w1, w2, w3] = wordsOf(g);
        const text = formatIPv6(w0, w1, w2, w3);
        const full = g.map((x) => x.toString(16)).join(':');
        expect(isIPv6(text)).toBe(true);
        // Same address as the uncompressed form, per two parsers.
        expect(canonicalIPv6(text)).toBe(canonicalIPv6(full));
        expect(new SocketAddress({ address: text, family: 'ipv6' }).address).toBe(new SocketAddress({ address: full, family: 'ipv6' }).address);
        const mapped = g.slice(0, 6).join() === '0,0,0,0,0,65535';
        if (mapped) expect(text).toBe(`::ffff:${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`);
        else expect(text).toBe(canonicalIPv6(full));
        expect(text).toBe(text.toLowerCase());
        expect(formatAddress(6, Uint32Array.from([w0, w1, w2, w3]), 0)).toBe(text);
        expect(isWildcard(Uint32Array.from([w0, w1, w2, w3]), 0)).toBe(text === '::');
      }),
      { numRuns: RUNS.ipv6 },
    );
    recordFuzzed('addr: IPv6 text', RUNS.ipv6);
  });

  it(`decodes a /proc/net line's addresses to the text of the socket's own address (${RUNS.line} inputs)`, () => {
    fc.assert(
      fc.property(kernelSocket(), fc.boolean(), (s, littleEndian) => {
        const socket = { ...s, st: s.proto === 'tcp' ? 0x0a : 0x01 };
        const table = new SocketTable(1);
        parseNetTable(Buffer.from(kernelLine(socket, littleEndian)), { proto: s.proto, family: s.family, states: ['LISTEN', 'ESTABLISHED'], littleEndian }, table);
        expect(table.count).toBe(1);
        const expected = (w: number[]) => {
          if (s.family === 4) return new URL(`http://${w[0]}/`).hostname;
          const g = w.flatMap((x) => [x >>> 16, x & 0xffff]);
          if (g.slice(0, 6).join() === '0,0,0,0,0,65535') return `::ffff:${new URL(`http://${w[3]}/`).hostname}`;
          return canonicalIPv6(g.map((x) => x.toString(16)).join(':'));
        };
        expect(formatAddress(s.family, table.laddr, 0)).toBe(expected(s.local));
        expect(formatAddress(s.family, table.raddr, 0)).toBe(expected(s.remote));
      }),
      { numRuns: RUNS.line },
    );
    recordFuzzed('addr: line to address text', RUNS.line);
  });
});
