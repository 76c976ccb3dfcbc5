/**
 * Addresses as /proc/net/{tcp,udp}{,6} print them, and as people read them.
 *
 * The kernel prints each 32-bit word of an address with %08X straight from memory, i.e. in the
 * host's byte order: on x86 127.0.0.1 reads "0100007F". An IPv6 address is four such words, each
 * byte-swapped on its own, not one 128-bit number. Ports are printed as plain host integers.
 */
/** The host's byte order, as a typed array sees memory (os.endianness() says the same). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Turns a word printed by the kernel into the same word in network order (first byte highest). */
export function hostWordToNetwork(word: number, littleEndian: boolean): number {
  if (!littleEndian) return word >>> 0;
  return (((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24)) >>> 0;
}

export function formatIPv4(word: number): string {
  return `${word >>> 24}.${(word >>> 16) & 0xff}.${(word >>> 8) & 0xff}.${word & 0xff}`;
}

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run (first on a tie) of two or more zero groups as "::". */
export function formatIPv6(w0: number, w1: number, w2: number, w3: number): string {
  // RFC 5952 §5: an IPv4-mapped address keeps its IPv4 part in dotted form.
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${formatIPv4(w3)}`;
  const groups = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** Formats the address stored at words[offset..offset+3] (network order) for the given family. */
export function formatAddress(family: number, words: Uint32Array, offset: number): string {
  if (family === 4) return formatIPv4(words[offset]!);
  return formatIPv6(words[offset]!, words[offset + 1]!, words[offset + 2]!, words[offset + 3]!);
}

/** True for 0.0.0.0 and :: (a listener bound to every address). */
export function isWildcard(words: Uint32Array, offset: number): boolean {
  return words[offset] === 0 && words[offset + 1] === 0 && words[offset + 2] === 0 && words[offset + 3] === 0;
}
