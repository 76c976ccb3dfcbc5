/**
 * The join: walk every process's fd links, keep the ones that point at a socket of the table, and
 * name the processes that hold them. The fd scan is most of a run's time (one readlink per fd of
 * the host), so on hosts with many processes it is split across worker threads, which start on it
 * while the main thread still reads the tables.
 */
import type { Worker } from 'node:worker_threads';
import { readComm } from './procfs/comm.js';
import { nowMs } from './clock.js';
import { scanSocketFds, type FdScanStats } from './procfs/fd.js';
import { listPids } from './procfs/pids.js';
import type { InodeIndex } from './inode-index.js';
import { Owners } from './owners.js';
import { presortRows } from './order.js';
import type { SocketTable } from './sockets.js';
import type { Pid } from './types.js';

export interface JoinOptions {
  /** nowMs() time after which no more processes are looked into; the answer is then partial. */
  deadline: number;
  /** How to start fd-scan workers. Without it, or on hosts with few processes, everything runs on the main thread. */
  workers?: WorkerPool;
  /** Fewest processes for which a worker pays off (starting one costs ~40 ms of CPU). */
  parallelFromPids?: number;
}

export interface JoinStats extends FdScanStats {
  /** Visible processes. */
  processes: number;
  /** False when the deadline stopped the scan or the name lookups before the end. */
  complete: boolean;
  threads: number;
}

// Measured on 2 CPUs: at ~570 processes one thread and two take the same time; at ~1,070 two save
// ~13%. Set above the break-even: a worker costs CPU (~40 ms to start) and ~4 MB of memory.
export const DEFAULT_PARALLEL_FROM_PIDS = 800;
const WORKER_GRACE_MS = 250;
/** Processes a thread claims at a time: small enough to keep the threads' loads even. */
const CHUNK = 4;

/**
 * Starts worker threads that run `runFdScanWorker` (the bundle, started with WORKER_FLAG). Given by
 * the entry point, which loads node:worker_threads only when a host has enough processes for it.
 */
export interface WorkerPool {
  /** Threads to use, the main one included (the CPUs available, at most 4). */
  threads(): number;
  start(job: FdScanJob): Worker;
}

/** The argument a worker thread is started with, telling the bundle to scan rather than run the CLI. */
export const WORKER_FLAG = '--procsock-fd-scan-worker';

/** A started fd scan: `finish` joins what it finds to the table's rows (call it once). */
export interface OwnerScan {
  finish(table: SocketTable, index: InodeIndex): Promise<{ owners: Owners; stats: JoinStats }>;
}

/**
 * Lists the processes and, on hosts with many, starts the worker threads right away: they scan fd
 * links (which need no table) while the main thread reads /proc/net, then the main thread joins in.
 * Threads claim processes a few at a time from a shared cursor, so a worker that starts late (one
 * costs tens of ms) takes less, and one that never starts takes nothing.
 */
export function startOwnerScan(root: string, options: JoinOptions): OwnerScan {
  // A root that cannot be listed fails the run, but only after the tables (whose errors come first).
  let pids: Pid[] = [];
  let listError: unknown;
  try {
    pids = listPids(root);
  } catch (err) {
    listError = err;
  }
  const pool = options.workers;
  const threads = pool !== undefined && pids.length >= (options.parallelFromPids ?? DEFAULT_PARALLEL_FROM_PIDS) ? Math.max(1, pool.threads()) : 1;
  const deadline = options.deadline;
  // Past the deadline already, a worker could not scan anything: start none.
  const workers = threads > 1 && nowMs() < deadline ? startWorkers(root, pids, threads - 1, deadline, pool!) : undefined;
  const threadsUsed = workers === undefined ? 1 : threads;

  return {
    async finish(table: SocketTable, index: InodeIndex) {
      if (listError !== undefined) throw listError;
      const owners = new Owners(table.count);
      const seen = new FdPairs();
      let scan: FdScanStats;
      let namesComplete: boolean;
      if (workers === undefined) {
        scan = scanSocketFds(root, pids, 0, pids.length, deadline, seen.add);
        addOwners(seen, index, owners);
        namesComplete = readNames(root, owners, deadline);
      } else {
        scan = emptyStats();
        // The workers are scanning: meanwhile, the part of the output order that needs no owners.
        presortRows(table);
        // After each chunk of processes, the sockets of the table among their fds go to their
        // holders, and new holders are named while their /proc entries are fresh in the caches.
        let tried = 0;
        scanClaimed(root, workers.pids, workers.cursor, deadline, seen, scan, (mark) => {
          const pairs = seen.data;
          for (let k = mark; k < seen.length; k += 2) {
            const pid = pairs[k]!;
            const row = index.rowOf(pairs[k + 1]!);
            if (row < 0) continue;
            owners.add(row, pid);
            if (pid === tried) continue;
            tried = pid;
            const name = readComm(root, pid);
            if (name !== undefined) owners.comm.set(pid, name);
          }
        });
        namesComplete = true;
        for (const answer of await workers.answers()) {
          addOwners(answer.pairs, index, owners);
          const { pids: named, comms } = answer.names;
          for (let k = 0; k < named.length; k++) {
            if (owners.holds(named[k]!)) owners.comm.set(named[k]!, comms[k]!);
          }
          addStats(scan, answer.stats);
        }
        // Holders found by a worker whose names it could not read.
        namesComplete = readNames(root, owners, deadline) && namesComplete;
      }
      const stats: JoinStats = {
        ...scan,
        processes: pids.length,
        complete: scan.visited === pids.length && namesComplete,
        threads: threadsUsed,
      };
      return { owners, stats };
    },
  };
}

/** Socket fds as a scan sees them: pid, inode, pid, inode, ... (a flat array crosses threads cheaply). */
class FdPairs {
  data = new Float64Array(4096);
  length = 0;

  /** Records one socket fd (a bound method: the scan's callback). */
  readonly add = (pid: Pid, inode: number): void => {
    if (this.length + 2 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = pid;
    this.data[this.length++] = inode;
  };

  get pairs(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** The sockets of the table among `seen`, to their holders. */
function addOwners(seen: FdPairs | Float64Array, index: InodeIndex, owners: Owners): void {
  const pairs = seen instanceof FdPairs ? seen.pairs : seen;
  for (let k = 0; k < pairs.length; k += 2) {
    const row = index.rowOf(pairs[k + 1]!);
    if (row >= 0) owners.add(row, pairs[k]!);
  }
}

/** Reads the names of holders not named yet; false if the deadline stopped it. */
function readNames(root: string, owners: Owners, deadline: number): boolean {
  for (const pid of owners.allPids()) {
    if (owners.comm.has(pid)) continue;
    if (nowMs() > deadline) return false;
    const name = readComm(root, pid);
    if (name !== undefined) owners.comm.set(pid, name);
  }
  return true;
}

/** What a worker is given, and what it answers. */
export interface FdScanJob {
  kind: 'procsock-fd-scan';
  root: string;
  pids: Int32Array;
  deadline: number;
  /**
   * Shared with the other threads: [0] the next index of `pids` to claim, [1 + w] worker w's state
   * (0 not started, 1 started, 2 cancelled before it started). Without it the worker scans all pids.
   */
  shared?: Int32Array;
  /** This worker's slot in `shared`. */
  worker?: number;
}
export interface FdScanAnswer {
  stats: FdScanStats;
  /** pid, inode, pid, inode, ... for every socket fd seen. */
  pairs: Float64Array;
  /** Names of the processes seen holding any socket (the worker cannot tell which matter). */
  names: { pids: Int32Array; comms: string[] };
}

const NOT_STARTED = 0;
const STARTED = 1;
const CANCELLED = 2;

function emptyStats(): FdScanStats {
  return { scanned: 0, denied: 0, vanished: 0, failed: 0, visited: 0 };
}

function addStats(total: FdScanStats, part: FdScanStats): void {
  total.scanned += part.scanned;
  total.denied += part.denied;
  total.vanished += part.vanished;
  total.failed += part.failed;
  total.visited += part.visited;
}

/**
 * Scans the processes of `pids` by chunks claimed from cursor[0] (Atomics on shared memory) into
 * `seen`, adding each chunk's counts to `total` and calling `afterChunk` with where the chunk's
 * pairs start; stops claiming once the deadline has passed.
 */
function scanClaimed(
  root: string,
  pids: Int32Array,
  cursor: Int32Array,
  deadline: number,
  seen: FdPairs,
  total: FdScanStats,
  afterChunk: (mark: number) => void,
): void {
  const n = pids.length;
  for (;;) {
    const from = Atomics.add(cursor, 0, CHUNK);
    if (from >= n) return;
    const to = Math.min(n, from + CHUNK);
    const mark = seen.length;
    const part = scanSocketFds(root, pids, from, to, deadline, seen.add);
    addStats(total, part);
    afterChunk(mark);
    if (part.visited < to - from) return; // the deadline passed
  }
}

/** Worker side: scans its share of the processes and posts back the socket fds it saw. */
export function runFdScanWorker(job: FdScanJob, post: (answer: FdScanAnswer, transfer: ArrayBuffer[]) => void): void {
  const seen = new FdPairs();
  // Names of every process holding a socket, read here in parallel; the main thread keeps the
  // ones that hold a socket of the table.
  const named: number[] = [];
  const comms: string[] = [];
  let last = 0;
  const nameHolders = (mark: number) => {
    const pairs = seen.data;
    for (let k = mark; k < seen.length; k += 2) {
      const pid = pairs[k]!;
      if (pid === last) continue;
      last = pid;
      const name = readComm(job.root, pid);
      if (name === undefined) continue;
      named.push(pid);
      comms.push(name);
    }
  };
  let stats = emptyStats();
  const { shared, worker } = job;
  if (shared === undefined || worker === undefined) {
    stats = scanSocketFds(job.root, job.pids, 0, job.pids.length, job.deadline, seen.add);
    nameHolders(0);
  } else if (Atomics.compareExchange(shared, 1 + worker, NOT_STARTED, STARTED) === NOT_STARTED) {
    scanClaimed(job.root, job.pids, shared, job.deadline, seen, stats, nameHolders);
  }
  const answer = { stats, pairs: seen.pairs.slice(), names: { pids: Int32Array.from(named), comms } };
  post(answer, [answer.pairs.buffer, answer.names.pids.buffer]);
}

function startWorkers(root: string, pids: Pid[], count: number, deadline: number, pool: WorkerPool) {
  const shared = new Int32Array(new SharedArrayBuffer(4 * (1 + count)));
  const sharedPids = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, pids.length))).subarray(0, pids.length);
  sharedPids.set(pids);
  const answers: FdScanAnswer[] = [];
  const workers = Array.from({ length: count }, (_, w) => {
    const job: FdScanJob = { kind: 'procsock-fd-scan', root, pids: sharedPids, deadline, shared, worker: w };
    const worker = pool.start(job);
    // Nothing waits for a worker until answers(); if the run fails before, it must not hold the exit.
    worker.unref();
    const settled = new Promise<void>((resolve) => {
      worker.once('message', (answer: FdScanAnswer) => {
        answers.push(answer);
        resolve();
      });
      // A worker that fails leaves what it claimed unscanned; the answer is then reported partial.
      worker.once('error', () => resolve());
      worker.once('exit', () => resolve());
    });
    return { worker, settled, slot: w };
  });

  return {
    pids: sharedPids,
    cursor: shared,
    /** The workers' answers, once every worker that started has finished. */
    async answers(): Promise<FdScanAnswer[]> {
      // A worker that has not started by now has nothing left to do: cancel it rather than wait.
      const waiting = workers.filter(({ slot }) => Atomics.compareExchange(shared, 1 + slot, NOT_STARTED, CANCELLED) !== NOT_STARTED);
      // Workers stop by themselves at the deadline; this grace only guards against one that hangs
      // (and, the workers being unref'ed, keeps the process alive while they finish).
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - nowMs()) + WORKER_GRACE_MS);
      });
      await Promise.race([Promise.all(waiting.map((w) => w.settled)), grace]);
      clearTimeout(timer);
      for (const { worker } of workers) void worker.terminate();
      return answers;
    },
  };
}
