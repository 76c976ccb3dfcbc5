/**
 * The small readers: fd link targets (socketInode), /proc/PID/comm (readComm) and /etc/passwd
 * (parsePasswd), each against a reference written from the kernel's or the file's definition.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readComm } from '../../src/procfs/comm.js';
import { listPids } from '../../src/procfs/pids.js';
import { socketInode } from '../../src/procfs/fd.js';
import { parsePasswd } from '../../src/users.js';
import { recordFuzzed } from './figures.js';

const RUNS = { linkRandom: 5000, linkNear: 5000, linkValid: 3000, comm: 2000, passwd: 1500, passwdGarbage: 1500, pids: 300 };

/** What the kernel prints for a socket fd (fs/pipe.c-like "socket:[%lu]", net/socket.c sockfs_dname). */
function referenceInode(link: string): number {
  const m = /^socket:\[([0-9]{1,15})\]$/.exec(link);
  return m === null ? -1 : Number(m[1]);
}

describe('socketInode', () => {
  it(`reads nothing from arbitrary link targets but what the reference reads (${RUNS.linkRandom} inputs)`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 })), (link) => {
        expect(socketInode(link)).toBe(referenceInode(link));
      }),
      { numRuns: RUNS.linkRandom },
    );
    recordFuzzed('fd link: random strings', RUNS.linkRandom);
  });

  it(`rejects near misses of "socket:[N]" (${RUNS.linkNear} inputs)`, () => {
    const digits = fc.stringMatching(/^[0-9]{0,20}$/);
    const near = fc.oneof(
      digits.map((d) => `socket:[${d}`), // "socket:[12"
      digits.map((d) => `socket:${d}]`),
      digits.map((d) => `socket:[${d}]]`),
      digits.map((d) => ` socket:[${d}]`),
      digits.map((d) => `socket:[${d}] `),
      digits.map((d) => `Socket:[${d}]`),
      digits.map((d) => `pipe:[${d}]`),
      digits.map((d) => `anon_inode:[${d}]`),
      digits.map((d) => `/tmp/socket:[${d}]`),
      fc.tuple(digits, fc.constantFrom('a', 'x', '-', '+', ' ', '.', '\u0660', '\uff11', 'e'), digits).map(([a, c, b]) => `socket:[${a}${c}${b}]`), // "socket:[1a]"
      digits.map((d) => `socket:[-${d}]`),
      digits.map((d) => `socket:[${d}]\n`),
    );
    fc.assert(
      fc.property(near, (link) => {
        expect(socketInode(link)).toBe(referenceInode(link));
      }),
      { numRuns: RUNS.linkNear },
    );
    recordFuzzed('fd link: near misses', RUNS.linkNear);
  });

  it(`reads the inode of every real socket link (${RUNS.linkValid} inputs)`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), (inode) => {
        const link = `socket:[${inode}]`;
        expect(socketInode(link)).toBe(String(inode).length <= 15 ? inode : -1);
      }),
      { numRuns: RUNS.linkValid },
    );
    recordFuzzed('fd link: valid inodes', RUNS.linkValid);
  });
});

describe('readComm', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(`${tmpdir()}/procsock-comm-`);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  // The kernel prints the name (at most 15 bytes, any byte but NUL, via prctl or /proc/PID/comm)
  // and a newline; kernel threads' names can be longer. The reference: drop that one newline,
  // decode as the WHATWG UTF-8 decoder does (invalid sequences become U+FFFD).
  const name = fc.oneof(
    fc.uint8Array({ maxLength: 15 }).map((b) => Buffer.from(b.map((x) => (x === 0 ? 0x0a : x)))),
    fc.string({ unit: 'binary', maxLength: 8 }).map((s) => Buffer.from(s).subarray(0, 15)),
    fc.constantFrom('', '\n', 'a\nb', '\n\n', 'x"y\\z', '\u2028', '\x1b[31m').map((s) => Buffer.from(s)),
    fc.constantFrom(Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xc0, 0xaf])),
    fc.uint8Array({ minLength: 16, maxLength: 64 }).map((b) => Buffer.from(b.map((x) => (x === 0 ? 0x20 : x)))),
  );

  it(`gives the name as the reference decodes it: newlines, invalid UTF-8, 15 bytes, empty (${RUNS.comm} inputs)`, () => {
    let pid = 1;
    fc.assert(
      fc.property(name, fc.boolean(), (bytes, withNewline) => {
        pid++;
        mkdirSync(`${root}/${pid}`);
        const file = withNewline ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes;
        writeFileSync(`${root}/${pid}/comm`, file);
        const got = readComm(root, pid);
        const body = file.length > 0 && file[file.length - 1] === 0x0a ? file.subarray(0, -1) : file;
        expect(got).toBe(new TextDecoder('utf-8').decode(body));
        // Printable as JSON and back, so the LLD output stays valid UTF-8.
        expect(Buffer.from(got!, 'utf8').toString('utf8')).toBe(got); // no lone surrogates
        expect(JSON.parse(JSON.stringify(got))).toBe(got);
      }),
      { numRuns: RUNS.comm },
    );
    expect(readComm(root, 999_999_999)).toBeUndefined();
    recordFuzzed('comm contents', RUNS.comm);
  });
});

describe('listPids', () => {
  it(`lists exactly the entries that are a process id written as the kernel writes it (${RUNS.pids} inputs)`, () => {
    const entry = fc.oneof(
      fc.integer({ min: 1, max: 4_194_304 }).map(String), // PID_MAX_LIMIT
      fc.constantFrom('0', '00', '01', '007', 'self', 'thread-self', 'net', '1a', '-1', '+1', ' 1', '1 ', '1.0', '1e3', '١', '99999999999', '4294967296'),
      fc.stringMatching(/^[0-9a-z._-]{1,12}$/).filter((n) => n !== '.' && n !== '..'),
    );
    fc.assert(
      fc.property(fc.uniqueArray(entry, { maxLength: 30 }), (names) => {
        const root = mkdtempSync(`${tmpdir()}/procsock-pids-`);
        try {
          for (const name of names) mkdirSync(`${root}/${name}`);
          // A process id: a positive number whose decimal text is the name itself (no sign, no
          // leading zero, no blank), at most 10 digits.
          const expected = names.filter((n) => /^[0-9]+$/.test(n) && Number(n) > 0 && String(Number(n)) === n && n.length <= 10).map(Number);
          expect(listPids(root)).toEqual(expected.sort((a, b) => a - b));
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS.pids },
    );
    recordFuzzed('pid directory names', RUNS.pids);
  });
});

describe('parsePasswd', () => {
  const userName = fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,31}\$?$/);
  const entry = fc.record({ name: userName, uid: fc.oneof(fc.constantFrom(0, 65534), fc.integer({ min: 0, max: 0xffffffff })), gecos: fc.string({ maxLength: 20 }).map((s) => s.replace(/[:\n]/g, '')), indent: fc.constantFrom('', '', '', ' ', '\t') });
  /** Lines that are not entries: comments (as glibc reads them), blanks, too few fields, a uid that is not a number. */
  const garbage = fc.oneof(
    fc.constantFrom('', '#root:x:0:0', '  # x:x:5:5::/:', '   ', 'broken', 'a:b', 'x:x:1e3:0::/:', 'x:x:abc:0::/:', 'x:x::0::/:'),
    fc.string({ maxLength: 30 }).map((s) => s.replace(/\n/g, '').replace(/:/g, '')),
  );

  it(`names each uid after its first entry, whatever the other lines (${RUNS.passwd} inputs)`, () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(entry, garbage), { maxLength: 40 }), fc.boolean(), (lines, crlf) => {
        const text = lines
          .map((l) => (typeof l === 'string' ? l : `${l.indent}${l.name}:x:${l.uid}:${l.uid}:${l.gecos}:/home/${l.name}:/bin/sh`))
          .join(crlf ? '\r\n' : '\n');
        const names = parsePasswd(text);
        const expected = new Map<number, string>();
        for (const l of lines) if (typeof l !== 'string' && !expected.has(l.uid)) expected.set(l.uid, l.name);
        expect(names).toEqual(expected);
      }),
      { numRuns: RUNS.passwd },
    );
    recordFuzzed('passwd: entries among garbage', RUNS.passwd);
  });

  it(`never throws and names only with non-empty, colon-free, one-line names (${RUNS.passwdGarbage} inputs)`, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        for (const [uid, name] of parsePasswd(text)) {
          expect(Number.isInteger(uid) && uid >= 0).toBe(true);
          expect(name).not.toBe('');
          expect(name).not.toMatch(/[:\n]/);
        }
      }),
      { numRuns: RUNS.passwdGarbage },
    );
    recordFuzzed('passwd: random text', RUNS.passwdGarbage);
  });
});
