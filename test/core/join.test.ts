import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/collect.js';
import { WORKER_FLAG, type WorkerPool } from '../../src/join.js';
import { nowMs } from '../../src/clock.js';
import { ALL_SOCKETS } from '../../src/types.js';
import { Holder } from '../helpers/holder.js';
import { BUNDLE } from '../helpers/procsock.js';

describe('the fd scan split across worker threads', () => {
  let holder: Holder;
  beforeAll(async () => {
    holder = await Holder.start('psock-join');
    const [l] = await holder.listen([{ host: '127.0.0.1' }, { host: '::1' }]);
    await holder.connect([{ host: '127.0.0.1', port: l!.port, count: 5 }]);
  });
  afterAll(() => holder?.stop());

  it('finds the same owners as the main thread alone', async () => {
    const options = { root: '/proc', filter: ALL_SOCKETS, deadline: nowMs() + 30_000 };
    const one = await collect(options);
    const workers: WorkerPool = {
      threads: () => 3,
      start: (job) => new Worker(BUNDLE, { argv: [WORKER_FLAG], workerData: job }),
    };
    const three = await collect({ ...options, workers, parallelFromPids: 1 });
    expect(one.join.threads).toBe(1);
    expect(three.join.threads).toBe(3);
    expect(three.join.processes).toBeGreaterThan(3);
    // Compare socket by socket (inode → holders), since the two reads are moments apart.
    const holdersOf = (s: typeof one) => {
      const map = new Map<number, string>();
      for (let r = 0; r < s.table.count; r++) map.set(s.table.inode[r]!, s.owners.pidsOf(r).join(','));
      return map;
    };
    const a = holdersOf(one);
    const b = holdersOf(three);
    const mine = [...a].filter(([, pids]) => pids === String(holder.pid));
    expect(mine.length).toBe(12); // 2 listeners, 5 connections with both ends
    let compared = 0;
    for (const [inode, pids] of a) {
      if (!b.has(inode)) continue;
      expect(b.get(inode), `inode ${inode}`).toBe(pids);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(12);
  });
});
