/**
 * Sockets the tests own, with owners the tests know: a listener held by a perl process (as root or
 * as the user zabbix) that never accepts, so connections to it wait in its accept queue; and
 * loopback clients connecting to it from this process.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Child, Processes } from './system.js';

// Binds 127.0.0.1 (port ARGV[1], or any) with the backlog ARGV[0], prints the port, and holds the
// socket until stdin closes. perl-base is part of every Debian system.
const LISTENER_SCRIPT = String.raw`
use IO::Socket::INET;
my $s = IO::Socket::INET->new(Listen => $ARGV[0], LocalAddr => '127.0.0.1', LocalPort => $ARGV[1], ReuseAddr => 1, Proto => 'tcp')
  or die "listen: $!\n";
$| = 1;
print $s->sockport, "\n";
while (<STDIN>) {}
`;

export interface TestListener {
  /** PID of the process holding the socket. */
  pid: number;
  port: number;
  user: 'root' | 'zabbix';
  /** Key of the listener in the procsock get document. */
  key: string;
  /** Closes the socket by ending its holder. */
  close: () => Promise<void>;
}

export async function startListener(processes: Processes, user: 'root' | 'zabbix', backlog = 16, port = 0): Promise<TestListener> {
  const args = ['-e', LISTENER_SCRIPT, String(backlog), String(port)];
  const child: Child =
    user === 'root'
      ? processes.start('listener', 'perl', args)
      : processes.start('listener', 'setpriv', ['--reuid=zabbix', '--regid=zabbix', '--init-groups', 'perl', ...args]);
  const stdout = child.process.stdout!;
  let text = '';
  const bound = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const line = /^(\d+)\n/.exec(text);
      if (line) {
        stdout.off('data', onData);
        resolve(Number(line[1]));
      }
    };
    stdout.on('data', onData);
    void child.exited.then((code) => reject(new Error(`listener exited ${code}: ${child.output()}`)));
  });
  return {
    pid: child.pid,
    port: bound,
    user,
    key: `tcp:127.0.0.1:${bound}`,
    close: async () => {
      child.process.stdin?.end();
      await processes.stop(child, 'SIGTERM', 5000);
    },
  };
}

/** Opens `count` loopback connections to `port`; they complete even if nobody accepts them. */
export async function connectClients(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {
      // The listener going away resets them; the test has finished with them then.
    });
    await once(socket, 'connect');
    sockets.push(socket);
  }
  return sockets;
}
