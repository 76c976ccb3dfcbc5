#!/usr/bin/env node
// Load generator for the benchmark: P processes holding L listeners, E established loopback
// connections (both ends open), U bound UDP sockets and ~20 other fds each.
//
// The sockets are made here, in one Node process, and handed to `sleep TTL` children through
// spawn's stdio array (each entry is dup2'ed into the child), then closed here: a child costs
// ~0.5 MB instead of a Node runtime's 40 MB, and it dies by itself after TTL seconds whatever
// happens to us. Each child holds its listeners, both ends of its connections and its UDP sockets.
//
// Run in a network namespace of its own (bench/run.mjs does that), so it neither sees nor disturbs
// anything else on the host. Talks to its parent over IPC: sends {ready, pids, ...} once loaded and
// kills its children (by PID, only the ones not yet reaped) when told to stop, when the parent
// goes away, on SIGINT/SIGTERM, or after TTL.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    procs: { type: 'string', default: '50' },
    listen: { type: 'string', default: '50' },
    conns: { type: 'string', default: '500' },
    udp: { type: 'string', default: '20' },
    other: { type: 'string', default: '20' },
    ttl: { type: 'string', default: '1800' },
    sleep: { type: 'string', default: '/bin/sleep' },
  },
});
const P = Number(values.procs);
const L = Number(values.listen);
const E = Number(values.conns);
const U = Number(values.udp);
const OTHER = Number(values.other);
const TTL = Number(values.ttl);
for (const [k, v] of Object.entries({ P, L, E, U, OTHER, TTL })) {
  if (!Number.isInteger(v) || v < 0) throw new Error(`bad ${k}: ${v}`);
}
if (P < 1) throw new Error('need at least one process');

const report = (msg) => (process.send ? process.send(msg) : console.log(JSON.stringify(msg)));
const log = (text) => process.stderr.write(`load: ${text}\n`);

/** Children still alive (not reaped): the only PIDs we ever signal. */
const live = new Set();
const servers = [];
let work;
let stopping = false;

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const s of servers) s.close();
  if (work) rmSync(work, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => stop(130));
process.on('SIGTERM', () => stop(143));
process.on('disconnect', () => stop(0));
process.on('message', (m) => {
  if (m === 'stop') stop(0);
});
process.on('uncaughtException', (err) => {
  log(`failed: ${err.stack ?? err}`);
  stop(1);
});
const ttlTimer = setTimeout(() => stop(0), TTL * 1000);
ttlTimer.unref();

// A few process names, so the owners are not all "sleep": a symlink's name becomes the comm.
const NAMES = ['svc-api', 'svc-db', 'svc-cache', 'svc-web', 'svc-queue', 'svc-auth', 'svc-search', 'svc-mail'];
work = mkdtempSync(join(tmpdir(), 'procsock-bench-'));
for (const name of NAMES) symlinkSync(values.sleep, join(work, name));

// The other fds: a regular file, /dev/null, /dev/zero, a directory, a unix socket; each child gets
// OTHER of them (its fds 0..2 are /dev/null).
writeFileSync(join(work, 'data'), 'x');
const devnull = openSync('/dev/null', 'r+');
const shared = [openSync(join(work, 'data'), 'r'), devnull, openSync('/dev/zero', 'r'), openSync(work, 'r')];

const fdOf = (handleOwner) => {
  const fd = handleOwner?._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no fd on handle');
  return fd;
};
const udpFd = (sock) => {
  for (const sym of Object.getOwnPropertySymbols(sock)) {
    const fd = sock[sym]?.handle?.fd;
    if (typeof fd === 'number' && fd >= 0) return fd;
  }
  throw new Error('no fd on UDP socket');
};

const LISTEN_ADDRS = ['127.0.0.1', '0.0.0.0', '::1', '::'];
const UDP_ADDRS = ['127.0.0.1', '0.0.0.0', '::1', '::'];

function listenOn(host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: true });
    server.on('connection', (sock) => accepted.push(sock));
    server.once('error', reject);
    // "::" accepts IPv4 too (v4-mapped), as most dual-stack servers do.
    server.listen({ host, port: 0, backlog: 4096, ipv6Only: false }, () => resolve(server));
  });
}

function bindUdp(host) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only: host === '::' ? false : undefined });
    sock.once('error', reject);
    sock.bind(0, host, () => resolve(sock));
  });
}

/** Accepted server ends waiting to be handed to a child. */
const accepted = [];
let connSerial = 0;

/** Connects to listener `server`; IPv4 from a source spread over 127.x.y.z (ephemeral ports are per source). */
function connectTo(server, host) {
  const k = connSerial++;
  const { port } = server.address();
  let opts;
  if (host === '::1' || (host === '::' && k % 2 === 0)) opts = { host: '::1', port };
  else {
    const s = k % 4096;
    opts = { host: '127.0.0.1', port, localAddress: `127.${10 + (s >> 8)}.${s & 255}.1` };
  }
  return new Promise((resolve, reject) => {
    const sock = net.connect(opts, () => {
      sock.pause();
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

const share = (total, i) => Math.floor(total / P) + (i < total % P ? 1 : 0);
const nextTick = () => new Promise((r) => setImmediate(r));

async function main() {
  const t0 = performance.now();
  const listeners = [];
  for (let k = 0; k < L; k++) {
    const host = LISTEN_ADDRS[k % LISTEN_ADDRS.length];
    const server = await listenOn(host);
    servers.push(server);
    listeners.push({ server, host });
  }
  let nextListener = 0;
  let nextUdp = 0;
  const spawnOne = async (i) => {
    const conns = share(E, i);
    const clients = [];
    // Connections go to every listener in turn (not only the child's own).
    const targets = [];
    for (let c = 0; c < conns; c++) targets.push(listeners[(i * 7 + c * 13) % Math.max(1, L)]);
    if (L === 0 && conns > 0) throw new Error('connections need listeners');
    const BATCH = 64;
    for (let c = 0; c < targets.length; c += BATCH) {
      clients.push(...(await Promise.all(targets.slice(c, c + BATCH).map((t) => connectTo(t.server, t.host)))));
    }
    while (accepted.length < conns) await nextTick();
    const servers = accepted.splice(0, conns);
    const mine = [];
    for (let n = share(L, i); n > 0; n--) mine.push(fdOf(listeners[nextListener++].server));
    const myUdp = [];
    for (let n = share(U, i); n > 0; n--) myUdp.push(await bindUdp(UDP_ADDRS[nextUdp++ % UDP_ADDRS.length]));
    const stdio = [devnull, devnull, devnull];
    for (let n = 3; n < OTHER; n++) stdio.push(shared[n % shared.length]);
    stdio.push(...mine, ...myUdp.map(udpFd), ...clients.map(fdOf), ...servers.map(fdOf));
    const child = spawn(join(work, NAMES[i % NAMES.length]), [String(TTL)], { stdio });
    if (child.pid === undefined) throw new Error('spawn failed');
    const pid = child.pid;
    live.add(pid);
    child.on('exit', () => live.delete(pid));
    child.on('error', (err) => log(`child: ${err.message}`));
    // Our copies go; the child's stay open.
    for (const s of clients) s.destroy();
    for (const s of servers) s.destroy();
    for (const u of myUdp) u.close();
    return pid;
  };

  const pids = [];
  const INFLIGHT = 16;
  for (let i = 0; i < P; i += INFLIGHT) {
    const batch = [];
    for (let j = i; j < Math.min(P, i + INFLIGHT); j++) batch.push(spawnOne(j));
    pids.push(...(await Promise.all(batch)));
    if (i % 1000 === 0 && i > 0) log(`${i} processes`);
  }
  // Listeners now live in the children only.
  for (const s of servers) s.close();
  servers.length = 0;
  for (const fd of shared) closeSync(fd);
  report({ ready: true, pids, setupMs: Math.round(performance.now() - t0), work });
}

main().catch((err) => {
  log(`failed: ${err.stack ?? err}`);
  stop(1);
});
