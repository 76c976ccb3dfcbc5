/**
 * Entry point of the bundle (dist/procsock.cjs). The same file runs as the command and, on hosts
 * with many processes, as the fd-scan worker threads it starts (with WORKER_FLAG).
 *
 * node:worker_threads (with the stream modules it pulls in) and node:os are loaded only when they
 * are used: start-up is most of a run's time on a small host, and the agent runs us every minute.
 */
import { writeSync } from 'node:fs';
import type * as WorkerThreads from 'node:worker_threads';
import type * as Os from 'node:os';
import { runFdScanWorker, WORKER_FLAG, type FdScanJob, type WorkerPool } from './join.js';
import { run } from './cli/run.js';
import { EXIT } from './errors.js';
import { processStartMs } from './clock.js';

declare const PROCSOCK_VERSION: string | undefined;
const version = typeof PROCSOCK_VERSION === 'string' ? PROCSOCK_VERSION : 'dev';

const workerThreads = () => require('node:worker_threads') as typeof WorkerThreads;

/** Worker threads are this very file, told apart by WORKER_FLAG (and checked: not on the main thread). */
function runAsWorker(): boolean {
  if (!process.argv.includes(WORKER_FLAG)) return false;
  const { isMainThread, parentPort, workerData } = workerThreads();
  if (isMainThread || parentPort === null) return false; // given on the command line: a usage error below
  const job = workerData as FdScanJob;
  if (job?.kind === 'procsock-fd-scan') runFdScanWorker(job, (answer, transfer) => parentPort.postMessage(answer, transfer));
  return true;
}

const workers: WorkerPool = {
  threads: () => Math.min(4, (require('node:os') as typeof Os).availableParallelism()),
  start: (job) => new (workerThreads().Worker)(__filename, { argv: [WORKER_FLAG], workerData: job }),
};

if (!runAsWorker()) {
  const startedAt = processStartMs();
  const internalError = (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    writeSync(2, `procsock: internal error: ${JSON.stringify(message.slice(0, 200))}\n`);
    process.exit(EXIT.INTERNAL);
  };
  process.on('uncaughtException', internalError);
  process.on('unhandledRejection', internalError);
  void run(process.argv.slice(2), { startedAt, workers, version, privileged: process.geteuid?.() === 0 }).then((code) => {
    process.exitCode = code;
  });
}
