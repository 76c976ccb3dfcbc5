/**
 * The template file and the agent drop-ins, checked against each other and against the constants
 * the script uses; the discovery scripts run in Zabbix's own JavaScript engine (zabbix_js).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { GetDocument } from '../../src/aggregate.js';
import { GET_LLD_MACRO, ITEM_KEY, LLD_MACRO, USER_MACRO } from '../../src/zabbix/constants.js';
import { MACROS, TEMPLATE_KEY, TEMPLATE_PATH, TEMPLATE_UUIDS, templateExport, templateXml, UNRESOLVED_PROC } from '../../src/zabbix/template.js';
import { README_PATH, templateReadme } from '../../src/zabbix/readme.js';
import type { XmlObject, XmlValue } from '../../src/zabbix/xml.js';
import { procsockJson } from '../helpers/procsock.js';
import { REPO } from './support/system.js';

const exported = templateExport();
const template = (exported.templates as XmlObject[])[0]!;
const discoveryRules = template.discovery_rules as XmlObject[];
const ruleByKey = (key: string) => discoveryRules.find((r) => r.key === key)!;

/** Every object in the export that has a `field`, with the name of the list it sits in. */
function objectsWith(field: string, value: XmlValue = exported, list = ''): Array<{ list: string; object: XmlObject }> {
  if (typeof value === 'string') return [];
  if (Array.isArray(value)) return (value as XmlValue[]).flatMap((v) => objectsWith(field, v, list));
  const object = value as XmlObject;
  const here = object[field] !== undefined ? [{ list, object }] : [];
  return [...here, ...Object.entries(object).flatMap(([k, v]) => (v === undefined ? [] : objectsWith(field, v, k)))];
}

const xmlText = () => readFileSync(join(REPO, TEMPLATE_PATH), 'utf8');

describe('the template file', () => {
  it('is what src/zabbix/template.ts makes (else: npm run build, and commit the file)', () => {
    expect(xmlText()).toBe(templateXml());
  });

  it('comes with a README that is what src/zabbix/readme.ts makes', () => {
    expect(readFileSync(join(REPO, README_PATH), 'utf8')).toBe(templateReadme());
    const rows = templateReadme().split('\n');
    for (const [name, value] of MACROS) {
      expect(rows.filter((r) => r.startsWith(`|${name} |`) && r.endsWith(`|\`${value}\` |`))).toHaveLength(1);
    }
  });

  it('is a Zabbix 6.0 export of one template', () => {
    expect(exported.version).toBe('6.0');
    expect(xmlText().startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<zabbix_export>\n    <version>6.0</version>\n')).toBe(true);
    expect((exported.templates as XmlObject[]).length).toBe(1);
  });

  it('gives everything its own fresh uuid4', () => {
    const uuids = [...xmlText().matchAll(/<uuid>([^<]*)<\/uuid>/g)].map((m) => m[1]!);
    expect(uuids.length).toBe(objectsWith('uuid').length);
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(new Set(uuids)).toEqual(new Set(TEMPLATE_UUIDS));
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
  });

  it('defines every {$PROCSOCK.*} macro it uses, and uses every one it defines', () => {
    const defined = (template.macros as XmlObject[]).map((m) => m.macro as string);
    expect(new Set(defined)).toEqual(new Set(Object.values(USER_MACRO)));
    expect(new Set(MACROS.map(([name]) => name))).toEqual(new Set(defined));
    const body = xmlText().replace(/<macros>[\s\S]*<\/macros>/, '');
    const used = new Set([...body.matchAll(/\{\$(PROCSOCK\.[A-Z_.]+)(?::"[^"]*")?\}/g)].map((m) => `{$${m[1]}}`));
    expect(used).toEqual(new Set(defined));
  });

  it('polls the agent only for the keys of the drop-ins, feeding everything else from procsock.get', () => {
    const agentKeys = objectsWith('key')
      .filter(({ list, object }) => ['items', 'discovery_rules', 'item_prototypes'].includes(list) && object.type === undefined)
      .map(({ object }) => object.key as string);
    expect(agentKeys.filter((k) => k.startsWith('procsock.'))).toEqual([ITEM_KEY.GET, TEMPLATE_KEY.SOCKET_DISCOVERY]);
    expect(agentKeys.filter((k) => !k.startsWith('procsock.')).map((k) => k.replace(/\[.*/, ''))).toEqual([TEMPLATE_KEY.TCP_SOCKET_COUNT, TEMPLATE_KEY.UDP_SOCKET_COUNT]);
    for (const { object } of objectsWith('master_item')) expect(object.master_item).toEqual({ key: ITEM_KEY.GET });
    const master = (template.items as XmlObject[]).find((i) => i.key === ITEM_KEY.GET)!;
    expect(master).toMatchObject({ history: '0', trends: '0', value_type: 'TEXT' });
  });

  it('follows the template guidelines: "… discovery" names, entity-prefixed prototypes, descriptions and tags', () => {
    for (const rule of discoveryRules) {
      expect(rule.name).toMatch(/ discovery$/);
      expect(rule.description).not.toBe('');
      const steps = rule.preprocessing as XmlObject[];
      expect(steps.at(-1)).toMatchObject({ type: 'DISCARD_UNCHANGED_HEARTBEAT' });
      for (const prototype of rule.item_prototypes as XmlObject[]) {
        expect(prototype.name).toMatch(/^\{#[A-Z]+\}.*: [A-Z][a-zA-Z ]+$/);
        expect(prototype.description).not.toBe('');
        expect((prototype.tags as XmlObject[]).length).toBeGreaterThan(0);
      }
    }
    for (const item of template.items as XmlObject[]) {
      expect(item.name).toMatch(/^Procsock: /);
      expect(item.description).not.toBe('');
      expect((item.tags as XmlObject[]).length).toBeGreaterThan(0);
    }
    const allTriggers = [...objectsWith('expression').map(({ object }) => object)];
    expect(allTriggers.length).toBeGreaterThanOrEqual(6);
    for (const trigger of allTriggers) {
      expect(trigger.description).not.toBe('');
      expect((trigger.tags as XmlObject[]).length).toBeGreaterThan(0);
    }
  });

  it('keeps the per-socket discovery, disabled; the listener and peer discoveries run on the master item', () => {
    expect(ruleByKey(TEMPLATE_KEY.SOCKET_DISCOVERY).status).toBe('DISABLED');
    for (const key of [TEMPLATE_KEY.LISTENER_DISCOVERY, TEMPLATE_KEY.PEER_DISCOVERY]) {
      expect(ruleByKey(key)).toMatchObject({ type: 'DEPENDENT', master_item: { key: ITEM_KEY.GET } });
      expect(ruleByKey(key).status).toBeUndefined(); // enabled
    }
    const names = objectsWith('expression').map(({ object }) => object.name as string);
    for (const wanted of ['Stopped listening', 'Accept queue near backlog', 'Owner process restarted', 'Socket owners cannot be resolved']) {
      expect(names.some((n) => n.endsWith(wanted))).toBe(true);
    }
    expect(objectsWith('graph_items').length).toBeGreaterThanOrEqual(2);
  });

  it('tells, where owners cannot be resolved, both ways to fix it', () => {
    const trigger = objectsWith('expression').find(({ object }) => object.name === 'Procsock: Socket owners cannot be resolved')!.object;
    expect(trigger.description).toContain('zabbix/sudoers.d/procsock');
    expect(trigger.description).toContain('CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE');
    expect(trigger.description).toContain('zabbix/systemd/zabbix-agent.service.d/procsock.conf');
  });

  it('uses in its prototypes only LLD macros that its discoveries make', () => {
    const made: Record<string, string[]> = {
      [TEMPLATE_KEY.LISTENER_DISCOVERY]: [GET_LLD_MACRO.LISTENER, LLD_MACRO.PROTO, LLD_MACRO.LADDR, LLD_MACRO.LPORT, LLD_MACRO.PROC, LLD_MACRO.USER],
      [TEMPLATE_KEY.PEER_DISCOVERY]: [GET_LLD_MACRO.PEER, LLD_MACRO.PROC, LLD_MACRO.PROTO, LLD_MACRO.RADDR, LLD_MACRO.RPORT],
      [TEMPLATE_KEY.SOCKET_DISCOVERY]: Object.values(LLD_MACRO),
    };
    for (const rule of discoveryRules) {
      const { preprocessing: _steps, ...rest } = rule;
      const used = new Set([...JSON.stringify(rest).matchAll(/\{#[A-Z.]+\}/g)].map((m) => m[0]));
      expect([...used].filter((m) => !made[rule.key as string]!.includes(m))).toEqual([]);
    }
  });
});

/** The UserParameter lines of a drop-in: key → command. */
function userParameters(path: string): Map<string, string> {
  const lines = readFileSync(join(REPO, path), 'utf8').split('\n').filter((l) => l.startsWith('UserParameter='));
  return new Map(lines.map((l) => l.slice('UserParameter='.length).split(/,(.*)/s).slice(0, 2) as [string, string]));
}

describe('the agent drop-ins', () => {
  const plain = `/usr/local/bin/procsock discovery --state='$1' --proto='$2' --family='$3'`;

  it.each(['zabbix/zabbix_agentd.d', 'zabbix/zabbix_agent2.d'])('%s define procsock.discovery[*] and procsock.get, the sudo variant through sudo -n', (dir) => {
    const unprivileged = userParameters(`${dir}/procsock.conf`);
    expect(unprivileged).toEqual(new Map([
      [`${ITEM_KEY.DISCOVERY}[*]`, plain],
      [ITEM_KEY.GET, '/usr/local/bin/procsock get'],
    ]));
    const sudo = userParameters(`${dir}/procsock-sudo.conf`);
    expect([...sudo.keys()]).toEqual([...unprivileged.keys()]);
    for (const [key, command] of unprivileged) expect(sudo.get(key)).toBe(`/usr/bin/sudo -n ${command}`);
  });

  it('let sudo run exactly the command lines of the sudo drop-ins', () => {
    const sudoers = readFileSync(join(REPO, 'zabbix/sudoers.d/procsock'), 'utf8');
    const rules = sudoers.replace(/\\\n\s*/g, '').split('\n').filter((l) => /^(Cmnd_Alias|zabbix)\b/.test(l));
    expect(rules).toEqual([
      'Cmnd_Alias PROCSOCK = /usr/local/bin/procsock get, /usr/local/bin/procsock ^discovery --state=[a-z,]* --proto=[a-z,]* --family=[a-z0-9,]*$',
      'zabbix ALL=(root) NOPASSWD: PROCSOCK',
    ]);
    // sudo matches the arguments joined by spaces against the POSIX ERE, which JavaScript reads alike.
    const allowed = /^discovery --state=[a-z,]* --proto=[a-z,]* --family=[a-z0-9,]*$/;
    const argv = (s: string, p: string, f: string) => ['discovery', `--state=${s}`, `--proto=${p}`, `--family=${f}`].join(' ');
    expect(allowed.test(argv('listen,established', 'tcp,udp', '4,6'))).toBe(true);
    expect(allowed.test(argv('', '', ''))).toBe(true);
    expect(allowed.test(argv('listen --procfs=/tmp', '', ''))).toBe(false);
    expect(allowed.test(`${argv('', '', '')} --procfs=/tmp`)).toBe(false);
    expect(allowed.test(argv('', '', '') + ' --format=table')).toBe(false);
  });

  it('grant the systemd services CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE, nothing more', () => {
    for (const service of ['zabbix-agent', 'zabbix-agent2']) {
      const text = readFileSync(join(REPO, `zabbix/systemd/${service}.service.d/procsock.conf`), 'utf8');
      expect(text.split('\n').filter((l) => /^\s*[A-Za-z[]/.test(l))).toEqual(['[Service]', 'AmbientCapabilities=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE']);
    }
  });
});

const zabbixJs = '/usr/bin/zabbix_js';
const noZabbixJs = !process.env.CI && !existsSync(zabbixJs);

/** Runs a preprocessing script in Zabbix's engine (Duktape) with `value` as its input. */
function runScript(script: string, value: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'procsock-zabbix-js-'));
  try {
    writeFileSync(join(dir, 'script.js'), script);
    writeFileSync(join(dir, 'input'), value);
    const r = spawnSync(zabbixJs, ['-s', join(dir, 'script.js'), '-i', join(dir, 'input')], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`zabbix_js exited ${r.status}: ${r.stdout}${r.stderr}`);
    return r.stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const scriptOf = (key: string) => ((ruleByKey(key).preprocessing as XmlObject[])[0]!.parameters as string[])[0]!;

const doc = {
  listeners: [
    { key: 'tcp:0.0.0.0:22', proto: 'tcp', family: 4, laddr: '0.0.0.0', lport: 22, pid: 0, proc: '', pids: '', user: 'root', sockets: 1, established: 3, accept_queue: 0 },
    { key: 'udp:[::1]:53', proto: 'udp', family: 6, laddr: '::1', lport: 53, pid: 812, proc: 'dnsmasq', pids: '812', user: 'dnsmasq', sockets: 1, established: 0, accept_queue: 0 },
  ],
  peers: [
    { key: 'curl|tcp|[2001:db8::1]:443', proc: 'curl', proto: 'tcp', family: 6, raddr: '2001:db8::1', rport: 443, connections: 2 },
    { key: 'odd"name|tcp|10.0.0.5:5432', proc: 'odd"name', proto: 'tcp', family: 4, raddr: '10.0.0.5', rport: 5432, connections: 1 },
  ],
  diagnostics: {
    duration_ms: 12, sockets: 8, lines: 8, malformed_lines: 0, processes: 90, processes_scanned: 90, permission_denied: 0,
    owners_unresolved: 1, not_accepted: 0, partial: 0, threads: 1, peers_omitted: 0,
  },
} satisfies GetDocument;

describe.skipIf(noZabbixJs)(`the discovery scripts in Zabbix's engine${noZabbixJs ? ' (skipped: zabbix_js missing, run scripts/setup-test-host.sh)' : ''}`, () => {
  it('turn the listeners into LLD rows of identity fields, "(unresolved)" for an unseen owner', () => {
    const rows = JSON.parse(runScript(scriptOf(TEMPLATE_KEY.LISTENER_DISCOVERY), JSON.stringify(doc)));
    expect(rows).toEqual([
      { '{#LISTENER}': 'tcp:0.0.0.0:22', '{#PROTO}': 'tcp', '{#LADDR}': '0.0.0.0', '{#LPORT}': '22', '{#PROC}': UNRESOLVED_PROC, '{#USER}': 'root' },
      { '{#LISTENER}': 'udp:[::1]:53', '{#PROTO}': 'udp', '{#LADDR}': '::1', '{#LPORT}': '53', '{#PROC}': 'dnsmasq', '{#USER}': 'dnsmasq' },
    ]);
  });

  it('turn the peers into LLD rows, leaving out a key that cannot be quoted in an item key', () => {
    const rows = JSON.parse(runScript(scriptOf(TEMPLATE_KEY.PEER_DISCOVERY), JSON.stringify(doc)));
    expect(rows).toEqual([{ '{#PEER}': 'curl|tcp|[2001:db8::1]:443', '{#PROC}': 'curl', '{#PROTO}': 'tcp', '{#RADDR}': '2001:db8::1', '{#RPORT}': '443' }]);
  });

  it('give the same value while only counters and PIDs change, so "Discard unchanged" holds', () => {
    const busier = structuredClone(doc);
    for (const l of busier.listeners) Object.assign(l, { established: l.established + 7, accept_queue: 5, pid: l.pid + 1, pids: 'x', sockets: 2 });
    for (const p of busier.peers) p.connections += 3;
    busier.diagnostics.duration_ms = 99;
    for (const key of [TEMPLATE_KEY.LISTENER_DISCOVERY, TEMPLATE_KEY.PEER_DISCOVERY]) {
      expect(runScript(scriptOf(key), JSON.stringify(busier))).toBe(runScript(scriptOf(key), JSON.stringify(doc)));
    }
  });

  it("read this host's live procsock get document", () => {
    const live = procsockJson<GetDocument>(['get']);
    const rows = JSON.parse(runScript(scriptOf(TEMPLATE_KEY.LISTENER_DISCOVERY), JSON.stringify(live))) as unknown[];
    expect(rows.length).toBe(live.listeners.length);
  });
});

const shipped = '/usr/share/doc/zabbix-frontend-php/templates';
const noShipped = !process.env.CI && !existsSync(shipped);

describe.skipIf(noShipped)(`the uuids against Zabbix's own${noShipped ? ' (skipped: zabbix-frontend-php missing)' : ''}`, () => {
  it("reuse none of the uuids of Zabbix's templates or its initial data", () => {
    const texts: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (/\.(yaml|xml|json)$/.test(entry.name)) texts.push(readFileSync(join(dir, entry.name), 'utf8'));
      }
    };
    walk(shipped);
    texts.push(gunzipSync(readFileSync('/usr/share/zabbix-server-pgsql/data.sql.gz')).toString('utf8'));
    const theirs = new Set(texts.flatMap((t) => [...t.matchAll(/\b[0-9a-f]{32}\b/g)].map((m) => m[0])));
    expect(theirs.size).toBeGreaterThan(10_000);
    expect(TEMPLATE_UUIDS.filter((u) => theirs.has(u))).toEqual([]);
  });
});
