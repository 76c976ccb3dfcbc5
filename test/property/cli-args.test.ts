/**
 * parseCommandLine, in-process, on thousands of command lines: valid ones mean what their model
 * says, broken ones get a one-line usage error (exit 2) naming what is wrong, and nothing at all
 * makes it throw anything else.
 */
import { isAbsolute, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, type Args } from '../../src/cli/args.js';
import { EXIT, ProcsockError } from '../../src/errors.js';
import { argvOf, brokenArgv, garbageArgv, validModel } from './argv.js';
import { recordFuzzed } from './figures.js';

const RUNS = { valid: 4000, broken: 3000, garbage: 5000 };

/** Runs the parser; returns the result or the usage error, failing on any other exception. */
function parse(argv: string[]): Args | ProcsockError {
  try {
    return parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof ProcsockError)) throw new Error(`non-usage exception for ${JSON.stringify(argv)}: ${String(err)}`);
    return err;
  }
}

function expectUsageError(result: Args | ProcsockError, argv: string[]): ProcsockError {
  expect(result, JSON.stringify(argv)).toBeInstanceOf(ProcsockError);
  const err = result as ProcsockError;
  expect(err.exitCode).toBe(EXIT.USAGE);
  expect(err.message).not.toMatch(/[\r\n]/);
  expect(err.message.length).toBeGreaterThan(0);
  expect(err.message.length).toBeLessThan(400);
  return err;
}

/** What any successful parse must satisfy, whatever the input. */
function expectWellFormed(args: Args): void {
  const unique = (list: readonly unknown[]) => new Set(list).size === list.length;
  switch (args.command) {
    case 'discovery': {
      const { states, protos, families } = args.filter;
      expect(states.length).toBeGreaterThan(0);
      expect(states.every((s) => s === 'LISTEN' || s === 'ESTABLISHED') && unique(states)).toBe(true);
      expect(protos.length).toBeGreaterThan(0);
      expect(protos.every((p) => p === 'tcp' || p === 'udp') && unique(protos)).toBe(true);
      expect(families.length).toBeGreaterThan(0);
      expect(families.every((f) => f === 4 || f === 6) && unique(families)).toBe(true);
      expect(['lld', 'json', 'table']).toContain(args.format);
      if (args.maxBytes !== undefined) expect(Number.isInteger(args.maxBytes) && args.maxBytes >= 0 && args.maxBytes <= 2 ** 30).toBe(true);
      expectCommon(args);
      break;
    }
    case 'get':
    case 'capture':
      expectCommon(args);
      break;
    case 'help':
      expect([undefined, 'discovery', 'get', 'capture', 'help']).toContain(args.topic);
      break;
    case 'version':
      break;
  }
}

function expectCommon(args: Extract<Args, { procfs: string }>): void {
  expect(isAbsolute(args.procfs) && resolve(args.procfs) === args.procfs && !args.procfs.includes('\0')).toBe(true);
  expect(Number.isInteger(args.deadlineMs) && args.deadlineMs >= 1 && args.deadlineMs <= 600_000).toBe(true);
  if (args.command === 'capture') expect(isAbsolute(args.out) && !args.out.includes('\0')).toBe(true);
  if (args.command === 'get') expect(Number.isInteger(args.maxBytes) && args.maxBytes >= 0 && args.maxBytes <= 2 ** 30).toBe(true);
}

describe('parseCommandLine', () => {
  it(`reads a valid command line as its model says, in any order and form (${RUNS.valid} inputs)`, () => {
    fc.assert(
      fc.property(validModel.chain((model) => fc.tuple(fc.constant(model), argvOf(model))), ([model, argv]) => {
        const result = parse(argv);
        if (result instanceof ProcsockError) throw new Error(`${JSON.stringify(argv)} refused: ${result.message}`);
        expectWellFormed(result);
        expect(result).toMatchObject(model.expected);
      }),
      { numRuns: RUNS.valid },
    );
    recordFuzzed('argv: valid command lines (in-process)', RUNS.valid);
  });

  it(`refuses a command line broken in one place with one line naming the culprit (${RUNS.broken} inputs)`, () => {
    fc.assert(
      fc.property(brokenArgv, ({ argv, names }) => {
        const err = expectUsageError(parse(argv), argv);
        expect(err.message).toContain(JSON.stringify(names).slice(1, -1));
      }),
      { numRuns: RUNS.broken },
    );
    recordFuzzed('argv: broken command lines (in-process)', RUNS.broken);
  });

  it(`never throws anything but a usage error on garbage, and what it accepts is well-formed (${RUNS.garbage} inputs)`, () => {
    fc.assert(
      fc.property(garbageArgv, (argv) => {
        const result = parse(argv);
        if (result instanceof ProcsockError) expectUsageError(result, argv);
        else expectWellFormed(result);
      }),
      { numRuns: RUNS.garbage },
    );
    recordFuzzed('argv: garbage (in-process)', RUNS.garbage);
  });
});
