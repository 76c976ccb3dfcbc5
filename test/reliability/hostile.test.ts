/**
 * Privilege and hostile input. As root, --procfs must be a real procfs mount (a sudo rule must not
 * turn procsock into a file reader), while as nobody a fixture tree is fine. Under strace: nothing
 * is ever written, created or executed, and fd links are only ever readlink'ed (a stat or open
 * would follow them, and hang on a dead NFS mount). Hostile trees, closed or full stdout and
 * hostile process names give an answer or one error line, never a stack trace.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_NOBODY, BUNDLE } from '../helpers/procsock.js';
import { recordFigure } from '../property/figures.js';
import { rowsOfJson, rowsOfLld, socketKey, type Diagnostics } from './helpers/answers.js';
import { ipv4, makeTree, type FixtureSocket } from './helpers/fixture.js';
import { inNetns, killStarted, startCrowd, startHolder, startNetns, type Holder } from './helpers/procs.js';
import { cleanupRunHelpers, expectJsonAnswer, expectOneLineError, runBundle, type RunResult } from './helpers/run.js';

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(`${tmpdir()}/procsock-${prefix}-`);
  chmodSync(dir, 0o755);
  scratch.push(dir);
  return dir;
}

afterAll(() => {
  killStarted();
  cleanupRunHelpers();
  for (const dir of scratch) {
    spawnSync('chmod', ['-R', 'u+rwx', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** One listener of pid 100 ("web"), one unowned UDP socket. */
const SMALL: FixtureSocket[] = [
  { proto: 'tcp', family: 4, state: 'LISTEN', local: ipv4('127.0.0.1'), lport: 8080, pid: 100, uid: 33 },
  { proto: 'udp', family: 6, state: 'LISTEN', local: [0, 0, 0, 0], lport: 53 },
];
function smallTree(): string {
  const root = makeTree(SMALL, [{ pid: 100, comm: 'web' }]);
  scratch.push(root);
  return root;
}

describe('as root, the procfs root', () => {
  let tree: string;
  let copy: string;
  let cwd: string;
  beforeAll(() => {
    tree = smallTree();
    // A directory shaped exactly like procfs, with this host's real tables and a process.
    copy = tempDir('copy');
    mkdirSync(`${copy}/net`);
    for (const t of ['tcp', 'tcp6', 'udp', 'udp6']) copyFileSync(`/proc/net/${t}`, `${copy}/net/${t}`);
    mkdirSync(`${copy}/1/fd`, { recursive: true });
    copyFileSync('/proc/1/comm', `${copy}/1/comm`);
    const links = tempDir('links');
    symlinkSync('/etc', `${links}/to-etc`);
    symlinkSync(copy, `${links}/to-copy`);
    symlinkSync('/proc', `${links}/to-proc`);
    cwd = `${links}/a/b`;
    mkdirSync(cwd, { recursive: true });
  });

  const refused = () => [tree, copy, '/etc', '../../etc', '/proc/../etc', `${cwd}/../../to-etc`, `${cwd}/../../to-copy`, '/proc/self/root/etc', '/proc/1/cwd', '/sys', '/dev', '/proc/sys', '/proc/self/fd', '/etc/passwd', '/nonexistent'];

  it('is refused (exit 1, one line, nothing on stdout) unless it is a procfs mount: a fixture tree, a copy of /proc, /etc, escapes and symlinks', async () => {
    for (const root of refused()) {
      const r = await runBundle(['discovery', '--procfs', root], { cwd, timeoutMs: 20_000 });
      const line = expectOneLineError(r, [1]);
      // Named as an absolute path (relative ones resolved against the working directory).
      expect(line).toContain(`procfs root ${JSON.stringify(resolve(cwd, root)).slice(0, 40)}`);
    }
    // The tree and the copy are refused for what they are, not for a missing file.
    for (const root of [tree, copy]) {
      const r = await runBundle(['get', '--procfs', root], { cwd, timeoutMs: 20_000 });
      expect(expectOneLineError(r, [1])).toContain('is not a procfs mount');
    }
  });

  it('is accepted when it is one, however it is spelled: /proc/, a symlink to /proc, /proc/self/root/proc', async () => {
    for (const root of ['/proc/', `${cwd}/../../to-proc`, '/proc/self/root/proc']) {
      expectJsonAnswer(await runBundle(['discovery', '--procfs', root], { cwd, timeoutMs: 20_000 }));
    }
  });
});

describe('as nobody, a fixture tree', () => {
  it('is read like procfs', async () => {
    const root = smallTree();
    const doc = expectJsonAnswer(await runBundle(['discovery', '--procfs', root, '--format', 'json'], { prefix: AS_NOBODY, timeoutMs: 20_000 }));
    const rows = rowsOfJson(doc);
    expect(rows.map((r) => [socketKey(r), r.pids, r.proc, r.uid])).toEqual([
      ['tcp LISTEN 127.0.0.1:8080 0.0.0.0:0', [100], 'web', 33],
      ['udp LISTEN :::53 :::0', [], '', 0],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// strace: what the process does to the file system.

const WRITE_CLASS = ['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2', 'ftruncate', 'fchmod', 'fchown', 'fallocate', 'sendfile', 'copy_file_range'];
const MUTATING = /^(creat|mkdir|mkdirat|rmdir|unlink|unlinkat|rename|renameat|renameat2|link|linkat|symlink|symlinkat|chmod|fchmodat|chown|lchown|fchownat|truncate|ftruncate|fchmod|fchown|fallocate|utime|utimes|utimensat|futimesat|mknod|mknodat|setxattr|lsetxattr|fsetxattr|removexattr|lremovexattr|fremovexattr)$/;

interface Trace {
  lines: string[];
  result: RunResult;
}

/** Runs the bundle under strace -f (threads included), decoding fd paths (-y). */
function straced(args: string[], options: { asNobody?: boolean; netns?: number } = {}): Trace {
  const dir = tempDir('strace');
  const out = `${dir}/trace`;
  const argv = [
    ...inNetns(options.netns),
    'strace', '-f', '-qq', '-y', '-s', '256', '-o', out,
    ...(options.asNobody ? ['-u', 'nobody'] : []),
    '-e', `trace=%file,execve,${WRITE_CLASS.join(',')}`,
    process.execPath, BUNDLE, ...args,
  ];
  const started = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 });
  const result: RunResult = { args, code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, wallMs: performance.now() - started };
  return { lines: readFileSync(out, 'utf8').split('\n').filter(Boolean), result };
}

/** The syscall name and the rest of a strace line ("PID name(args...").  */
function callOf(line: string): { name: string; rest: string } | undefined {
  const m = /^\d+ +([a-z0-9_]+)\((.*)$/.exec(line);
  return m === null ? undefined : { name: m[1]!, rest: m[2]! };
}

/** Violations of "read-only, readlink-only on fd links, nothing executed" in a trace. */
function violations(trace: Trace, fdLink: RegExp): { problems: string[]; readlinks: number } {
  const problems: string[] = [];
  let readlinks = 0;
  let execs = 0;
  for (const line of trace.lines) {
    const call = callOf(line);
    if (call === undefined) continue; // "<... resumed>" halves: their calls were seen unfinished
    const { name, rest } = call;
    if (name === 'execve') {
      execs++;
      if (execs > 1) problems.push(`spawned a program: ${line}`);
      continue;
    }
    if (MUTATING.test(name)) problems.push(`mutating call: ${line}`);
    if (/^(open|openat|openat2)$/.test(name) && /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(rest)) problems.push(`opened for writing: ${line}`);
    if (WRITE_CLASS.includes(name)) {
      const target = /^\d+<([^>]*)>/.exec(rest)?.[1] ?? '';
      // Pipes (stdout, libuv's), eventfds and sockets are fine; a file is not.
      if (!/^(pipe:|anon_inode:|socket:|\/dev\/null$|\/dev\/pts\/|\/dev\/tty)/.test(target)) problems.push(`wrote to ${target || 'an unknown fd'}: ${line}`);
    }
    const paths = [...rest.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
    if (paths.some((p) => fdLink.test(p))) {
      if (name === 'readlink' || name === 'readlinkat') readlinks++;
      else problems.push(`touched an fd link with ${name}: ${line}`);
    }
  }
  return { problems, readlinks };
}

describe('under strace', () => {
  let netns: number;
  beforeAll(async () => {
    netns = await startNetns(300);
    await startHolder({ netns, name: 'traced', spec: 'tcp4:L,tcp6:E,udp4:L,udp6:E' });
    // ≥ 1000 processes, so the fd scan also runs in worker threads.
    await startCrowd({ netns, processes: 1100, dups: 2, lifetimeS: 300 });
  }, 180_000);

  for (const args of [['discovery'], ['discovery', '--format', 'json'], ['get']]) {
    it(`procsock ${args.join(' ')} as root on /proc writes nothing, runs nothing, and only readlinks fd links (threads included)`, () => {
      const trace = straced([...args, '--deadline-ms', '60000', '--max-bytes', '0'], { netns });
      const doc = expectJsonAnswer<{ diagnostics?: Diagnostics }>(trace.result);
      if (doc.diagnostics !== undefined) expect(doc.diagnostics.threads).toBeGreaterThan(1);
      const { problems, readlinks } = violations(trace, /^\/proc\/\d+\/fd\/\d+$/);
      expect(problems).toEqual([]);
      expect(readlinks).toBeGreaterThan(3 * 1100);
      recordFigure(`strace ${args.join(' ')}: traced calls, fd link readlinks`, { calls: trace.lines.length, readlinks });
    });
  }

  it('as nobody on a fixture tree, whose fd links are real symlinks a stat would follow, only readlinks them', () => {
    const root = smallTree();
    const trace = straced(['discovery', '--procfs', root, '--format', 'json'], { asNobody: true });
    expectJsonAnswer(trace.result);
    const { problems, readlinks } = violations(trace, new RegExp(`^${root}/\\d+/fd/\\d+$`));
    expect(problems).toEqual([]);
    expect(readlinks).toBe(1);
  });

  it('reads the checked real path of a --procfs given through a symlink, so the link cannot be swapped after the check', () => {
    const links = tempDir('swap');
    symlinkSync('/proc', `${links}/procfs`);
    const trace = straced(['discovery', '--procfs', `${links}/procfs`]);
    expectJsonAnswer(trace.result);
    const opened = trace.lines.filter((l) => /"[^"]*\/net\/(tcp|udp)6?"/.test(l) && /openat\(/.test(l));
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.filter((l) => l.includes(links))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Failures: always one line and a documented code.

describe('when the answer cannot be written', () => {
  it('exits 4 with one line when stdout is full (/dev/full)', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await runBundle(['discovery'], { stdoutFd: fd, timeoutMs: 20_000 });
      expect(expectOneLineError(r, [4])).toBe('cannot write the answer (ENOSPC)');
    } finally {
      closeSync(fd);
    }
  });

  it('exits 4 with one line when the reader has gone (EPIPE)', async () => {
    const r = await runBundle(['discovery', '--format', 'json'], { closeStdout: true, timeoutMs: 20_000 });
    expect(expectOneLineError(r, [4])).toBe('cannot write the answer (EPIPE)');
  });
});

/** Hostile trees (as nobody): each gives an answer or one error line, never a crash. */
const HOSTILE: Array<{ name: string; make: (root: string) => void; expect: 'answer' | 'error' }> = [
  { name: 'a comm that is a symlink to /etc/passwd', expect: 'answer', make: (r) => { rmSync(`${r}/100/comm`); symlinkSync('/etc/passwd', `${r}/100/comm`); } },
  { name: 'a comm that is a directory', expect: 'answer', make: (r) => { rmSync(`${r}/100/comm`); mkdirSync(`${r}/100/comm`); } },
  { name: 'a comm of 64 KiB', expect: 'answer', make: (r) => writeFileSync(`${r}/100/comm`, 'x'.repeat(65536)) },
  { name: 'an fd directory that is a symlink loop', expect: 'answer', make: (r) => { rmSync(`${r}/100/fd`, { recursive: true }); symlinkSync(`${r}/100/fd`, `${r}/100/fd`); } },
  { name: 'an fd entry that is a plain file, not a link', expect: 'answer', make: (r) => writeFileSync(`${r}/100/fd/7`, 'socket:[10000]') },
  { name: 'a process directory nobody may enter', expect: 'answer', make: (r) => chmodSync(`${r}/100`, 0o700) },
  { name: 'a process directory that is a symlink to /root', expect: 'answer', make: (r) => symlinkSync('/root', `${r}/4242`) },
  { name: 'binary garbage in net/tcp', expect: 'answer', make: (r) => writeFileSync(`${r}/net/tcp`, Buffer.from(Array.from({ length: 65536 }, (_, k) => (k * 7919) % 256))) },
  { name: 'a 3 MiB line without a newline in net/udp', expect: 'answer', make: (r) => writeFileSync(`${r}/net/udp`, '   0: '.padEnd(3 << 20, '0')) },
  { name: 'no tcp6 or udp6 (IPv6 disabled)', expect: 'answer', make: (r) => { rmSync(`${r}/net/tcp6`); rmSync(`${r}/net/udp6`); } },
  { name: 'a net/tcp that is a directory', expect: 'error', make: (r) => { rmSync(`${r}/net/tcp`); mkdirSync(`${r}/net/tcp`); } },
  { name: 'a net/tcp6 that is a symlink', expect: 'error', make: (r) => { rmSync(`${r}/net/tcp6`); symlinkSync(`${r}/net/tcp`, `${r}/net/tcp6`); } },
  { name: 'a net/udp nobody may read', expect: 'error', make: (r) => chmodSync(`${r}/net/udp`, 0o000) },
  { name: 'a root directory nobody may list', expect: 'error', make: (r) => chmodSync(r, 0o311) },
  { name: 'a root that is a file', expect: 'error', make: (r) => { rmSync(r, { recursive: true }); writeFileSync(r, 'tcp'); } },
];

describe('hostile fixture trees, read as nobody', () => {
  for (const c of HOSTILE) {
    it(`${c.name}: ${c.expect === 'answer' ? 'an answer, with what could be read' : 'one error line, exit 1'}`, async () => {
      const root = smallTree();
      c.make(root);
      const r = await runBundle(['discovery', '--procfs', root, '--format', 'json', '--deadline-ms', '5000'], { prefix: AS_NOBODY, timeoutMs: 20_000 });
      if (c.expect === 'error') {
        expectOneLineError(r, [1]);
      } else {
        const doc = expectJsonAnswer<{ diagnostics: Diagnostics }>(r);
        expect(doc.diagnostics.partial).toBe(0);
      }
    });
  }
});

describe('a FIFO planted in a fixture tree (nobody writes to it)', () => {
  // Opening a FIFO for reading blocks until a writer comes, unless opened O_NONBLOCK: the run must
  // still answer by its deadline. (Fails while src/procfs/read.ts opens without O_NONBLOCK.)
  for (const where of ['100/comm', 'net/udp6']) {
    it(`at ${where}: still answers, or fails in one line, within the deadline`, async () => {
      const root = smallTree();
      rmSync(`${root}/${where}`);
      execFileSync('mkfifo', ['-m', '0644', `${root}/${where}`]);
      const r = await runBundle(['discovery', '--procfs', root, '--format', 'json', '--deadline-ms', '500'], { prefix: AS_NOBODY, timeoutMs: 8_000 });
      expect(r.signal, `still blocked after ${Math.round(r.wallMs)} ms`).toBeNull();
      if (r.code === 0) expectJsonAnswer(r);
      else expectOneLineError(r, [1]);
      expect(r.wallMs).toBeLessThan(500 + 1500);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Process names are chosen by the processes themselves.

describe('processes with hostile names', () => {
  const NAMES = ['a\nb"c\\d', '\u001b[2J\u0007', '{"#PROC":"x"}', '</script>', '\u2028\u2029', '%s%n%x', '🦀crab', '$(reboot)'];
  /** Bytes no string can carry: invalid UTF-8, a lone surrogate's encoding, DEL and controls. */
  const RAW = ['ff fe 0a', 'c3 28 e2 82', 'ed a0 80', '7f 0d 0a 09'];
  let netns: number;
  let holders: Holder[];
  beforeAll(async () => {
    netns = await startNetns(300);
    holders = [];
    const hexes = [...NAMES.map((n) => Buffer.from(n).toString('hex')), ...RAW.map((h) => h.replace(/ /g, ''))];
    for (const hex of hexes) holders.push(await startHolder({ netns, name: `hex:${hex}`, spec: 'tcp4:L' }));
  });

  it('are printed as the kernel holds them (15 bytes, invalid UTF-8 as U+FFFD), in valid JSON and LLD', async () => {
    const lld = rowsOfLld(expectJsonAnswer(await runBundle(['discovery'], { prefix: inNetns(netns), timeoutMs: 20_000 })));
    const json = rowsOfJson(expectJsonAnswer(await runBundle(['discovery', '--format', 'json'], { prefix: inNetns(netns), timeoutMs: 20_000 })));
    for (const h of holders) {
      const bytes = readFileSync(`/proc/${h.pid}/comm`);
      const expected = new TextDecoder().decode(bytes.subarray(0, bytes.length - 1)); // the kernel's newline
      const key = socketKey(h.sockets[0]!);
      for (const rows of [lld, json]) {
        const row = rows.find((r) => socketKey(r) === key);
        expect(row, key).toBeDefined();
        expect(row!.pids).toEqual([h.pid]);
        expect(row!.proc).toBe(expected);
      }
    }
  });
});
