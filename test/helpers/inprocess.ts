/**
 * Runs the CLI in-process, as an unprivileged caller, with stdout and stderr going to temp files.
 * Fixture trees are not procfs mounts, which procsock refuses when running as root (as CI does);
 * in-process the caller says whether it is privileged.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunContext } from '../../src/cli/run.js';
import { nowMs } from '../../src/clock.js';
import type { Result } from './procsock.js';

export async function runInProcess(argv: readonly string[], context: Partial<RunContext> = {}): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'procsock-run-'));
  const outPath = join(dir, 'stdout');
  const errPath = join(dir, 'stderr');
  const stdout = openSync(outPath, 'w');
  const stderr = openSync(errPath, 'w');
  try {
    const code = await run(argv, { startedAt: nowMs(), version: 'test', privileged: false, stdout, stderr, ...context });
    return { code, signal: null, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
  } finally {
    closeSync(stdout);
    closeSync(stderr);
    rmSync(dir, { recursive: true, force: true });
  }
}
