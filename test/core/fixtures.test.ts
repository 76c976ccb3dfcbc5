/**
 * The rules of the core, each on a hand-made procfs tree (fixtures/, written by
 * fixtures/make-handmade.py). Expected answers are written out by hand from the trees.
 */
import { cpSync, chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/inprocess.js';
import { procsockAsNobody, REPO, type LldRow } from '../helpers/procsock.js';
import { parseSs } from '../helpers/ss.js';

const BASIC = `${REPO}/fixtures/basic`;
const PASSWD = `${BASIC}/passwd`;

type Row = [proto: string, state: string, local: string, remote: string, proc: string, pids: string, user: string];

/** The basic tree's sockets in procsock's order: proto, state, family, local, remote. */
const BASIC_ROWS: Row[] = [
  ['tcp', 'LISTEN', '0.0.0.0:22', '0.0.0.0:0', 'sshd', '100', 'root'],
  ['tcp', 'LISTEN', '127.0.0.1:5432', '0.0.0.0:0', 'postgres', '200', '4242'],
  ['tcp', 'LISTEN', ':::80', ':::0', 'nginx', '300,301', 'root'],
  ['tcp', 'LISTEN', '::1:631', ':::0', 'cupsd', '400', 'root'],
  ['tcp', 'LISTEN', '2001:db8::1:0:0:1:443', ':::0', 'caddy', '700', 'root'],
  ['tcp', 'ESTABLISHED', '10.0.0.5:22', '10.0.0.9:51234', 'sshd', '100', 'root'],
  ['tcp', 'ESTABLISHED', '127.0.0.1:5432', '127.0.0.1:40001', 'postgres', '200', '4242'],
  ['tcp', 'ESTABLISHED', '127.0.0.1:5432', '127.0.0.1:40002', '', '', '4242'],
  ['tcp', 'ESTABLISHED', '127.0.0.1:40001', '127.0.0.1:5432', 'psql', '210', 'nobody'],
  ['tcp', 'ESTABLISHED', '::ffff:127.0.0.1:80', '::ffff:127.0.0.1:40100', 'nginx', '301', 'root'],
  ['tcp', 'ESTABLISHED', 'fe80::1:8080', 'fe80::2:0:0:1:50000', 'app', '610', 'nobody'],
  ['udp', 'LISTEN', '0.0.0.0:68', '0.0.0.0:0', 'dhclient', '600', 'root'],
  ['udp', 'LISTEN', '0.0.0.0:4789', '0.0.0.0:0', '', '', 'root'],
  ['udp', 'LISTEN', ':::5353', ':::0', 'avahi-daemon', '620', 'nobody'],
  ['udp', 'ESTABLISHED', '127.0.0.1:5000', '127.0.0.53:53', 'app', '610', 'nobody'],
];

function summarize(rows: LldRow[]): Row[] {
  return rows.map((r) => [
    r['{#PROTO}'],
    r['{#STATE}'],
    `${r['{#LADDR}']}:${r['{#LPORT}']}`,
    `${r['{#RADDR}']}:${r['{#RPORT}']}`,
    r['{#PROC}'],
    r['{#PIDS}'],
    r['{#USER}'],
  ]);
}

async function lld(root: string, ...args: string[]): Promise<LldRow[]> {
  const r = await runInProcess(['discovery', '--procfs', root, ...args], { passwdPath: PASSWD });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as LldRow[];
}

async function json(root: string, ...args: string[]) {
  const r = await runInProcess(['discovery', '--format', 'json', '--procfs', root, ...args], { passwdPath: PASSWD });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as {
    sockets: { inode: number; owners: { pid: number; proc: string }[]; uid: number; user: string }[];
    diagnostics: Record<string, number>;
  };
}

describe('discovery on the basic tree', () => {
  it('lists every LISTEN and ESTABLISHED socket, TCP and UDP, IPv4 and IPv6, sorted', async () => {
    expect(summarize(await lld(BASIC))).toEqual(BASIC_ROWS);
  });

  it('prints every LLD value as a string, with the macros Zabbix needs', async () => {
    const rows = await lld(BASIC);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(
        ['{#FAMILY}', '{#LADDR}', '{#LPORT}', '{#PID}', '{#PIDS}', '{#PROC}', '{#PROTO}', '{#RADDR}', '{#RPORT}', '{#STATE}', '{#UID}', '{#USER}'].sort(),
      );
      for (const value of Object.values(row)) expect(typeof value).toBe('string');
    }
    expect(rows[0]).toEqual({
      '{#PROTO}': 'tcp',
      '{#FAMILY}': 'ipv4',
      '{#STATE}': 'LISTEN',
      '{#LADDR}': '0.0.0.0',
      '{#LPORT}': '22',
      '{#RADDR}': '0.0.0.0',
      '{#RPORT}': '0',
      '{#PROC}': 'sshd',
      '{#PID}': '100',
      '{#PIDS}': '100',
      '{#USER}': 'root',
      '{#UID}': '0',
    });
  });

  it('gives a socket shared by a pre-fork server all its owners, the lowest PID as primary', async () => {
    const nginx = (await lld(BASIC)).find((r) => r['{#LPORT}'] === '80' && r['{#STATE}'] === 'LISTEN');
    expect(nginx).toMatchObject({ '{#PID}': '300', '{#PIDS}': '300,301', '{#PROC}': 'nginx' });
  });

  it('reports a socket no process holds (a kernel socket) with empty owner and its uid and user', async () => {
    const vxlan = (await lld(BASIC)).find((r) => r['{#LPORT}'] === '4789');
    expect(vxlan).toMatchObject({ '{#PROC}': '', '{#PID}': '', '{#PIDS}': '', '{#UID}': '0', '{#USER}': 'root' });
  });

  it('shows a uid without a passwd entry as the number', async () => {
    const pg = (await lld(BASIC)).find((r) => r['{#LPORT}'] === '5432' && r['{#STATE}'] === 'LISTEN');
    expect(pg).toMatchObject({ '{#UID}': '4242', '{#USER}': '4242' });
  });

  it('filters by state, protocol and family, and treats an empty list as all', async () => {
    const pick = async (...args: string[]) => summarize(await lld(BASIC, ...args));
    expect(await pick('--state', 'listen')).toEqual(BASIC_ROWS.filter((r) => r[1] === 'LISTEN'));
    expect(await pick('--proto', 'udp')).toEqual(BASIC_ROWS.filter((r) => r[0] === 'udp'));
    expect(await pick('--family', '6', '--state', 'established', '--proto', 'tcp')).toEqual([BASIC_ROWS[9], BASIC_ROWS[10]]);
    expect(await pick('--state=', '--proto=', '--family=')).toEqual(BASIC_ROWS);
    expect(await pick('--state', 'LISTEN,established', '--family', 'ipv4,ipv6')).toEqual(BASIC_ROWS);
  });

  it('prints the same bytes on every run', async () => {
    const a = await runInProcess(['--procfs', BASIC], { passwdPath: PASSWD });
    const b = await runInProcess(['--procfs', BASIC], { passwdPath: PASSWD });
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.endsWith(']\n')).toBe(true);
  });

  it('counts what it could not resolve, and skips a process that vanished mid-scan silently', async () => {
    const { diagnostics } = await json(BASIC);
    expect(diagnostics).toMatchObject({
      sockets: 15,
      lines: 17,
      malformed_lines: 0,
      processes: 13,
      processes_scanned: 12, // pid 800 lost its fd directory: exited between listing and scan
      permission_denied: 0,
      owners_unresolved: 1, // the kernel's VXLAN socket
      not_accepted: 1, // the connection waiting in postgres's accept queue
      partial: 0,
    });
  });

  it('prints an ss-like table for people', async () => {
    const r = await runInProcess(['--format', 'table', '--procfs', BASIC], { passwdPath: PASSWD });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Netid +State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +User +Process$/);
    expect(lines).toHaveLength(1 + BASIC_ROWS.length);
    expect(lines[3]).toMatch(/^tcp +LISTEN +0 +0 +\[::\]:80 +\[::\]:\* +root +nginx\(300\),nginx\(301\)$/);
    expect(lines.find((l) => l.includes(':4789'))).toMatch(/^udp +UNCONN .* root$/);
  });
});

describe('procsock get on the basic tree', () => {
  it('aggregates listeners with inbound connections and accept queue, and outbound peers', async () => {
    const r = await runInProcess(['get', '--procfs', BASIC], { passwdPath: PASSWD });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { listeners: Record<string, unknown>[]; peers: Record<string, unknown>[] };
    const listeners = doc.listeners.map((l) => [l.key, l.proc, l.pids, l.user, l.sockets, l.established, l.accept_queue]);
    expect(listeners).toEqual([
      ['tcp:0.0.0.0:22', 'sshd', '100', 'root', 1, 1, 0],
      ['tcp:127.0.0.1:5432', 'postgres', '200', '4242', 1, 2, 1],
      ['tcp:[::]:80', 'nginx', '300,301', 'root', 1, 1, 0],
      ['tcp:[::1]:631', 'cupsd', '400', 'root', 1, 0, 0],
      ['tcp:[2001:db8::1:0:0:1]:443', 'caddy', '700', 'root', 1, 0, 0],
      ['udp:0.0.0.0:68', 'dhclient', '600', 'root', 1, 0, 0],
      ['udp:0.0.0.0:4789', '', '', 'root', 1, 0, 0],
      ['udp:[::]:5353', 'avahi-daemon', '620', 'nobody', 1, 0, 0],
    ]);
    expect(doc.peers.map((p) => [p.proc, p.proto, p.raddr, p.rport, p.connections])).toEqual([
      ['app', 'tcp', 'fe80::2:0:0:1', 50000, 1],
      ['app', 'udp', '127.0.0.53', 53, 1],
      ['psql', 'tcp', '127.0.0.1', 5432, 1],
    ]);
  });
});

describe('other trees', () => {
  it('takes a missing tcp6/udp6 (IPv6 disabled) as normal', async () => {
    expect(summarize(await lld(`${REPO}/fixtures/no-ipv6`))).toEqual([
      ['tcp', 'LISTEN', '0.0.0.0:22', '0.0.0.0:0', 'sshd', '42', 'root'],
      ['udp', 'LISTEN', '127.0.0.1:323', '0.0.0.0:0', 'chronyd', '43', 'root'],
    ]);
  });

  it('skips and counts malformed lines, still reporting the good ones', async () => {
    const root = `${REPO}/fixtures/malformed`;
    expect(summarize(await lld(root)).map((r) => r[2])).toEqual(['127.0.0.1:8080', '127.0.0.1:9090']);
    expect((await json(root)).diagnostics).toMatchObject({ sockets: 2, lines: 8, malformed_lines: 6 });
  });

  it('refuses a root that is not a procfs tree, with one line and exit 1', async () => {
    const r = await runInProcess(['--procfs', `${REPO}/src`]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^procsock: procfs root ".*\/src" is not a procfs: net\/tcp is missing\n$/);
  });
});

const isRoot = process.geteuid?.() === 0;

describe.skipIf(!isRoot)('an fd directory we may not read (needs root to run as nobody)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'procsock-denied-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('still reports the socket, owner empty with uid and user, and counts the process', () => {
    chmodSync(dir, 0o755);
    const root = join(dir, 'tree');
    cpSync(BASIC, root, { recursive: true, verbatimSymlinks: true });
    chmodSync(join(root, '400', 'fd'), 0o000);
    // As root every directory is readable: run the bundle as nobody, as the Zabbix agent runs.
    const r = procsockAsNobody(['discovery', '--format', 'json', '--procfs', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { sockets: { local: { port: number }; owners: unknown[]; uid: number; user: string }[]; diagnostics: Record<string, number> };
    expect(doc.sockets).toHaveLength(BASIC_ROWS.length);
    expect(doc.sockets.find((s) => s.local.port === 631)).toMatchObject({ owners: [], uid: 0, user: 'root' });
    expect(doc.diagnostics).toMatchObject({ permission_denied: 1, owners_unresolved: 2, processes_scanned: 11 });
  });
});

describe('a tree captured from a live kernel (fixtures/captured-host)', () => {
  it('gives the answer ss gave at the moment of the capture', async () => {
    const truth = parseSs(readFileSync(`${REPO}/fixtures/captured-host.ss.txt`, 'utf8')).map(
      (s) => `${s.proto} ${s.state} ${s.local} ${s.remote} pids=${s.pids}`,
    );
    const ours = (await lld(`${REPO}/fixtures/captured-host`)).map(
      (x) => `${x['{#PROTO}']} ${x['{#STATE}']} ${x['{#LADDR}']}:${x['{#LPORT}']} ${x['{#RADDR}']}:${x['{#RPORT}']} pids=${x['{#PIDS}']}`,
    );
    expect(truth.length).toBeGreaterThanOrEqual(15);
    expect(ours.sort()).toEqual(truth.sort());
  });
});

describe('procsock get on the captured tree', () => {
  it('counts inbound connections per listener and outbound ones per peer as ss shows them', async () => {
    const ssText = readFileSync(`${REPO}/fixtures/captured-host.ss.txt`, 'utf8');
    const sockets = parseSs(ssText);
    const nameOf = new Map([...ssText.matchAll(/\("([^"]+)",pid=(\d+)/g)].map((m) => [m[2]!, m[1]!]));
    const listening = sockets.filter((s) => s.state === 'LISTEN');
    const wildcard = (a: string) => a === '0.0.0.0' || a === '::';
    // The truth, from ss: an established socket is inbound when a listener of its protocol has its
    // local port and its address (or a wildcard one of its family); the rest are outbound peers.
    const inboundOf = (s: (typeof sockets)[number]) =>
      listening.find((l) => l.proto === s.proto && l.lport === s.lport && (l.laddr === s.laddr || (wildcard(l.laddr) && l.laddr.includes(':') === s.laddr.includes(':'))));
    const established = new Map<string, number>();
    const peers = new Map<string, number>();
    for (const s of sockets.filter((x) => x.state === 'ESTABLISHED')) {
      const l = inboundOf(s);
      if (l !== undefined) established.set(l.local, (established.get(l.local) ?? 0) + 1);
      else {
        const key = `${nameOf.get(s.pids.split(',')[0]!) ?? ''} ${s.proto} ${s.raddr} ${s.rport}`;
        peers.set(key, (peers.get(key) ?? 0) + 1);
      }
    }
    const r = await runInProcess(['get', '--procfs', `${REPO}/fixtures/captured-host`]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      listeners: { laddr: string; lport: number; established: number }[];
      peers: { proc: string; proto: string; raddr: string; rport: number; connections: number }[];
    };
    expect(doc.listeners.map((l) => [`${l.laddr}:${l.lport}`, l.established]).sort()).toEqual(
      listening.map((l) => [l.local, established.get(l.local) ?? 0]).sort(),
    );
    expect(new Map(doc.peers.map((p) => [`${p.proc} ${p.proto} ${p.raddr} ${p.rport}`, p.connections]))).toEqual(peers);
    expect(Math.max(...doc.peers.map((p) => p.connections))).toBeGreaterThan(1);
  });
});
