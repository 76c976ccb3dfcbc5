/**
 * The join: walk every process's fd links, keep the ones that point at a socket of the table, and
 * name the processes that hold them. The fd scan is most of a run's time (one readlink per fd of
 * the host), so on hosts with many processes it is split across worker threads.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readComm } from './procfs/comm.js';
import { nowMs, scanSocketFds, type FdScanStats } from './procfs/fd.js';
import { listPids } from './procfs/pids.js';
import { InodeIndex } from './inode-index.js';
import { Owners } from './owners.js';
import type { SocketTable } from './sockets.js';
import type { Pid } from './types.js';

export interface JoinOptions {
  /** nowMs() time after which no more processes are looked into; the answer is then partial. */
  deadline: number;
  /**
   * Script that runs `runFdScanWorker` when started as a worker (the bundle itself). Without it,
   * or on hosts with few processes, everything runs on the main thread.
   */
  workerScript?: string;
  /** Threads to use when parallel (main included); default: the CPUs available, at most 4. */
  threads?: number;
  /** Fewest processes for which threads pay off (starting one costs ~20 ms). */
  parallelFromPids?: number;
}

export interface JoinStats extends FdScanStats {
  /** Visible processes. */
  processes: number;
  /** False when the deadline stopped the scan or the name lookups before the end. */
  complete: boolean;
  threads: number;
}

export const DEFAULT_PARALLEL_FROM_PIDS = 1000;
const WORKER_GRACE_MS = 250;

export async function resolveOwners(
  root: string,
  table: SocketTable,
  options: JoinOptions,
): Promise<{ owners: Owners; stats: JoinStats }> {
  const owners = new Owners(table.count);
  const index = new InodeIndex(table);
  const pids = listPids(root);
  const onSocket = (pid: Pid, inode: number) => {
    const row = index.rowOf(inode);
    if (row >= 0) owners.add(row, pid);
  };

  const threads =
    options.workerScript !== undefined && pids.length >= (options.parallelFromPids ?? DEFAULT_PARALLEL_FROM_PIDS)
      ? Math.max(1, options.threads ?? Math.min(4, availableParallelism()))
      : 1;
  const scan =
    threads > 1
      ? await scanInParallel(root, pids, threads, options.deadline, options.workerScript!, onSocket)
      : scanSocketFds(root, pids, 0, pids.length, options.deadline, onSocket);

  let namesComplete = true;
  for (const pid of owners.allPids()) {
    if (nowMs() > options.deadline) {
      namesComplete = false;
      break;
    }
    const name = readComm(root, pid);
    if (name !== undefined) owners.comm.set(pid, name);
  }
  const stats: JoinStats = {
    ...scan,
    processes: pids.length,
    complete: scan.visited === pids.length && namesComplete,
    threads,
  };
  return { owners, stats };
}

/** What a worker is given, and what it answers. */
export interface FdScanJob {
  kind: 'procsock-fd-scan';
  root: string;
  pids: Int32Array;
  deadline: number;
}
export interface FdScanAnswer {
  stats: FdScanStats;
  /** pid, inode, pid, inode, ... for every socket fd seen. */
  pairs: Float64Array;
}

/** Worker side: scans its share of the processes and posts back the socket fds it saw. */
export function runFdScanWorker(job: FdScanJob, post: (answer: FdScanAnswer, transfer: ArrayBuffer[]) => void): void {
  let pairs = new Float64Array(4096);
  let n = 0;
  const stats = scanSocketFds(job.root, job.pids, 0, job.pids.length, job.deadline, (pid, inode) => {
    if (n + 2 > pairs.length) {
      const grown = new Float64Array(pairs.length * 2);
      grown.set(pairs);
      pairs = grown;
    }
    pairs[n++] = pid;
    pairs[n++] = inode;
  });
  const answer = { stats, pairs: pairs.slice(0, n) };
  post(answer, [answer.pairs.buffer]);
}

async function scanInParallel(
  root: string,
  pids: Pid[],
  threads: number,
  deadline: number,
  workerScript: string,
  onSocket: (pid: Pid, inode: number) => void,
): Promise<FdScanStats> {
  // Interleave the shares: neighbouring PIDs tend to be alike (a pre-fork pool, a batch of
  // kernel threads), so striding keeps the threads' loads even.
  const shares = Array.from({ length: threads }, (_, t) => Int32Array.from(pids.filter((_, k) => k % threads === t)));
  const workers = shares.slice(1).map((share) => {
    const job: FdScanJob = { kind: 'procsock-fd-scan', root, pids: share, deadline };
    return new Worker(workerScript, { workerData: job, stdout: false, stderr: false });
  });
  const answers: FdScanAnswer[] = [];
  const settled = workers.map(
    (worker) =>
      new Promise<void>((resolve) => {
        worker.once('message', (answer: FdScanAnswer) => {
          answers.push(answer);
          resolve();
        });
        // A worker that fails leaves its share unscanned; the answer is then reported partial.
        worker.once('error', () => resolve());
        worker.once('exit', () => resolve());
      }),
  );
  const total = scanSocketFds(root, shares[0]!, 0, shares[0]!.length, deadline, onSocket);
  // Workers stop by themselves at the deadline; this grace only guards against one that hangs.
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - nowMs()) + WORKER_GRACE_MS);
  });
  await Promise.race([Promise.all(settled), grace]);
  clearTimeout(timer);
  for (const worker of workers) void worker.terminate();
  for (const { stats, pairs } of answers) {
    for (let k = 0; k < pairs.length; k += 2) onSocket(pairs[k]!, pairs[k + 1]!);
    total.scanned += stats.scanned;
    total.denied += stats.denied;
    total.vanished += stats.vanished;
    total.failed += stats.failed;
    total.visited += stats.visited;
  }
  return total;
}
