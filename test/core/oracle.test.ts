/**
 * procsock against ss(8) on a live kernel: a private network namespace holding a few hundred
 * loopback sockets (every family and kind, a shared listener, IPv4-mapped connections), read by
 * both; the sets of (proto, state, local, remote, owner PIDs) must be equal.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Holder } from '../helpers/holder.js';
import { runInProcess } from '../helpers/inprocess.js';
import { BUNDLE, type LldRow } from '../helpers/procsock.js';
import { ss } from '../helpers/ss.js';

const isRoot = process.geteuid?.() === 0;
const NS = `procsock-oracle-${process.pid}`;
const inNs = ['ip', 'netns', 'exec', NS];

describe.skipIf(!isRoot)('procsock and ss agree (needs root for a network namespace)', () => {
  const holders: Holder[] = [];

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
    for (const name of ['a', 'b', 'c', 'd']) holders.push(await Holder.start(`psock-oracle-${name}`, inNs));
    const listeners = [];
    for (const h of holders) {
      listeners.push(
        await h.listen([
          ...Array.from({ length: 10 }, () => ({ host: '127.0.0.1' })),
          ...Array.from({ length: 3 }, () => ({ host: '0.0.0.0' })),
          ...Array.from({ length: 3 }, () => ({ host: '::1' })),
          ...Array.from({ length: 3 }, () => ({ host: '::' })),
          ...Array.from({ length: 3 }, () => ({ proto: 'udp' as const, host: '127.0.0.1' })),
          ...Array.from({ length: 2 }, () => ({ proto: 'udp' as const, host: '::' })),
        ]),
      );
    }
    // Each holder connects twice to every TCP listener of the next one, from spread source
    // addresses; a dual-stack :: listener reached over 127.0.0.1 holds IPv4-mapped connections.
    for (let i = 0; i < holders.length; i++) {
      const target = listeners[(i + 1) % holders.length]!;
      await holders[i]!.connect(
        target.slice(0, 19).map((l, k) => ({
          host: l.address === '::1' ? '::1' : '127.0.0.1',
          port: l.port,
          count: 2,
          ...(l.address === '::1' ? {} : { localAddress: `127.0.${i}.${k + 1}` }),
        })),
      );
      await holders[i]!.udpConnect(target.slice(19, 21).map((l) => ({ host: '127.0.0.1', port: l.port })));
    }
    // A pre-fork server: holder a's first listener is held by a child process too.
    await holders[0]!.share(0);
  });

  afterAll(async () => {
    await Promise.all(holders.map((h) => h.stop()));
    execFileSync('ip', ['netns', 'del', NS]);
  });

  it('reports the same sockets with the same owners as ss -tunap', () => {
    const truth = ss(inNs).map((s) => `${s.proto} ${s.state} ${s.local} ${s.remote} pids=${s.pids}`);
    const run = execFileSync('ip', ['netns', 'exec', NS, process.execPath, BUNDLE, 'discovery', '--max-bytes', '0', '--deadline-ms', '60000'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const ours = (JSON.parse(run) as LldRow[]).map(
      (x) => `${x['{#PROTO}']} ${x['{#STATE}']} ${x['{#LADDR}']}:${x['{#LPORT}']} ${x['{#RADDR}']}:${x['{#RPORT}']} pids=${x['{#PIDS}']}`,
    );
    expect(truth.length).toBeGreaterThan(300);
    expect(new Set(truth).size).toBe(truth.length);
    expect(ours.slice().sort()).toEqual(truth.slice().sort());
    // The shared listener really has two owners, and IPv4-mapped connections are there.
    expect(ours.some((line) => /pids=\d+,\d+$/.test(line))).toBe(true);
    expect(ours.some((line) => line.includes(' ::ffff:127.0.0.1:'))).toBe(true);
  });

  it('reads back a capture of the namespace as the same answer it gave live', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procsock-capture-'));
    try {
      const out = join(dir, 'tree');
      const said = execFileSync('ip', ['netns', 'exec', NS, process.execPath, BUNDLE, 'capture', '--out', out], { encoding: 'utf8' });
      expect(said).toMatch(/^captured 4 tables, \d+ processes, \d+ socket fds into /);
      const live = execFileSync('ip', ['netns', 'exec', NS, process.execPath, BUNDLE, 'discovery', '--max-bytes', '0', '--deadline-ms', '60000'], {
        encoding: 'utf8',
      });
      const replay = await runInProcess(['discovery', '--max-bytes', '0', '--procfs', out]);
      expect(replay.code).toBe(0);
      expect(JSON.parse(replay.stdout)).toEqual(JSON.parse(live));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
