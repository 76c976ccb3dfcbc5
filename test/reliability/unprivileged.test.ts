/**
 * Unprivileged runs: as nobody (setpriv, no capabilities) on the normal /proc, and on a procfs
 * mounted with hidepid=2 in a private mount namespace (unshare -m), both given with --procfs and
 * over /proc itself. In every case all sockets of the network namespace are listed (ss is the
 * truth), the sockets of root's process have no owner and are counted in owners_unresolved, and
 * nobody's own process is still named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOfJson, rowsOfLld, socketKey, type Diagnostics, type GetDoc, type Row } from './helpers/answers.js';
import { inNetns, killStarted, startHolder, startNetns, type Holder } from './helpers/procs.js';
import { cleanupRunHelpers, expectJsonAnswer, runBundle } from './helpers/run.js';
import { AS_NOBODY } from '../helpers/procsock.js';
import { ssSockets } from './helpers/ss.js';

const SPEC_ROOT = 'tcp4:L,tcp6:L,udp4:L,udp6:L,tcp4:E,tcp6:E,udp4:E,udp6:E';
const SPEC_NOBODY = 'tcp4:L,udp6:L,tcp6:E';

let netns: number;
let rootHolder: Holder;
let nobodyHolder: Holder;
let mountPoint: string;
let truth: Set<string>;

beforeAll(async () => {
  netns = await startNetns(300);
  rootHolder = await startHolder({ netns, name: 'root-holder', spec: SPEC_ROOT });
  nobodyHolder = await startHolder({ netns, name: 'nobody-holder', spec: SPEC_NOBODY, asNobody: true });
  truth = ssSockets(netns);
  mountPoint = mkdtempSync(`${tmpdir()}/procsock-hidepid-`);
});

afterAll(() => {
  killStarted();
  cleanupRunHelpers();
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Inside the namespace's network, as nobody; `mount` first mounts a hidepid=2 procfs (as root, in a private mount namespace). */
function prefix(hidepidOn?: string): string[] {
  if (hidepidOn === undefined) return [...inNetns(netns), ...AS_NOBODY];
  return [
    ...inNetns(netns),
    'unshare', '--mount', '--propagation', 'private', '--',
    'sh', '-c', 'mount -t proc -o hidepid=2 proc "$0" && exec "$@"', hidepidOn,
    ...AS_NOBODY,
  ];
}

function checkOwners(rows: Row[]): void {
  const ours = new Map(rows.map((r) => [socketKey(r), r]));
  expect([...truth].filter((k) => !ours.has(k)), 'sockets missing as nobody').toEqual([]);
  expect(rows.length).toBe(truth.size);
  for (const s of rootHolder.sockets) {
    const row = ours.get(socketKey(s))!;
    expect(row.pids, socketKey(s)).toEqual([]);
    expect(row.proc).toBe('');
    expect(row.uid).toBe(0);
  }
  for (const s of nobodyHolder.sockets) {
    const row = ours.get(socketKey(s))!;
    expect(row.pids, socketKey(s)).toEqual([nobodyHolder.pid]);
    expect(row.proc).toBe('nobody-holder');
    expect(row.uid).toBe(65534);
  }
}

const CASES = [
  { name: 'as nobody on the normal /proc', hidepid: undefined, procfs: [] as string[] },
  { name: 'as nobody on a hidepid=2 procfs given with --procfs', hidepid: 'mountPoint', procfs: ['--procfs', 'mountPoint'] },
  { name: 'as nobody on /proc remounted with hidepid=2', hidepid: '/proc', procfs: [] as string[] },
];

describe.each(CASES)('$name', ({ hidepid, procfs }) => {
  const at = (p: string) => (p === 'mountPoint' ? mountPoint : p);

  it("lists every socket, root's without owner and counted, nobody's with its owner", async () => {
    const run = (args: string[]) =>
      runBundle([...args, ...procfs.map(at)], { prefix: prefix(hidepid === undefined ? undefined : at(hidepid)), timeoutMs: 30_000 });
    const json = await run(['discovery', '--format', 'json']);
    const lld = await run(['discovery']);
    const get = await run(['get']);

    const doc = expectJsonAnswer<{ diagnostics: Diagnostics }>(json);
    checkOwners(rowsOfJson(doc));
    checkOwners(rowsOfLld(expectJsonAnswer(lld)));
    const d = doc.diagnostics;
    // Every root-held socket in the namespace is unresolved; nothing else is.
    expect(d.owners_unresolved).toBe(rootHolder.sockets.length);
    expect(d.partial).toBe(0);
    if (hidepid === undefined) {
      // Other users' processes are listed but their fd directories refuse us.
      expect(d.permission_denied).toBeGreaterThan(0);
    } else {
      // hidepid=2: they are not even listed; only nobody's own processes are.
      expect(d.processes).toBeLessThan(10);
      expect(d.permission_denied).toBe(0);
    }

    const g = expectJsonAnswer<GetDoc>(get);
    expect(g.diagnostics.owners_unresolved).toBe(rootHolder.sockets.length);
    const listenerOf = (s: Holder['sockets'][number]) =>
      g.listeners.find((l) => l.key === `${s.proto}:${s.laddr.includes(':') ? `[${s.laddr}]` : s.laddr}:${s.lport}`);
    for (const s of rootHolder.sockets.filter((x) => x.state === 'LISTEN')) expect(listenerOf(s)).toMatchObject({ pid: 0, proc: '', pids: '' });
    for (const s of nobodyHolder.sockets.filter((x) => x.state === 'LISTEN')) expect(listenerOf(s)).toMatchObject({ pid: nobodyHolder.pid, proc: 'nobody-holder' });
  });
});
