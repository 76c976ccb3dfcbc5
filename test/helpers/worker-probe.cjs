// Starts the bundle as an fd-scan worker thread, as procsock does on hosts with many processes,
// and prints what it answers. Plain CommonJS, so any Node (18 included) runs it directly.
// argv: BUNDLE PID...
const { Worker } = require('node:worker_threads');
const [bundle, ...pids] = process.argv.slice(2);
const job = {
  kind: 'procsock-fd-scan',
  root: '/proc',
  pids: Int32Array.from(pids.map(Number)),
  // procsock's clock: milliseconds of CLOCK_MONOTONIC (process.hrtime), the same in every thread.
  deadline: process.hrtime()[0] * 1e3 + 30000,
};
const worker = new Worker(bundle, { argv: ['--procsock-fd-scan-worker'], workerData: job });
worker.once('message', (answer) => {
  process.stdout.write(JSON.stringify({ stats: answer.stats, pairs: Array.from(answer.pairs) }));
  void worker.terminate();
});
worker.once('error', (err) => {
  process.stderr.write(`worker failed: ${err.message}\n`);
  process.exitCode = 1;
});
