/**
 * Output bound: Zabbix agent 6.0 takes at most 512 KiB from a UserParameter. Discovery that would
 * print more prints NOTHING and fails in one line that says how many sockets there are and what to
 * use instead; `--max-bytes 0` lifts the limit; the limit is exact to the byte. `procsock get`
 * instead fits itself under its limit by leaving out the peers with the fewest connections.
 * Fixture trees are generated here and read as nobody (as root only a real procfs is accepted).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM_KEY, ZABBIX_6_MAX_OUTPUT } from '../../src/zabbix/constants.js';
import { recordFigure } from '../property/figures.js';
import type { GetDoc } from './helpers/answers.js';
import { ipv4, makeTree, type FixtureProcess, type FixtureSocket } from './helpers/fixture.js';
import { cleanupRunHelpers, expectJsonAnswer, expectOneLineError, runBundle } from './helpers/run.js';
import { AS_NOBODY } from '../helpers/procsock.js';

const LISTENERS = 4000;
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  cleanupRunHelpers();
});

function asNobody(args: string[]) {
  return runBundle(args, { prefix: AS_NOBODY, timeoutMs: 30_000 });
}

describe(`discovery of ${LISTENERS} TCP listeners and 20 UDP sockets (over 512 KiB of LLD)`, () => {
  let root: string;
  beforeAll(() => {
    const sockets: FixtureSocket[] = [];
    for (let k = 0; k < LISTENERS; k++) sockets.push({ proto: 'tcp', family: k % 2 ? 6 : 4, state: 'LISTEN', local: k % 2 ? [0, 0, 0, 1] : ipv4('127.0.0.1'), lport: 1024 + k, pid: 100 + (k % 40), uid: 1000 });
    for (let k = 0; k < 20; k++) sockets.push({ proto: 'udp', family: 4, state: 'LISTEN', local: ipv4('0.0.0.0'), lport: 5000 + k, pid: 100 });
    const processes: FixtureProcess[] = Array.from({ length: 40 }, (_, k) => ({ pid: 100 + k, comm: `server-${k}` }));
    root = makeTree(sockets, processes);
    roots.push(root);
  });

  it('fails in one line naming the socket count, the aggregated key and the filters, with nothing on stdout', async () => {
    const r = await asNobody(['discovery', '--procfs', root]);
    const line = expectOneLineError(r, [3]);
    expect(line).toContain(`${LISTENERS + 20} sockets`);
    expect(line).toContain(ITEM_KEY.GET);
    expect(line).toMatch(/--state/);
    expect(line).toMatch(/--proto/);
    expect(line).toContain(`--max-bytes ${ZABBIX_6_MAX_OUTPUT}`);
    recordFigure('output bound error line', line);
  });

  it('prints it all with --max-bytes 0, and --format json has no limit by default', async () => {
    const lld = expectJsonAnswer<unknown[]>(await asNobody(['discovery', '--procfs', root, '--max-bytes', '0']));
    expect(lld).toHaveLength(LISTENERS + 20);
    const json = expectJsonAnswer<{ sockets: unknown[] }>(await asNobody(['discovery', '--procfs', root, '--format', 'json']));
    expect(json.sockets).toHaveLength(LISTENERS + 20);
  });

  it('holds the limit to the byte: the exact size passes, one byte less prints nothing', async () => {
    const full = await asNobody(['discovery', '--procfs', root, '--max-bytes', '0']);
    const size = Buffer.byteLength(full.stdout);
    expect(size).toBeGreaterThan(ZABBIX_6_MAX_OUTPUT);
    const exact = await asNobody(['discovery', '--procfs', root, '--max-bytes', String(size)]);
    expect(exact.code).toBe(0);
    expect(exact.stdout).toBe(full.stdout);
    expectOneLineError(await asNobody(['discovery', '--procfs', root, '--max-bytes', String(size - 1)]), [3]);
    recordFigure('output bound fixture LLD bytes', size);
  });

  it('answers within the default limit once narrowed as the message suggests', async () => {
    const udp = expectJsonAnswer<unknown[]>(await asNobody(['discovery', '--procfs', root, '--proto', 'udp']));
    expect(udp).toHaveLength(20);
  });
});

describe('procsock get under a small --max-bytes', () => {
  const PEERS = 60;
  let root: string;
  beforeAll(() => {
    const sockets: FixtureSocket[] = [];
    for (let k = 0; k < 5; k++) sockets.push({ proto: 'tcp', family: 4, state: 'LISTEN', local: ipv4('0.0.0.0'), lport: 8000 + k, pid: 200 });
    // Peer k gets k + 1 connections; addresses of different lengths so sizes differ too.
    let port = 30_000;
    for (let k = 0; k < PEERS; k++) {
      for (let c = 0; c <= k; c++) {
        sockets.push({ proto: 'tcp', family: 4, state: 'ESTABLISHED', local: ipv4('10.0.0.1'), lport: port++, remote: ipv4(`10.${k % 3 ? 200 : 1}.${k}.${(k * 37) % 250}`), rport: 5432 + (k % 7), pid: 300 + (k % 3) });
      }
    }
    root = makeTree(sockets, [
      { pid: 200, comm: 'server' },
      { pid: 300, comm: 'client' },
      { pid: 301, comm: 'worker-with-a-long-name' },
      { pid: 302, comm: 'w' },
    ]);
    roots.push(root);
  });

  it('drops the peers with the fewest connections, counts them, and stays under the limit', async () => {
    const full = expectJsonAnswer<GetDoc>(await asNobody(['get', '--procfs', root, '--max-bytes', '0']));
    expect(full.peers).toHaveLength(PEERS);
    expect(full.diagnostics.peers_omitted).toBe(0);
    const fullSize = Buffer.byteLength(JSON.stringify(full)) + 1;
    const bare = Buffer.byteLength(JSON.stringify({ ...full, peers: [] })) + 1;
    let checked = 0;
    for (let limit = bare + 40; limit < fullSize; limit += Math.ceil((fullSize - bare) / 25)) {
      const r = await asNobody(['get', '--procfs', root, '--max-bytes', String(limit)]);
      const doc = expectJsonAnswer<GetDoc>(r);
      expect(Buffer.byteLength(r.stdout), `limit ${limit}`).toBeLessThanOrEqual(limit);
      expect(doc.listeners).toEqual(full.listeners);
      expect(doc.diagnostics.peers_omitted).toBe(PEERS - doc.peers.length);
      expect(doc.peers.length).toBeLessThan(PEERS);
      // Kept peers appear as in the full answer, and none left out had more connections than one kept.
      const keys = new Set(doc.peers.map((p) => p.key));
      expect(full.peers.filter((p) => keys.has(p.key))).toEqual(doc.peers);
      const fewestKept = Math.min(...doc.peers.map((p) => p.connections));
      const omitted = full.peers.filter((p) => !keys.has(p.key));
      expect(omitted.filter((p) => p.connections > fewestKept), `limit ${limit}: dropped a busier peer than one it kept`).toEqual([]);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('fails in one line, nothing on stdout, when even the listeners do not fit', async () => {
    const line = expectOneLineError(await asNobody(['get', '--procfs', root, '--max-bytes', '200']), [3]);
    expect(line).toContain('--max-bytes 200');
  });
});

describe('procsock get with more peers than 512 KiB holds', () => {
  it('fits under the default limit and says how many peers it left out', async () => {
    const sockets: FixtureSocket[] = [];
    for (let k = 0; k < 8000; k++) {
      sockets.push({ proto: 'tcp', family: 6, state: 'ESTABLISHED', local: [0x20010db8, 0, 0, 1], lport: 20_000 + (k % 40_000), remote: [0x20010db8, 0xffff, k, 0xabcd], rport: 443, pid: 400 });
    }
    const root = makeTree(sockets, [{ pid: 400, comm: 'crawler' }]);
    roots.push(root);
    const r = await asNobody(['get', '--procfs', root]);
    const doc = expectJsonAnswer<GetDoc>(r);
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(ZABBIX_6_MAX_OUTPUT);
    expect(doc.diagnostics.peers_omitted).toBeGreaterThan(0);
    expect(doc.peers.length + (doc.diagnostics.peers_omitted ?? 0)).toBe(8000);
  });
});
