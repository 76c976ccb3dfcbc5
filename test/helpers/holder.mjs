// A process that holds sockets for tests, on command. Started by test/helpers/holder.ts.
//
// argv[2]: JSON { title, ttlMs }. It then reads one JSON command per line on stdin and answers
// one JSON line on stdout per command:
//   {"listen": [{"proto": "tcp"|"udp", "host": "127.0.0.1", "port": 0}]}  -> {"ok": [{host, port}]}
//   {"connect": [{"host", "port", "count", "localAddress"?}]}             -> {"ok": [{local, remote}]}
//   {"udpConnect": [{"host", "port", "localAddress"?}]}                    -> {"ok": [{local, remote}]}
//   {"share": n}   fork a child that holds listener n too (a pre-fork server) -> {"ok": {"pid"}}
// It exits when stdin closes, on SIGTERM, or after ttlMs: a test that dies never leaves it behind.
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';

const endpoint = (a) => ({ address: a.address, port: a.port });

if (process.argv[2] === '--child') {
  // Holds the listener its parent sent, until the parent goes.
  process.title = process.argv[3];
  process.on('message', (_msg, handle) => {
    if (handle) process.send({ held: true });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const { title, ttlMs = 120_000 } = JSON.parse(process.argv[2] ?? '{}');
  if (title) process.title = title;
  setTimeout(() => process.exit(0), ttlMs).unref();
  const servers = [];
  const sockets = [];
  const children = [];
  const quit = () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', quit);

  const handlers = {
    async listen(specs) {
      const out = [];
      for (const { proto = 'tcp', host, port = 0 } of specs) {
        if (proto === 'udp') {
          const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
          await new Promise((resolve, reject) => s.once('error', reject).bind(port, host, resolve));
          sockets.push(s);
          out.push(endpoint(s.address()));
        } else {
          const server = net.createServer((conn) => sockets.push(conn));
          await new Promise((resolve, reject) => server.once('error', reject).listen({ host, port, backlog: 511, ipv6Only: host === '::' ? false : undefined }, resolve));
          servers.push(server);
          out.push(endpoint(server.address()));
        }
      }
      return out;
    },
    async connect(specs) {
      const out = [];
      for (const { host, port, count = 1, localAddress } of specs) {
        for (let i = 0; i < count; i++) {
          const c = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
          await new Promise((resolve, reject) => c.once('error', reject).once('connect', resolve));
          sockets.push(c);
          out.push({ local: endpoint({ address: c.localAddress, port: c.localPort }), remote: endpoint({ address: c.remoteAddress, port: c.remotePort }) });
        }
      }
      // Give the peers a moment to accept, so both ends are held when the test looks.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return out;
    },
    async udpConnect(specs) {
      const out = [];
      for (const { host, port, localAddress } of specs) {
        const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
        if (localAddress) await new Promise((resolve) => s.bind(0, localAddress, resolve));
        await new Promise((resolve, reject) => s.connect(port, host, (err) => (err ? reject(err) : resolve())));
        sockets.push(s);
        out.push({ local: endpoint(s.address()), remote: endpoint(s.remoteAddress()) });
      }
      return out;
    },
    async share(index) {
      const child = fork(new URL(import.meta.url).pathname, ['--child', `${process.title}-w`], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
      await new Promise((resolve) => {
        child.once('message', resolve);
        child.send('server', servers[index]);
      });
      return { pid: child.pid };
    },
  };

  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', async (line) => {
    try {
      const [[verb, arg]] = Object.entries(JSON.parse(line));
      process.stdout.write(`${JSON.stringify({ ok: await handlers[verb](arg) })}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ error: String(err?.message ?? err) })}\n`);
    }
  });
  lines.on('close', quit);
  process.stdout.write(`${JSON.stringify({ ready: process.pid })}\n`);
}
