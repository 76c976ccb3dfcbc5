import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6, hostWordToNetwork } from '../../src/procfs/addr.js';

/** Words as the kernel prints them for an address, on a host of the given byte order. */
function kernelWords(bytes: number[], littleEndian: boolean): number[] {
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const b = Buffer.from(bytes.slice(i, i + 4));
    words.push(littleEndian ? b.readUInt32LE(0) : b.readUInt32BE(0));
  }
  return words;
}

describe('host-order words', () => {
  it('decodes 127.0.0.1 printed as 0100007F by a little-endian host', () => {
    expect(formatIPv4(hostWordToNetwork(0x0100007f, true))).toBe('127.0.0.1');
  });

  it('decodes 127.0.0.1 printed as 7F000001 by a big-endian host', () => {
    expect(formatIPv4(hostWordToNetwork(0x7f000001, false))).toBe('127.0.0.1');
  });

  it('decodes an IPv6 address word by word on both byte orders', () => {
    const bytes = [0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01];
    for (const littleEndian of [true, false]) {
      const w = kernelWords(bytes, littleEndian).map((word) => hostWordToNetwork(word, littleEndian));
      expect(formatIPv6(w[0]!, w[1]!, w[2]!, w[3]!)).toBe('2001:db8::1');
    }
  });

  it('reads the words the kernel printed for ::1 on x86 (00000000000000000000000001000000)', () => {
    const w = [0, 0, 0, 0x01000000].map((word) => hostWordToNetwork(word, true));
    expect(formatIPv6(w[0]!, w[1]!, w[2]!, w[3]!)).toBe('::1');
  });

  it('decodes addresses with the high bit set without going negative', () => {
    expect(formatIPv4(hostWordToNetwork(0xffffffff, true))).toBe('255.255.255.255');
    expect(formatIPv4(hostWordToNetwork(0x010000c0, true))).toBe('192.0.0.1');
  });
});

describe('RFC 5952 text', () => {
  const cases: [string, number[]][] = [
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['fe80::1', [0xfe800000, 0, 0, 1]],
    // The longest run of zero groups is the one compressed...
    ['fe80::2:0:0:1', [0xfe800000, 0, 0x00020000, 1]],
    // ...the first one on a tie...
    ['2001:db8::1:0:0:1', [0x20010db8, 0, 0x00010000, 1]],
    // ...and a single zero group is never compressed.
    ['2001:db8:0:1:1:1:1:1', [0x20010db8, 0x00000001, 0x00010001, 0x00010001]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', [0x20010db8, 0xaaaabbbb, 0xccccdddd, 0xeeeeffff]],
  ];
  for (const [text, w] of cases) {
    it(`prints ${text}`, () => {
      expect(formatIPv6(w[0]!, w[1]!, w[2]!, w[3]!)).toBe(text);
    });
  }

  it('prints an IPv4-mapped address with its IPv4 part dotted', () => {
    expect(formatIPv6(0, 0, 0xffff, 0x7f000001)).toBe('::ffff:127.0.0.1');
  });
});
