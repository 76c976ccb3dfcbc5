/**
 * The whole path on a real Zabbix 6.0 (Debian 12's packages): the template imports through the
 * API, a host on a test agent gets it, the discoveries create items that carry this test's
 * listener's values, and closing the listener raises "Stopped listening".
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM_KEY, USER_MACRO } from '../../src/zabbix/constants.js';
import { keyFor, TEMPLATE_KEY, TEMPLATE_NAME, TEMPLATE_PATH } from '../../src/zabbix/template.js';
import { startAgent, type Agent } from './support/agent.js';
import { connectClients, startListener, type TestListener } from './support/sockets.js';
import { startStack, type Stack } from './support/stack.js';
import { Installed, installScript, installSudoers, Processes, REPO, waitFor, zabbixUnavailable } from './support/system.js';

const unavailable = zabbixUnavailable();
const processes = new Processes();
const installed = new Installed();
const dirs: string[] = [];
let stack: Stack;
let agent: Agent;
let listener: TestListener;
let clients: Socket[] = [];
let udp: UdpSocket;
let udpPort: number;
let hostid: string;
let masterItemid: string;
const QUEUED = 4;
const BACKLOG = 4;
const started = Date.now();
const timings: Record<string, number> = {};

interface Item {
  itemid: string;
  key_: string;
  lastvalue: string;
  /** "0" until the item has a value (lastvalue is then "0" too). */
  lastclock: string;
  state: string;
  error: string;
}

async function items(keys: readonly string[]): Promise<Map<string, Item>> {
  const found = await stack.api.call<Item[]>('item.get', {
    hostids: [hostid],
    output: ['itemid', 'key_', 'lastvalue', 'lastclock', 'state', 'error'],
    filter: { key_: keys },
  });
  return new Map(found.map((item) => [item.key_, item]));
}

const hasValue = (item: Item | undefined): item is Item => item !== undefined && item.lastclock !== '0';

async function checkNow(itemid: string): Promise<void> {
  await stack.api.call('task.create', [{ type: 6, request: { itemid } }]);
}

/**
 * Asks for an immediate check of `itemid` every few seconds (a new item only gets into the
 * server's configuration cache at its next sync) until `check` says the result is there.
 */
async function checkNowUntil<T>(what: string, itemid: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  let lastCheckNow = 0;
  return waitFor(what, timeoutMs, async () => {
    if (Date.now() - lastCheckNow > 4000) {
      lastCheckNow = Date.now();
      await checkNow(itemid);
    }
    return check();
  }, 500);
}

async function problems(): Promise<string[]> {
  const found = await stack.api.call<Array<{ name: string }>>('problem.get', { hostids: [hostid], output: ['name'] });
  return found.map((p) => p.name);
}

const listenerKey = (base: string) => keyFor(base, listener.key);

describe.skipIf(unavailable !== undefined)(`Zabbix 6.0 server, frontend and template${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    installScript(installed);
    installSudoers(installed);
    stack = await startStack(processes, dirs);
    Object.assign(timings, stack.timings);
    agent = await startAgent(processes, { kind: 'zabbix_agentd', includes: [join(REPO, 'zabbix/zabbix_agentd.d/procsock-sudo.conf')], startAs: 'root' });
    listener = await startListener(processes, 'root', BACKLOG);
    clients = await connectClients(listener.port, QUEUED);
    udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    udpPort = udp.address().port;
    timings.stackUpMs = Date.now() - started;
  }, 300_000);

  afterAll(async () => {
    for (const socket of clients) socket.destroy();
    udp?.close();
    await agent?.stop();
    // Newest first: the listener and the frontend, then zabbix_server, and postgres last.
    await processes.stopAll();
    installed.restore();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    console.log(`zabbix stack timings (ms): ${JSON.stringify(timings)}`);
  }, 120_000);

  it('runs the Zabbix 6.0 API', async () => {
    expect(await stack.api.call('apiinfo.version', {})).toMatch(/^6\.0\./);
  }, 120_000);

  it('imports the template without an error or a PHP warning, and a second time without a change', async () => {
    const rules = {
      groups: { createMissing: true },
      templates: { createMissing: true, updateExisting: true },
      valueMaps: { createMissing: true, updateExisting: true, deleteMissing: true },
      templateLinkage: { createMissing: true, deleteMissing: true },
      items: { createMissing: true, updateExisting: true, deleteMissing: true },
      discoveryRules: { createMissing: true, updateExisting: true, deleteMissing: true },
      triggers: { createMissing: true, updateExisting: true, deleteMissing: true },
      graphs: { createMissing: true, updateExisting: true, deleteMissing: true },
    };
    const xml = readFileSync(join(REPO, TEMPLATE_PATH), 'utf8');
    const t = Date.now();
    expect(await stack.api.call('configuration.import', { format: 'xml', source: xml, rules })).toBe(true);
    timings.importMs = Date.now() - t;
    expect(await stack.api.call('configuration.importcompare', { format: 'xml', source: xml, rules })).toEqual([]);
    expect(await stack.api.call('configuration.import', { format: 'xml', source: xml, rules })).toBe(true);
    expect(stack.phpLog()).toBe('');
  }, 120_000);

  it('disables the stock "Zabbix server" host and creates a host on the test agent with the template', async () => {
    const stock = await stack.api.call<Array<{ hostid: string }>>('host.get', { filter: { host: ['Zabbix server'] }, output: ['hostid'] });
    for (const host of stock) await stack.api.call('host.update', { hostid: host.hostid, status: 1 });
    const [template] = await stack.api.call<Array<{ templateid: string }>>('template.get', { filter: { host: [TEMPLATE_NAME] }, output: ['templateid'] });
    const [group] = await stack.api.call<Array<{ groupid: string }>>('hostgroup.get', { filter: { name: ['Linux servers'] }, output: ['groupid'] });
    const created = await stack.api.call<{ hostids: string[] }>('host.create', {
      host: 'procsock-stack-test',
      groups: [{ groupid: group!.groupid }],
      interfaces: [{ type: 1, main: 1, useip: 1, ip: '127.0.0.1', dns: '', port: String(agent.port) }],
      templates: [{ templateid: template!.templateid }],
      // /proc does not show the backlog: the template takes it per port from this macro.
      macros: [{ macro: `${USER_MACRO.BACKLOG.slice(0, -1)}:"${listener.port}"}`, value: String(BACKLOG) }],
    });
    hostid = created.hostids[0]!;
    const master = await items([ITEM_KEY.GET]);
    masterItemid = master.get(ITEM_KEY.GET)!.itemid;
    expect(masterItemid).toMatch(/^\d+$/);
  }, 120_000);

  it("discovers the test's listener and fills its items from the master item", async () => {
    const t = Date.now();
    const keys = {
      status: listenerKey(TEMPLATE_KEY.LISTENER_STATUS),
      established: listenerKey(TEMPLATE_KEY.LISTENER_ESTABLISHED),
      queue: listenerKey(TEMPLATE_KEY.LISTENER_ACCEPT_QUEUE),
      pid: listenerKey(TEMPLATE_KEY.LISTENER_PID),
    };
    await checkNowUntil('the listener items to be discovered', masterItemid, 90_000, async () => {
      const found = await items(Object.values(keys));
      return found.size === 4 ? found : undefined;
    });
    timings.discoveryMs = Date.now() - t;
    const values = await checkNowUntil('values in the discovered items', masterItemid, 60_000, async () => {
      const found = await items(Object.values(keys));
      return [...found.values()].every(hasValue) ? found : undefined;
    });
    timings.firstValuesMs = Date.now() - t;
    expect(values.get(keys.status)).toMatchObject({ lastvalue: '1', state: '0' });
    expect(values.get(keys.established)).toMatchObject({ lastvalue: String(QUEUED), state: '0' });
    expect(values.get(keys.queue)).toMatchObject({ lastvalue: String(QUEUED), state: '0' });
    expect(values.get(keys.pid)).toMatchObject({ lastvalue: String(listener.pid), state: '0' });
  }, 120_000);

  it('discovers a UDP listener without an accept queue, and the outbound peer with its connection count', async () => {
    const comm = readFileSync('/proc/self/comm', 'utf8').trim();
    const udpStatus = keyFor(TEMPLATE_KEY.LISTENER_STATUS, `udp:127.0.0.1:${udpPort}`);
    const udpQueue = keyFor(TEMPLATE_KEY.LISTENER_ACCEPT_QUEUE, `udp:127.0.0.1:${udpPort}`);
    const peer = keyFor(TEMPLATE_KEY.PEER_CONNECTIONS, `${comm}|tcp|127.0.0.1:${listener.port}`);
    const found = await checkNowUntil('the UDP listener and the peer to have values', masterItemid, 60_000, async () => {
      const got = await items([udpStatus, udpQueue, peer]);
      return hasValue(got.get(udpStatus)) && hasValue(got.get(peer)) ? got : undefined;
    });
    expect(found.get(udpStatus)?.lastvalue).toBe('1');
    expect(found.has(udpQueue)).toBe(false);
    expect(found.get(peer)?.lastvalue).toBe(String(QUEUED));
  }, 120_000);

  it('creates every prototype of the listener and peer discoveries without an error', async () => {
    const rules = await stack.api.call<Array<{ key_: string; state: string; error: string }>>('discoveryrule.get', {
      hostids: [hostid],
      filter: { key_: [TEMPLATE_KEY.LISTENER_DISCOVERY, TEMPLATE_KEY.PEER_DISCOVERY] },
      output: ['key_', 'state', 'error'],
    });
    expect(rules.map((r) => [r.key_, r.state, r.error]).sort()).toEqual([
      [TEMPLATE_KEY.LISTENER_DISCOVERY, '0', ''],
      [TEMPLATE_KEY.PEER_DISCOVERY, '0', ''],
    ]);
    const graphs = await stack.api.call<Array<{ name: string }>>('graph.get', { hostids: [hostid], output: ['name'] });
    expect(graphs.map((g) => g.name)).toEqual(expect.arrayContaining([`tcp 127.0.0.1:${listener.port}: Connections`, `tcp 127.0.0.1:${listener.port}: Accept queue`]));
    expect(graphs.map((g) => g.name)).not.toContain(`udp 127.0.0.1:${udpPort}: Accept queue`);
  }, 120_000);

  it('fills the self-monitoring items', async () => {
    const keys = [TEMPLATE_KEY.SOCKETS, TEMPLATE_KEY.LISTENERS, TEMPLATE_KEY.DURATION, TEMPLATE_KEY.PARTIAL];
    const found = await checkNowUntil('self-monitoring values', masterItemid, 30_000, async () => {
      const got = await items(keys);
      return keys.every((k) => hasValue(got.get(k))) ? got : undefined;
    });
    expect(Number(found.get(TEMPLATE_KEY.SOCKETS)!.lastvalue)).toBeGreaterThanOrEqual(QUEUED + 2);
    expect(Number(found.get(TEMPLATE_KEY.LISTENERS)!.lastvalue)).toBeGreaterThanOrEqual(2);
    expect(Number(found.get(TEMPLATE_KEY.DURATION)!.lastvalue)).toBeLessThan(3);
    expect(found.get(TEMPLATE_KEY.PARTIAL)!.lastvalue).toBe('0');
  }, 120_000);

  it('raises "Accept queue near backlog" for the queue that nobody accepts', async () => {
    const names = await waitFor('the accept queue problem', 60_000, async () => {
      const found = await problems();
      return found.some((n) => n.includes(`127.0.0.1:${listener.port}: Accept queue near backlog`)) ? found : undefined;
    });
    expect(names.join('\n')).toContain(`tcp 127.0.0.1:${listener.port}: Accept queue near backlog`);
  }, 120_000);

  it('creates per-socket items once the disabled sockets discovery is enabled', async () => {
    const [rule] = await stack.api.call<Array<{ itemid: string; status: string }>>('discoveryrule.get', {
      hostids: [hostid],
      filter: { key_: [TEMPLATE_KEY.SOCKET_DISCOVERY] },
      output: ['itemid', 'status'],
    });
    expect(rule?.status).toBe('1');
    await stack.api.call('discoveryrule.update', { itemid: rule!.itemid, status: 0 });
    const tcp = `${TEMPLATE_KEY.TCP_SOCKET_COUNT}[127.0.0.1,${listener.port},0.0.0.0,0]`;
    const udpTwin = `${TEMPLATE_KEY.UDP_SOCKET_COUNT}[127.0.0.1,${listener.port},0.0.0.0,0]`;
    const item = await checkNowUntil('the per-socket item', rule!.itemid, 60_000, async () => (await items([tcp])).get(tcp));
    const valued = await checkNowUntil('its value', item.itemid, 60_000, async () => {
      const got = (await items([tcp])).get(tcp);
      return hasValue(got) ? got : undefined;
    });
    expect(valued.lastvalue).toBe('1');
    expect((await items([udpTwin])).size).toBe(0);
    await stack.api.call('discoveryrule.update', { itemid: rule!.itemid, status: 1 });
  }, 120_000);

  it('raises "Stopped listening" once the listener is closed', async () => {
    const t = Date.now();
    for (const socket of clients) socket.destroy();
    clients = [];
    await listener.close();
    const status = listenerKey(TEMPLATE_KEY.LISTENER_STATUS);
    await checkNowUntil('the status to drop to 0', masterItemid, 60_000, async () => ((await items([status])).get(status)?.lastvalue === '0' ? true : undefined));
    const names = await waitFor('the problem', 60_000, async () => {
      const found = await problems();
      return found.some((n) => n.includes(`127.0.0.1:${listener.port}: Stopped listening`)) ? found : undefined;
    });
    timings.problemMs = Date.now() - t;
    expect(names.join('\n')).toContain(`tcp 127.0.0.1:${listener.port}: Stopped listening (was perl)`);
  }, 120_000);

  it('raises "Owner process restarted", and resolves "Stopped listening", once another process listens there', async () => {
    const t = Date.now();
    const successor = await startListener(processes, 'root', BACKLOG, listener.port);
    expect(successor.pid).not.toBe(listener.pid);
    const pid = listenerKey(TEMPLATE_KEY.LISTENER_PID);
    await checkNowUntil('the new owner PID', masterItemid, 60_000, async () => ((await items([pid])).get(pid)?.lastvalue === String(successor.pid) ? true : undefined));
    const names = await waitFor('the restart problem', 60_000, async () => {
      const found = await problems();
      const mine = (what: string) => found.some((n) => n.includes(`127.0.0.1:${listener.port}: ${what}`));
      // Other listeners of this host may come and go meanwhile: look at this one only.
      if (mine('Owner process restarted') && !mine('Stopped listening')) return found;
      const triggers = await stack.api.call<Array<{ description: string; value: string; state: string; error: string }>>('trigger.get', {
        hostids: [hostid],
        search: { description: 'Owner process restarted' },
        output: ['description', 'value', 'state', 'error'],
      });
      throw new Error(`problems: ${found.join('; ')}; triggers: ${JSON.stringify(triggers)}`);
    });
    timings.restartMs = Date.now() - t;
    expect(names.join('\n')).toContain(`tcp 127.0.0.1:${listener.port}: Owner process restarted (perl, within 10m)`);
    expect(stack.phpLog()).toBe('');
  }, 120_000);
});
