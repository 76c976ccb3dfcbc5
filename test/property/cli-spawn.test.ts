/**
 * The bundle itself on a few hundred generated command lines, as root on the live /proc (as CI
 * runs it): every run either answers (exit 0, valid JSON or LLD, or text for table/help/version)
 * or prints exactly one line on stderr with a documented exit code and nothing on stdout. The
 * in-process parser says which to expect, so a usage error must be the very same line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine, type Args } from '../../src/cli/args.js';
import { ProcsockError } from '../../src/errors.js';
import { cleanupRunHelpers, expectJsonAnswer, expectOneLineError, pool, runBundle, type RunResult } from '../reliability/helpers/run.js';
import { argvOf, brokenArgv, garbageArgv, validModel } from './argv.js';
import { recordFigure, recordFuzzed } from './figures.js';

const SPAWNS = { valid: 120, broken: 90, garbage: 90 };
const TOTAL = SPAWNS.valid + SPAWNS.broken + SPAWNS.garbage;

function expected(argv: string[]): Args | ProcsockError {
  try {
    return parseCommandLine(argv);
  } catch (err) {
    if (err instanceof ProcsockError) return err;
    throw err;
  }
}

/** Spawning NUL is impossible, and capture writes: both stay in the in-process tests. */
function spawnable(argv: string[]): boolean {
  if (argv.some((a) => a.includes('\0'))) return false;
  const parsed = expected(argv);
  return parsed instanceof ProcsockError || parsed.command !== 'capture';
}

function checkAnswer(r: RunResult, args: Args): void {
  if (args.command === 'help' || args.command === 'version' || (args.command === 'discovery' && args.format === 'table')) {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.length).toBeGreaterThan(0);
    return;
  }
  const doc = expectJsonAnswer<unknown>(r);
  if (args.command === 'get') {
    expect(doc).toMatchObject({ listeners: expect.any(Array), peers: expect.any(Array), diagnostics: expect.any(Object) });
  } else if (args.command === 'discovery' && args.format === 'lld') {
    expect(Array.isArray(doc)).toBe(true);
    for (const row of doc as Record<string, unknown>[]) {
      // Zabbix ignores LLD macros whose value is not a string or number.
      for (const value of Object.values(row)) expect(typeof value).toBe('string');
    }
  } else {
    expect(doc).toMatchObject({ sockets: expect.any(Array), diagnostics: expect.any(Object) });
  }
}

let cwd: string;
beforeAll(() => {
  // Relative paths ("..", "0") resolve here, never in the repository.
  cwd = mkdtempSync(`${tmpdir()}/procsock-argv-`);
});
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
  cleanupRunHelpers();
});

describe('the bundle on generated command lines', () => {
  // ~15 s on an idle 2-CPU host; the cap leaves room for a loaded one.
  it(`answers or fails in one line, as the parser predicts (${TOTAL} spawns)`, { timeout: 240_000 }, async () => {
    const seed = Date.now() % 2 ** 31;
    const valid = fc.sample(validModel.chain((m) => argvOf(m)).filter(spawnable), { numRuns: SPAWNS.valid, seed });
    const broken = fc.sample(brokenArgv.map((b) => b.argv).filter(spawnable), { numRuns: SPAWNS.broken, seed: seed + 1 });
    const garbage = fc.sample(garbageArgv.filter(spawnable), { numRuns: SPAWNS.garbage, seed: seed + 2 });
    const all = [...valid, ...broken, ...garbage];
    const codes = new Map<number, number>();
    await pool(all, 4, async (argv) => {
      const r = await runBundle(argv, { cwd, timeoutMs: 30_000 });
      codes.set(r.code ?? -1, (codes.get(r.code ?? -1) ?? 0) + 1);
      const predicted = expected(argv);
      try {
        if (predicted instanceof ProcsockError) {
          expect(expectOneLineError(r, [2])).toBe(predicted.message.replace(/[\r\n]+/g, ' '));
        } else if (r.code === 0) {
          checkAnswer(r, predicted);
        } else {
          // A valid command line fails only on its procfs root (1) or on size (3).
          expectOneLineError(r, [1, 3]);
        }
      } catch (err) {
        throw new Error(`seed ${seed}, argv ${JSON.stringify(argv)}: ${(err as Error).message}`);
      }
    });
    recordFuzzed('argv: spawns of the bundle', all.length);
    recordFigure('argv spawns by exit code', Object.fromEntries(codes));
    // The mix must exercise both outcomes, or the generators are broken.
    expect(codes.get(0) ?? 0).toBeGreaterThan(20);
    expect(codes.get(2) ?? 0).toBeGreaterThan(20);
  });
});
