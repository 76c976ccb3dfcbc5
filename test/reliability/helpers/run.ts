/**
 * Runs the bundle asynchronously (so a test can churn processes while it runs), optionally as an
 * unprivileged user, inside a network namespace, or with its peak RSS measured; and checks the two
 * shapes every run must have: a valid answer, or exactly one error line and nothing on stdout.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect } from 'vitest';
import { AS_NOBODY, BUNDLE } from '../../helpers/procsock.js';

export interface RunOptions {
  /** Command words put before node (setpriv, nsenter, unshare...). */
  prefix?: readonly string[];
  cwd?: string;
  /** Killed (by PID) after this long; the result then has signal SIGKILL. */
  timeoutMs?: number;
  /** An fd to use as the child's stdout instead of a pipe (e.g. /dev/full). */
  stdoutFd?: number;
  /** Close our end of the stdout pipe at once, so the child's writes fail with EPIPE. */
  closeStdout?: boolean;
  /** Measure the run's peak RSS (through a preload that records process.resourceUsage()). */
  measureRss?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  args: readonly string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, as seen by the test. */
  wallMs: number;
  /** Peak resident set in KiB, when measured. */
  maxRssKb?: number;
}

let probe: { dir: string; script: string } | undefined;

/** A preload that appends the process's peak RSS (KiB) to $PROCSOCK_TEST_RSS_FILE when it exits. */
function rssProbe(): { dir: string; script: string } {
  if (probe !== undefined) return probe;
  const dir = mkdtempSync(`${tmpdir()}/procsock-rss-`);
  chmodSync(dir, 0o755);
  const script = `${dir}/rss-probe.cjs`;
  writeFileSync(
    script,
    `process.on('exit', () => { try { require('fs').appendFileSync(process.env.PROCSOCK_TEST_RSS_FILE, process.resourceUsage().maxRSS + '\\n'); } catch {} });\n`,
    { mode: 0o644 },
  );
  probe = { dir, script };
  return probe;
}

export function cleanupRunHelpers(): void {
  if (probe !== undefined) rmSync(probe.dir, { recursive: true, force: true });
  probe = undefined;
}

let rssCounter = 0;

export function runBundle(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const prefix = options.prefix ?? [];
  const nodeArgs: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  let rssFile: string | undefined;
  if (options.measureRss) {
    const p = rssProbe();
    rssFile = `${p.dir}/rss-${process.pid}-${rssCounter++}`;
    writeFileSync(rssFile, '', { mode: 0o666 });
    chmodSync(rssFile, 0o666);
    nodeArgs.push('-r', p.script);
    env.PROCSOCK_TEST_RSS_FILE = rssFile;
  }
  const argv = [...prefix, process.execPath, ...nodeArgs, BUNDLE, ...args];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd ?? tmpdir(),
      env,
      stdio: ['ignore', options.stdoutFd ?? 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    if (options.closeStdout) child.stdout?.destroy();
    else child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            if (child.pid !== undefined) {
              try {
                process.kill(child.pid, 'SIGKILL');
              } catch {
                // already gone
              }
            }
          }, options.timeoutMs);
    child.once('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: RunResult = {
        args,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: performance.now() - started,
      };
      if (rssFile !== undefined) {
        const values = readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map(Number);
        if (values.length > 0) result.maxRssKb = Math.max(...values);
        rmSync(rssFile, { force: true });
      }
      resolve(result);
    });
  });
}

/** Runs `jobs` with at most `width` in flight; results in job order. */
export async function pool<T, R>(jobs: readonly T[], width: number, run: (job: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(jobs.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, jobs.length) }, async () => {
    while (next < jobs.length) {
      const k = next++;
      results[k] = await run(jobs[k]!, k);
    }
  });
  await Promise.all(lanes);
  return results;
}

function describeRun(r: RunResult): string {
  return `procsock ${JSON.stringify(r.args)} -> code ${r.code} signal ${r.signal}\nstderr: ${r.stderr.slice(0, 600)}\nstdout: ${r.stdout.slice(0, 300)}`;
}

/** A failure: one line on stderr, "procsock: ...", no stack, nothing on stdout, a documented code. */
export function expectOneLineError(r: RunResult, codes: readonly number[] = [1, 2, 3]): string {
  const what = describeRun(r);
  expect(r.signal, what).toBeNull();
  expect(codes, what).toContain(r.code);
  expect(r.stdout, what).toBe('');
  expect(r.stderr, what).toMatch(/^procsock: [^\n]+\n$/);
  expect(r.stderr, what).not.toMatch(/\n\s+at |node:internal|Error: /);
  return r.stderr.slice('procsock: '.length, -1);
}

/** A success: exit 0, nothing on stderr, stdout one JSON document and a newline. */
export function expectJsonAnswer<T = unknown>(r: RunResult): T {
  const what = describeRun(r);
  expect(r.signal, what).toBeNull();
  expect(r.code, what).toBe(0);
  expect(r.stderr, what).toBe('');
  expect(r.stdout.endsWith('\n'), what).toBe(true);
  return JSON.parse(r.stdout) as T;
}
