/** Byte-level mutations of a text line: what a corrupt file, a new kernel or a hostile fixture could hold. */
import fc from 'fast-check';

/** Bytes that matter to a /proc/net parser: separators, digits, hex, signs, controls, non-ASCII. */
const interestingByte = fc.oneof(
  fc.constantFrom(0x20, 0x09, 0x0d, 0x0a, 0x00, 0x3a, 0x2d, 0x2b, 0x30, 0x39, 0x41, 0x46, 0x61, 0x66, 0x47, 0x78, 0x7f, 0x80, 0xc3, 0xff),
  fc.integer({ min: 0, max: 255 }),
);

type Op =
  | { kind: 'replace'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'swapFields'; a: number; b: number }
  | { kind: 'dupField'; a: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), byte: interestingByte }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(interestingByte, { minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapFields' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('dupField' as const), a: fc.nat() }),
);

function apply(line: Buffer, o: Op): Buffer {
  const n = line.length;
  const at = 'at' in o ? o.at % (n + 1) : 0;
  switch (o.kind) {
    case 'replace': {
      if (at === n) return Buffer.concat([line, Buffer.from([o.byte])]);
      const copy = Buffer.from(line);
      copy[at] = o.byte;
      return copy;
    }
    case 'insert':
      return Buffer.concat([line.subarray(0, at), Buffer.from(o.bytes), line.subarray(at)]);
    case 'delete':
      return Buffer.concat([line.subarray(0, at), line.subarray(Math.min(n, at + o.length))]);
    case 'truncate':
      return line.subarray(0, at);
    case 'swapFields':
    case 'dupField': {
      const fields = line.toString('latin1').split(' ');
      const a = o.a % fields.length;
      if (o.kind === 'dupField') fields.splice(a, 0, fields[a]!);
      else {
        const b = o.b % fields.length;
        [fields[a], fields[b]] = [fields[b]!, fields[a]!];
      }
      return Buffer.from(fields.join(' '), 'latin1');
    }
  }
}

/** A line with 1 to 4 mutations applied; never returns the line unchanged unless a mutation was a no-op. */
export function mutated(line: Buffer): fc.Arbitrary<Buffer> {
  return fc.array(op, { minLength: 1, maxLength: 4 }).map((ops) => ops.reduce(apply, line));
}
