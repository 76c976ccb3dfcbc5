/**
 * procsock on the live /proc of this host: a child opens one socket of each kind, and the bundle
 * must report each with the child's PID and name.
 */
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Holder, type Connection, type Endpoint } from '../helpers/holder.js';
import { procsockJson, type LldRow } from '../helpers/procsock.js';

describe('on the live host', () => {
  const title = `psock-live-${process.pid % 10000}`;
  let holder: Holder;
  let tcp4: Endpoint;
  let tcp6: Endpoint;
  let udpBound: Endpoint;
  let conn: Connection;
  let udpConn: Connection;

  beforeAll(async () => {
    holder = await Holder.start(title);
    [tcp4, tcp6, udpBound] = (await holder.listen([
      { host: '127.0.0.1' },
      { host: '::1' },
      { proto: 'udp', host: '127.0.0.1' },
    ])) as [Endpoint, Endpoint, Endpoint];
    [conn] = (await holder.connect([{ host: '127.0.0.1', port: tcp4.port }])) as [Connection];
    [udpConn] = (await holder.udpConnect([{ host: '127.0.0.1', port: udpBound.port }])) as [Connection];
  });
  afterAll(() => holder?.stop());

  const mine = (rows: LldRow[]) => rows.filter((r) => r['{#PID}'] === String(holder.pid));
  const key = (r: LldRow) => `${r['{#PROTO}']} ${r['{#STATE}']} ${r['{#LADDR}']}:${r['{#LPORT}']} ${r['{#RADDR}']}:${r['{#RPORT}']}`;

  it("reports each of the child's sockets with its PID and name", () => {
    const rows = mine(procsockJson<LldRow[]>(['discovery', '--deadline-ms', '30000', '--max-bytes', '0']));
    expect(rows.map(key).sort()).toEqual(
      [
        `tcp LISTEN 127.0.0.1:${tcp4.port} 0.0.0.0:0`,
        `tcp LISTEN ::1:${tcp6.port} :::0`,
        `tcp ESTABLISHED 127.0.0.1:${conn.local.port} 127.0.0.1:${tcp4.port}`,
        `tcp ESTABLISHED 127.0.0.1:${tcp4.port} 127.0.0.1:${conn.local.port}`,
        `udp LISTEN 127.0.0.1:${udpBound.port} 0.0.0.0:0`,
        `udp ESTABLISHED 127.0.0.1:${udpConn.local.port} 127.0.0.1:${udpBound.port}`,
      ].sort(),
    );
    for (const row of rows) {
      expect(row['{#PROC}']).toBe(title.slice(0, 15));
      expect(row['{#PIDS}']).toBe(String(holder.pid));
      expect(row['{#USER}']).toBe(userInfo().username);
    }
  });

  it('narrows to what the filters ask for', () => {
    const rows = mine(procsockJson<LldRow[]>(['discovery', '--state', 'listen', '--proto', 'tcp', '--family', '6']));
    expect(rows.map(key)).toEqual([`tcp LISTEN ::1:${tcp6.port} :::0`]);
  });

  it("counts the child's connection as inbound on its listener in procsock get", () => {
    const doc = procsockJson<{ listeners: { key: string; pid: number; established: number }[] }>(['get', '--max-bytes', '0']);
    const listener = doc.listeners.find((l) => l.key === `tcp:127.0.0.1:${tcp4.port}`);
    expect(listener).toMatchObject({ pid: holder.pid, established: 1 });
  });
});
