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

/** A comma-separated list of names from `allowed`; empty means all of them (an empty key parameter). */
function listOf<T>(option: string, allowed: Record<string, T>) {
  const names = Object.keys(allowed);
  return z.pipe(
    z.string(),
    z.transform((text: string, ctx): T[] => {
      const chosen: T[] = [];
      for (const part of text === '' ? names : text.split(',')) {
        const name = part.trim().toLowerCase();
        if (!Object.hasOwn(allowed, name)) {
          ctx.issues.push({ code: 'custom', input: text, message: `--${option}: ${quote(part)} is not one of ${names.join(', ')}` });
          return z.NEVER;
        }
        const value = allowed[name]!;
        if (!chosen.includes(value)) chosen.push(value);
      }
      return chosen;
    }),
  );
}

function integer(option: string, min: number, max: number) {
  const message = `--${option} must be an integer from ${min} to ${max}`;
  return z.pipe(
    z.string().check(z.regex(/^[0-9]{1,10}$/, message)),
    z.pipe(z.transform(Number), z.number().check(z.minimum(min, message), z.maximum(max, message))),
  );
}

function path(option: string) {
  return z.pipe(
    z.string().check(
      z.minLength(1, `--${option} must not be empty`),
      z.refine((p: string) => !p.includes('\0'), `--${option} must not contain a NUL byte`),
    ),
    z.transform((p: string) => resolve(p)),
  );
}

const STATE_NAMES: Record<string, SocketState> = { listen: 'LISTEN', established: 'ESTABLISHED' };
const PROTO_NAMES: Record<string, Proto> = { tcp: 'tcp', udp: 'udp' };
const FAMILY_NAMES: Record<string, Family> = { '4': 4, '6': 6, ipv4: 4, ipv6: 6 };

const common = {
  procfs: z._default(path('procfs'), DEFAULT_PROCFS),
  deadlineMs: z._default(integer('deadline-ms', 1, 600_000), DEFAULT_DEADLINE_MS),
};

const DiscoveryArgs = z.object({
  command: z.literal('discovery'),
  states: z._default(listOf('state', STATE_NAMES), ['LISTEN', 'ESTABLISHED']),
  protos: z._default(listOf('proto', PROTO_NAMES), ['tcp', 'udp']),
  families: z._default(listOf('family', FAMILY_NAMES), [4, 6]),
  format: z._default(
    z.enum(FORMATS, { error: (issue) => `--format: ${quote(String(issue.input))} is not one of ${FORMATS.join(', ')}` }),
    'lld',
  ),
  ...common,
  /** Undefined: the format's own default (Zabbix's limit for lld, none for people's formats). */
  maxBytes: z.optional(integer('max-bytes', 0, 2 ** 30)),
});

const GetArgs = z.object({
  command: z.literal('get'),
  ...common,
  maxBytes: z._default(integer('max-bytes', 0, 2 ** 30), ZABBIX_6_MAX_OUTPUT),
});

const CaptureArgs = z.object({
  command: z.literal('capture'),
  out: path('out'),
  ...common,
});

const HelpArgs = z.object({
  command: z.literal('help'),
  topic: z.optional(
    z.enum(COMMANDS, { error: (issue) => `no help on ${quote(String(issue.input))} (commands: ${COMMANDS.join(', ')})` }),
  ),
});
const VersionArgs = z.object({ command: z.literal('version') });

export type DiscoveryArgs = z.output<typeof DiscoveryArgs> & { filter: SocketFilter };
export type GetArgs = z.output<typeof GetArgs>;
export type CaptureArgs = z.output<typeof CaptureArgs>;
export type Args = DiscoveryArgs | GetArgs | CaptureArgs | z.output<typeof HelpArgs> | z.output<typeof VersionArgs>;

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
    return validate(HelpArgs, { command: 'help', topic: first === undefined ? undefined : topic });
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

  switch (name) {
    case 'discovery': {
      const args = validate(DiscoveryArgs, {
        command: name,
        states: given.state,
        protos: given.proto,
        families: given.family,
        format: given.format,
        procfs: given.procfs,
        deadlineMs: given['deadline-ms'],
        maxBytes: given['max-bytes'],
      });
      return { ...args, filter: { states: args.states, protos: args.protos, families: args.families } };
    }
    case 'get':
      return validate(GetArgs, { command: name, procfs: given.procfs, deadlineMs: given['deadline-ms'], maxBytes: given['max-bytes'] });
    case 'capture':
      if (given.out === undefined) throw usage('capture needs --out DIR (a directory that does not exist yet)');
      return validate(CaptureArgs, { command: name, out: given.out, procfs: given.procfs, deadlineMs: given['deadline-ms'] });
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
