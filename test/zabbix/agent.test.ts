/**
 * The drop-ins under a real Zabbix agent 6.0 (zabbix_agentd and zabbix_agent2 of Debian 12), asked
 * with zabbix_get: valid JSON that contains listeners this test opened, with owners exactly as far
 * as the agent's privileges reach (unprivileged, through sudo, with capabilities).
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetDocument, Listener } from '../../src/aggregate.js';
import { ITEM_KEY } from '../../src/zabbix/constants.js';
import { TEMPLATE_KEY } from '../../src/zabbix/template.js';
import type { LldRow } from '../helpers/procsock.js';
import { AGENT_KINDS, dropInDir, startAgent, type Agent, type AgentKind } from './support/agent.js';
import { connectClients, startListener, type TestListener } from './support/sockets.js';
import { Installed, installScript, installSudoers, Processes, REPO, zabbixUnavailable } from './support/system.js';

const unavailable = zabbixUnavailable();
const processes = new Processes();
const installed = new Installed();
let asRoot: TestListener;
let asZabbix: TestListener;
let clients: Socket[] = [];
const QUEUED = 3;

/** The capabilities the systemd drop-in grants, read from the file users install. */
function systemdCapabilities(): string[] {
  const text = readFileSync(join(REPO, 'zabbix/systemd/zabbix-agent.service.d/procsock.conf'), 'utf8');
  const line = /^AmbientCapabilities=(.*)$/m.exec(text);
  if (!line) throw new Error('no AmbientCapabilities= in the systemd drop-in');
  return line[1]!.trim().split(/\s+/);
}

function parse<T>(answer: string): T {
  try {
    return JSON.parse(answer) as T;
  } catch {
    throw new Error(`not JSON: ${answer.slice(0, 300)}`);
  }
}

function rowOf(rows: LldRow[], listener: TestListener): LldRow {
  const row = rows.find((r) => r['{#STATE}'] === 'LISTEN' && r['{#LADDR}'] === '127.0.0.1' && r['{#LPORT}'] === String(listener.port));
  if (!row) throw new Error(`no LISTEN row for port ${listener.port} among ${rows.length}`);
  return row;
}

function listenerOf(doc: GetDocument, listener: TestListener): Listener {
  const found = doc.listeners.find((l) => l.key === listener.key);
  if (!found) throw new Error(`no listener ${listener.key} among ${doc.listeners.map((l) => l.key).join(' ')}`);
  return found;
}

describe.skipIf(unavailable !== undefined)(`Zabbix agent drop-ins${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    installScript(installed);
    installSudoers(installed);
    asRoot = await startListener(processes, 'root');
    asZabbix = await startListener(processes, 'zabbix');
    // Never accepted: they stay in the zabbix-owned listener's accept queue.
    clients = await connectClients(asZabbix.port, QUEUED);
  });

  afterAll(async () => {
    for (const socket of clients) socket.destroy();
    await processes.stopAll();
    installed.restore();
  });

  describe.each(AGENT_KINDS)('%s', (kind: AgentKind) => {
    const dropIn = (name: string) => join(REPO, dropInDir(kind), name);

    describe('unprivileged, as the user zabbix', () => {
      let agent: Agent;
      beforeAll(async () => {
        agent = await startAgent(processes, { kind, includes: [dropIn('procsock.conf')], startAs: kind === 'zabbix_agentd' ? 'root' : 'zabbix' });
      });
      afterAll(async () => agent?.stop());

      it('runs procsock as zabbix, not as root', () => {
        const pid = Number(readFileSync(join(agent.dir, `${kind}.pid`), 'utf8').trim());
        const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        expect(uid).not.toBe('0');
      });

      it("lists every socket in the template's per-socket discovery, the owner only where zabbix may look", () => {
        const rows = parse<LldRow[]>(agent.get(TEMPLATE_KEY.SOCKET_DISCOVERY));
        const mine = rowOf(rows, asZabbix);
        expect(mine).toMatchObject({ '{#PROTO}': 'tcp', '{#FAMILY}': 'ipv4', '{#PID}': String(asZabbix.pid), '{#PROC}': 'perl', '{#USER}': 'zabbix' });
        const roots = rowOf(rows, asRoot);
        expect(roots).toMatchObject({ '{#PID}': '', '{#PROC}': '', '{#USER}': 'root', '{#UID}': '0' });
        const queued = rows.filter((r) => r['{#STATE}'] === 'ESTABLISHED' && r['{#LPORT}'] === String(asZabbix.port));
        expect(queued).toHaveLength(QUEUED);
      });

      it('filters by the key parameters, empty meaning all', () => {
        const listening = parse<LldRow[]>(agent.get(`${ITEM_KEY.DISCOVERY}[listen,tcp,4]`));
        expect(listening.length).toBeGreaterThanOrEqual(2);
        expect(new Set(listening.map((r) => `${r['{#STATE}']} ${r['{#PROTO}']} ${r['{#FAMILY}']}`))).toEqual(new Set(['LISTEN tcp ipv4']));
        rowOf(listening, asRoot);
        const established = parse<LldRow[]>(agent.get(`${ITEM_KEY.DISCOVERY}[established,,]`));
        expect(established.every((r) => r['{#STATE}'] === 'ESTABLISHED')).toBe(true);
        expect(established.filter((r) => r['{#RPORT}'] === String(asZabbix.port))).toHaveLength(QUEUED);
      });

      it('answers procsock.get with both listeners, and counts the owners it could not see', () => {
        const doc = parse<GetDocument>(agent.get(ITEM_KEY.GET));
        expect(listenerOf(doc, asZabbix)).toMatchObject({ pid: asZabbix.pid, proc: 'perl', user: 'zabbix', established: QUEUED, accept_queue: QUEUED });
        expect(listenerOf(doc, asRoot)).toMatchObject({ pid: 0, proc: '', user: 'root' });
        expect(doc.diagnostics.owners_unresolved).toBeGreaterThanOrEqual(1);
        expect(doc.diagnostics.permission_denied).toBeGreaterThanOrEqual(1);
      });

      it('refuses key parameters with shell characters, and procsock refuses smuggled options', () => {
        expect(agent.get(`${ITEM_KEY.DISCOVERY}[listen;id,,]`)).toMatch(/^ZBX_NOTSUPPORTED: .*not allowed/);
        // A space passes the agent's check; the quotes keep it inside --state, which procsock rejects.
        const smuggled = agent.get(`${ITEM_KEY.DISCOVERY}[listen --procfs=/tmp,,]`);
        expect(smuggled).toMatch(/^procsock: --state: "listen --procfs=\/tmp" is not one of/);
      });
    });

    describe('through sudo', () => {
      let agent: Agent;
      beforeAll(async () => {
        agent = await startAgent(processes, { kind, includes: [dropIn('procsock-sudo.conf')], startAs: kind === 'zabbix_agentd' ? 'root' : 'zabbix' });
      });
      afterAll(async () => agent?.stop());

      it("resolves the owner of root's listener in procsock.get and in the discovery", () => {
        const doc = parse<GetDocument>(agent.get(ITEM_KEY.GET));
        expect(listenerOf(doc, asRoot)).toMatchObject({ pid: asRoot.pid, proc: 'perl', user: 'root' });
        expect(listenerOf(doc, asZabbix)).toMatchObject({ pid: asZabbix.pid, accept_queue: QUEUED });
        const rows = parse<LldRow[]>(agent.get(TEMPLATE_KEY.SOCKET_DISCOVERY));
        expect(rowOf(rows, asRoot)).toMatchObject({ '{#PID}': String(asRoot.pid), '{#PROC}': 'perl' });
        const filtered = parse<LldRow[]>(agent.get(`${ITEM_KEY.DISCOVERY}[listen,,]`));
        expect(rowOf(filtered, asRoot)['{#PID}']).toBe(String(asRoot.pid));
      });

      it('lets sudo run no other command line', () => {
        const smuggled = agent.get(`${ITEM_KEY.DISCOVERY}[listen --procfs=/tmp,,]`);
        expect(smuggled).toMatch(/^sudo: a password is required/);
        expect(agent.get(`${ITEM_KEY.DISCOVERY}[LISTEN,,]`)).toMatch(/^sudo: a password is required/);
      });
    });

    describe('with the capabilities of the systemd drop-in', () => {
      let agent: Agent;
      const capabilities = systemdCapabilities();
      beforeAll(async () => {
        agent = await startAgent(processes, { kind, includes: [dropIn('procsock.conf')], startAs: 'zabbix', capabilities });
      });
      afterAll(async () => agent?.stop());

      it(`resolves the owner of root's listener (${capabilities.join(' ')})`, () => {
        expect(capabilities).toEqual(['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE']);
        const doc = parse<GetDocument>(agent.get(ITEM_KEY.GET));
        expect(listenerOf(doc, asRoot)).toMatchObject({ pid: asRoot.pid, proc: 'perl' });
        expect(listenerOf(doc, asZabbix)).toMatchObject({ pid: asZabbix.pid });
      });
    });
  });
});
