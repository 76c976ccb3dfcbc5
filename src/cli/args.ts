/**
 * The command line, treated as hostile: procsock may run as root through sudo, with arguments
 * that come from a Zabbix item key. node:util parseArgs splits it; zod checks every value.
 * Anything unexpected is a one-line usage error (exit 2), before anything is read.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
// zod/mini: the same checks as zod's classic API at a thirtieth of the bundle size, which is
// start-up time on every run.
import * as z from 'zod/mini';
import { EXIT, ProcsockError, quote } from '../errors.js';
import { DEFAULT_PROCFS } from '../procfs/root.js';
import { DEFAULT_DEADLINE_MS, ZABBIX_6_MAX_OUTPUT } from '../zabbix/constants.js';
import type { Family, Proto, SocketFilter, SocketState } from '../types.js';

export const COMMANDS = ['discovery', 'get', 'capture', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];
export const FORMATS = ['lld', 'json', 'table'] as const;
export type Format = (typeof FORMATS)[number];

/** Which options each command takes. */
const OPTIONS_OF: Record<CommandName, readonly string[]> = {
  discovery: ['state', 'proto', 'family', 'format', 'procfs', 'deadline-ms', 'max-bytes', 'help'],
  get: ['procfs', 'deadline-ms', 'max-bytes', 'help'],
  capture: ['out', 'procfs', 'deadline-ms', 'help'],
  help: ['help'],
};

const PARSE_OPTIONS = {
  state: { type: 'string', multiple: true },
  proto: { type: 'string', multiple: true },
  family: { type: 'string', multiple: true },
  format: { type: 'string', multiple: true },
  procfs: { type: 'string', multiple: true },
  'deadline-ms': { type: 'string', multiple: true },
  'max-bytes': { type: 'string', multiple: true },
  out: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h', multiple: true },
  version: { type: 'boolean', multiple: true },
} as const;

const MAX_VALUE_LENGTH = 4096;

/**
 * One option's value: a string, converted and checked by `convert`, which calls `reject` with the
 * message for a value it refuses. Every option is built the same way, from the fewest kinds of
 * zod schema: building a schema is start-up time on every run, and each kind of schema used
 * costs its first compile (measured: 2.3 ms for all of discovery's options, against 4.6-6.9 ms
 * when each check was a schema of its own).
 */
function optionValue<T>(convert: (text: string, reject: (message: string) => never) => T) {
  return z.optional(
    z.pipe(
      z.string(),
      z.transform((text: string, ctx): T => {
        try {
          return convert(text, (message) => {
            throw new Rejected(message);
          });
        } catch (err) {
          if (!(err instanceof Rejected)) throw err;
          ctx.issues.push({ code: 'custom', input: text, message: err.message });
          return z.NEVER;
        }
      }),
    ),
  );
}

class Rejected extends Error {}

/** A comma-separated list of names from `allowed`; empty means all of them (an empty key parameter). */
function listOf<T>(option: string, allowed: Record<string, T>) {
  const names = Object.keys(allowed);
  return optionValue((text, reject): T[] => {
    const chosen: T[] = [];
    for (const part of text === '' ? names : text.split(',')) {
      const name = part.trim().toLowerCase();
      if (!Object.hasOwn(allowed, name)) reject(`--${option}: ${quote(part)} is not one of ${names.join(', ')}`);
      const value = allowed[name]!;
      if (!chosen.includes(value)) chosen.push(value);
    }
    return chosen;
  });
}

/** One name of `allowed`, exactly. */
function oneOf<T extends string>(allowed: readonly T[], message: (text: string) => string) {
  return optionValue((text, reject): T => ((allowed as readonly string[]).includes(text) ? (text as T) : reject(message(text))));
}

function integer(option: string, min: number, max: number) {
  return optionValue((text, reject): number => {
    const value = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
    return value >= min && value <= max ? value : reject(`--${option} must be an integer from ${min} to ${max}`);
  });
}

function path(option: string) {
  return optionValue((text, reject): string => {
    if (text === '') reject(`--${option} must not be empty`);
    if (text.includes('\0')) reject(`--${option} must not contain a NUL byte`);
    return resolve(text);
  });
}

const STATE_NAMES: Record<string, SocketState> = { listen: 'LISTEN', established: 'ESTABLISHED' };
const PROTO_NAMES: Record<string, Proto> = { tcp: 'tcp', udp: 'udp' };
const FAMILY_NAMES: Record<string, Family> = { '4': 4, '6': 6, ipv4: 4, ipv6: 6 };

// Each command's schema is built when that command runs, and only that one. Options left out
// take their defaults after validation (parseCommandLine).
const commonOptions = () => ({
  procfs: path('procfs'),
  deadlineMs: integer('deadline-ms', 1, 600_000),
});

const discoveryArgs = () =>
  z.object({
    states: listOf('state', STATE_NAMES),
    protos: listOf('proto', PROTO_NAMES),
    families: listOf('family', FAMILY_NAMES),
    format: oneOf(FORMATS, (text) => `--format: ${quote(text)} is not one of ${FORMATS.join(', ')}`),
    ...commonOptions(),
    maxBytes: integer('max-bytes', 0, 2 ** 30),
  });

const getArgs = () => z.object({ ...commonOptions(), maxBytes: integer('max-bytes', 0, 2 ** 30) });

const captureArgs = () => z.object({ out: path('out'), ...commonOptions() });

const helpArgs = () =>
  z.object({ topic: oneOf(COMMANDS, (text) => `no help on ${quote(text)} (commands: ${COMMANDS.join(', ')})`) });

interface Common {
  procfs: string;
  deadlineMs: number;
}
export interface DiscoveryArgs extends Common {
  command: 'discovery';
  filter: SocketFilter;
  format: Format;
  /** Undefined: the format's own default (Zabbix's limit for lld, none for people's formats). */
  maxBytes: number | undefined;
}
export interface GetArgs extends Common {
  command: 'get';
  maxBytes: number;
}
export interface CaptureArgs extends Common {
  command: 'capture';
  out: string;
}
export type Args = DiscoveryArgs | GetArgs | CaptureArgs | { command: 'help'; topic: CommandName | undefined } | { command: 'version' };

function usage(message: string): ProcsockError {
  return new ProcsockError(message, EXIT.USAGE);
}

/** argv without node and the script. Throws a ProcsockError (exit 2) on anything unexpected. */
export function parseCommandLine(argv: readonly string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: PARSE_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw usage(parseArgsMessage(err));
  }
  const { values, positionals } = parsed;
  for (const value of positionals) {
    if (value.length > MAX_VALUE_LENGTH) throw usage(`argument too long (${value.length} characters)`);
  }
  if (values.version !== undefined) return { command: 'version' };

  const [first, ...rest] = positionals;
  const command = first ?? 'discovery';
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw usage(`unknown command ${quote(command)} (commands: ${COMMANDS.join(', ')})`);
  }
  const name = command as CommandName;
  if (name === 'help' || values.help !== undefined) {
    const topic = name === 'help' ? rest[0] : name;
    if (name === 'help' && rest.length > 1) throw usage(`unexpected argument ${quote(rest[1]!)}`);
    return { command: 'help', topic: validate(helpArgs(), { topic: first === undefined ? undefined : topic }).topic };
  }
  if (rest.length > 0) throw usage(`unexpected argument ${quote(rest[0]!)} (options start with --)`);

  const given: Record<string, string> = {};
  for (const [option, list] of Object.entries(values)) {
    if (list === undefined) continue;
    if (!OPTIONS_OF[name].includes(option)) {
      throw usage(`--${option} is not an option of ${name} (options: ${OPTIONS_OF[name].map((o) => `--${o}`).join(', ')})`);
    }
    if (list.length > 1) throw usage(`--${option} given more than once`);
    const value = list[0];
    if (typeof value === 'string') {
      if (value.length > MAX_VALUE_LENGTH) throw usage(`--${option} value too long (${value.length} characters)`);
      given[option] = value;
    }
  }

  const withDefaults = (options: { procfs?: string | undefined; deadlineMs?: number | undefined }): Common => ({
    procfs: options.procfs ?? DEFAULT_PROCFS,
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
  });
  const givenCommon = { procfs: given.procfs, deadlineMs: given['deadline-ms'] };
  switch (name) {
    case 'discovery': {
      const args = validate(discoveryArgs(), {
        states: given.state,
        protos: given.proto,
        families: given.family,
        format: given.format,
        maxBytes: given['max-bytes'],
        ...givenCommon,
      });
      return {
        command: name,
        filter: {
          states: args.states ?? ['LISTEN', 'ESTABLISHED'],
          protos: args.protos ?? ['tcp', 'udp'],
          families: args.families ?? [4, 6],
        },
        format: args.format ?? 'lld',
        maxBytes: args.maxBytes,
        ...withDefaults(args),
      };
    }
    case 'get': {
      const args = validate(getArgs(), { maxBytes: given['max-bytes'], ...givenCommon });
      return { command: name, maxBytes: args.maxBytes ?? ZABBIX_6_MAX_OUTPUT, ...withDefaults(args) };
    }
    case 'capture': {
      if (given.out === undefined) throw usage('capture needs --out DIR (a directory that does not exist yet)');
      const args = validate(captureArgs(), { out: given.out, ...givenCommon });
      return { command: name, out: args.out!, ...withDefaults(args) };
    }
  }
}

function validate<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw usage(result.error.issues[0]?.message ?? 'invalid arguments');
}

/** parseArgs's own messages run to several sentences; name the option and what is allowed instead. */
function parseArgsMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-[^']*)'/.exec(message)?.[1];
  const shown = option === undefined ? '' : ` ${quote(option)}`;
  const known = Object.keys(PARSE_OPTIONS).map((o) => `--${o}`).join(', ');
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option${shown} (options: ${known})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `option${shown} needs a value, or takes none`;
    default:
      return `invalid arguments: ${quote(message, 120)}`;
  }
}
