/**
 * Entry point of the bundle (dist/procsock.cjs). The same file runs as the command and, on hosts
 * with many processes, as the fd-scan worker threads it starts.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runFdScanWorker, type FdScanJob } from './join.js';
import { run } from './cli/run.js';
import { EXIT } from './errors.js';

declare const PROCSOCK_VERSION: string | undefined;
const version = typeof PROCSOCK_VERSION === 'string' ? PROCSOCK_VERSION : 'dev';

if (!isMainThread) {
  const job = workerData as FdScanJob;
  if (job?.kind === 'procsock-fd-scan' && parentPort !== null) {
    const port = parentPort;
    runFdScanWorker(job, (answer, transfer) => port.postMessage(answer, transfer));
  }
} else {
  const startedAt = performance.timeOrigin;
  const oneLine = (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`procsock: internal error: ${JSON.stringify(message.slice(0, 200))}\n`);
    process.exit(EXIT.INTERNAL);
  };
  process.on('uncaughtException', oneLine);
  process.on('unhandledRejection', oneLine);
  void run(process.argv.slice(2), {
    startedAt,
    workerScript: __filename,
    version,
    privileged: process.geteuid?.() === 0,
  }).then((code) => {
    process.exitCode = code;
  });
}
