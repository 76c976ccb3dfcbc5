/**
 * Command lines for procsock: valid ones made from a model of what they mean (so the parse can be
 * checked against it), broken ones that say which option they broke, and plain garbage.
 */
import { resolve } from 'node:path';
import fc from 'fast-check';

export interface Model {
  command: 'discovery' | 'get' | 'capture';
  /** Whether "discovery" is written out (it is the default command). */
  explicit: boolean;
  options: Array<{ name: string; value: string }>;
  /** What parseCommandLine must return for this model (the fields we check). */
  expected: Record<string, unknown>;
}

const LIST_VOCAB = {
  state: { listen: 'LISTEN', established: 'ESTABLISHED' },
  proto: { tcp: 'tcp', udp: 'udp' },
  family: { '4': 4, '6': 6, ipv4: 4, ipv6: 6 },
} as const;
const FIELD_OF = { state: 'states', proto: 'protos', family: 'families' } as const;

/** A list value: names in any case, blanks around them, repeats; or '' (all). */
function listValue(option: keyof typeof LIST_VOCAB): fc.Arbitrary<{ text: string; value: unknown[] }> {
  const vocab = LIST_VOCAB[option] as Record<string, unknown>;
  const names = Object.keys(vocab);
  const all = [...new Set(Object.values(vocab))];
  const item = fc.tuple(fc.constantFrom(...names), fc.constantFrom('', ' ', '  '), fc.constantFrom('', ' '), fc.boolean());
  return fc.oneof(
    fc.constant({ text: '', value: all }),
    fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => {
      const value: unknown[] = [];
      for (const [name] of items) if (!value.includes(vocab[name])) value.push(vocab[name]);
      const text = items.map(([name, pre, post, upper]) => `${pre}${upper ? name.toUpperCase() : name}${post}`).join(',');
      return { text, value };
    }),
  );
}

/** Paths with what a shell would act on, escapes, unicode; passed as data, never interpreted. */
export const hostilePath = fc.oneof(
  fc.constantFrom(
    '/proc', '/proc/', '/proc/../proc', '/proc/../etc', '../../etc', '/etc', '/', '.', '..', '/proc/self/root/etc',
    '/proc/1/cwd', '/proc/self/fd', '/proc/sys', '/dev/null', '/nonexistent/x', '$(id)', '`id`', '; rm -rf /tmp/x',
    '| cat /etc/shadow', '&& reboot', '>/tmp/procsock-pwned', '*', '~', '~root', '-', '--', '\\', "'", '"', ' /proc',
    '/proc\t', 'procfs\u202e', 'прок', '%00', '/proc/%2e%2e/etc', 'C:\\proc',
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.replace(/\0/g, '')).filter((s) => s.length > 0 && !s.startsWith('-')),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((s) => s.replace(/\0/g, '')).filter((s) => s.length > 0 && !s.startsWith('-')),
);

const decimal = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.nat(2)).map(([n, zeros]) => {
    const text = '0'.repeat(zeros) + String(n);
    return text.length > 10 ? { text: String(n), value: n } : { text, value: n };
  });

const OPTIONS_OF = {
  discovery: ['state', 'proto', 'family', 'format', 'procfs', 'deadline-ms', 'max-bytes'],
  get: ['procfs', 'deadline-ms', 'max-bytes'],
  capture: ['out', 'procfs', 'deadline-ms'],
} as const;

function valueOf(option: string): fc.Arbitrary<{ text: string; field: string; value: unknown }> {
  switch (option) {
    case 'state':
    case 'proto':
    case 'family':
      return listValue(option).map(({ text, value }) => ({ text, field: FIELD_OF[option], value }));
    case 'format':
      return fc.constantFrom('lld', 'json', 'table').map((f) => ({ text: f, field: 'format', value: f }));
    case 'procfs':
    case 'out':
      return hostilePath.map((p) => ({ text: p, field: option, value: resolve(p) }));
    case 'deadline-ms':
      return decimal(1, 600_000).map(({ text, value }) => ({ text, field: 'deadlineMs', value }));
    case 'max-bytes':
      return decimal(0, 2 ** 30).map(({ text, value }) => ({ text, field: 'maxBytes', value }));
    default:
      throw new Error(option);
  }
}

/** A valid command line and what it means. */
export const validModel: fc.Arbitrary<Model> = fc.constantFrom<Model['command']>('discovery', 'get', 'capture').chain((command) => {
  const allowed = OPTIONS_OF[command];
  const required = command === 'capture' ? ['out'] : [];
  return fc
    .record({
      explicit: command === 'discovery' ? fc.boolean() : fc.constant(true),
      chosen: fc.subarray([...allowed].filter((o) => !required.includes(o))),
    })
    .chain(({ explicit, chosen }) => {
      const names = [...required, ...chosen];
      return fc.tuple(...names.map((n) => valueOf(n))).map((values) => {
        const expected: Record<string, unknown> = { command };
        const options = names.map((name, i) => {
          const { field, value } = values[i]!;
          // The socket filter's lists are grouped under `filter`.
          if (field === 'states' || field === 'protos' || field === 'families') {
            expected.filter = { ...(expected.filter as object | undefined), [field]: value };
          } else {
            expected[field] = value;
          }
          return { name, value: values[i]!.text };
        });
        return { command, explicit, options, expected };
      });
    });
});

/** argv for a model: options in any order, as "--opt value" or "--opt=value", the command anywhere. */
export function argvOf(model: Model): fc.Arbitrary<string[]> {
  return fc.tuple(fc.shuffledSubarray(model.options, { minLength: model.options.length }), fc.array(fc.boolean(), { minLength: model.options.length, maxLength: model.options.length }), fc.nat()).map(
    ([options, forms, where]) => {
      const parts = options.map((o, i) =>
        // A value that starts with '-' can only be given as --opt=value.
        forms[i] || o.value.startsWith('-') || o.value === '' ? [`--${o.name}=${o.value}`] : [`--${o.name}`, o.value],
      );
      if (model.explicit) parts.splice(where % (parts.length + 1), 0, [model.command]);
      return parts.flat();
    },
  );
}

export interface Broken {
  argv: string[];
  /** A word the one-line error must contain (the option or command it is about). */
  names: string;
}

const badNumber = fc.oneof(
  fc.constantFrom('-1', '0', '1.5', '1e3', '0x10', ' 5', '5 ', '+5', '', '١٢٣', '１２', 'Infinity', 'NaN', '99999999999', '600001', '1073741825', '00000000001'.repeat(2)),
  fc.bigInt({ min: 10n ** 10n, max: 10n ** 40n }).map(String),
);

/** A valid command line broken in one place. */
export const brokenArgv: fc.Arbitrary<Broken> = validModel.chain((model) =>
  fc.oneof(
    // an unknown option
    fc.constantFrom('--stat', '--verbose', '--procfs-root', '--STATE', '-x', '--deadline', '--maxbytes').map((opt) => ({ argv: [model.command, `${opt}=1`], names: opt })),
    // a value outside its vocabulary
    fc.constantFrom('state', 'proto', 'family').chain((opt) =>
      fc.constantFrom('listening', 'tcp6', 'all', 'LISTEN;', 'listen,,', ',', 'ıpv4', 'ⅼisten', '__proto__', 'constructor', 'toString', 'udp\0').map((v) => ({ argv: ['discovery', `--${opt}=${v}`], names: `--${opt}` })),
    ),
    fc.constantFrom('xml', 'LLD ', 'JSON', 'csv', '').map((v) => ({ argv: ['discovery', `--format=${v}`], names: '--format' })),
    // numbers out of range or not decimal integers
    fc.tuple(fc.constantFrom('deadline-ms', 'max-bytes'), badNumber)
      .filter(([opt, v]) => !(opt === 'max-bytes' && (v === '0' || v === '600001')))
      .map(([opt, v]) => ({ argv: [opt === 'deadline-ms' ? 'get' : 'discovery', `--${opt}=${v}`], names: `--${opt}` })),
    // an option given twice
    fc.constantFrom('procfs', 'deadline-ms').map((opt) => ({ argv: ['get', `--${opt}=1`, `--${opt}`, '2'], names: `--${opt}` })),
    // an option of another command
    fc.constantFrom('state', 'format', 'out').map((opt) => ({ argv: ['get', `--${opt}=x`], names: `--${opt}` })),
    // unknown commands and stray arguments
    fc.constantFrom('discover', 'Discovery', 'list', 'rm', '$(id)', 'get;id', 'помощь').map((c) => ({ argv: [c], names: 'command' })),
    fc.constantFrom('extra', '/proc', 'x=y').map((a) => ({ argv: [model.command, ...argvOfSimple(model), a], names: a })),
    // empty or NUL-carrying paths, flags given a value
    fc.constantFrom('', 'a\0b').map((p) => ({ argv: ['discovery', `--procfs=${p}`], names: '--procfs' })),
    fc.constantFrom('--help=yes', '--version=1').map((f) => ({ argv: ['discovery', f], names: f.split('=')[0]! })),
    // capture without --out
    fc.constant<Broken>({ argv: ['capture'], names: '--out' }),
  ),
);

function argvOfSimple(model: Model): string[] {
  return model.options.map((o) => `--${o.name}=${o.value}`);
}

/** Anything at all: option-looking tokens mixed with arbitrary strings. */
export const garbageArgv = fc.array(
  fc.oneof(
    fc.constantFrom('--state', '--proto', '--family', '--format', '--procfs', '--deadline-ms', '--max-bytes', '--out', '--help', '-h', '--version', '--', '-', 'discovery', 'get', 'help', 'capture', 'listen', 'tcp', '6', 'json', '/proc', '0', '1', '--state=', '--procfs='),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => `--${s}`),
  ),
  { maxLength: 8 },
);
