/** Real /proc/net lines to start mutations from: this host's own, and the committed fixtures'. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { REPO } from '../helpers/procsock.js';

export type TableName = 'tcp' | 'tcp6' | 'udp' | 'udp6';
export const TABLES: readonly TableName[] = ['tcp', 'tcp6', 'udp', 'udp6'];

export function protoOf(table: TableName): 'tcp' | 'udp' {
  return table.startsWith('tcp') ? 'tcp' : 'udp';
}
export function familyOf(table: TableName): 4 | 6 {
  return table.endsWith('6') ? 6 : 4;
}

/** Socket lines (no header) of a table file, or none if it cannot be read. */
function socketLines(path: string): string[] {
  try {
    return readFileSync(path, 'latin1')
      .split('\n')
      .filter((line) => /^\s*[0-9]+:/.test(line));
  } catch {
    return [];
  }
}

/** Lines per table from /proc/self/net and every fixtures/<tree>/net directory present. */
export function seedLines(): Record<TableName, string[]> {
  const seeds: Record<TableName, string[]> = { tcp: [], tcp6: [], udp: [], udp6: [] };
  const roots = ['/proc/self'];
  const fixtures = `${REPO}/fixtures`;
  if (existsSync(fixtures)) {
    for (const name of readdirSync(fixtures)) roots.push(`${fixtures}/${name}`);
  }
  for (const root of roots) {
    for (const table of TABLES) seeds[table].push(...socketLines(`${root}/net/${table}`));
  }
  return seeds;
}

/** Opens one socket of each kind on loopback so this host's tables have lines of every shape. */
export async function openSampleSockets(): Promise<() => Promise<void>> {
  const servers: Server[] = [];
  const clients: Socket[] = [];
  const udp: UdpSocket[] = [];
  for (const host of ['127.0.0.1', '::1']) {
    const server = createServer((socket) => clients.push(socket));
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    servers.push(server);
    const port = (server.address() as { port: number }).port;
    const client = createConnection(port, host);
    await new Promise<void>((resolve) => client.once('connect', resolve));
    clients.push(client);
    const bound = createSocket(host === '::1' ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => bound.bind(0, host, resolve));
    const connected = createSocket(host === '::1' ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => connected.connect(bound.address().port, host, resolve));
    udp.push(bound, connected);
  }
  return async () => {
    for (const c of clients) c.destroy();
    for (const u of udp) u.close();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
}
