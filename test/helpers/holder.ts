/** Drives test/helpers/holder.mjs: a child process that opens and holds sockets on command. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { REPO } from './procsock.js';

export interface Endpoint {
  address: string;
  port: number;
}
export interface Connection {
  local: Endpoint;
  remote: Endpoint;
}

export class Holder {
  readonly pid: number;
  private readonly lines: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    lines: AsyncIterator<string>,
    pid: number,
  ) {
    this.pid = pid;
    this.lines = lines;
  }

  /** Starts a holder named `title` (its /proc/PID/comm), optionally through a wrapper such as `ip netns exec NS`. */
  static async start(title: string, wrapper: string[] = []): Promise<Holder> {
    const argv = [...wrapper, process.execPath, `${REPO}/test/helpers/holder.mjs`, JSON.stringify({ title, ttlMs: 300_000 })];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`holder ${title} did not start`);
    // The holder's own PID: a wrapper such as `ip netns exec` execs it, but say so explicitly.
    const { ready } = JSON.parse(first.value) as { ready: number };
    return new Holder(child, lines, ready);
  }

  private async command<T>(verb: string, arg: unknown): Promise<T> {
    this.child.stdin.write(`${JSON.stringify({ [verb]: arg })}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`holder ${this.pid} exited`);
    const answer = JSON.parse(line.value) as { ok?: T; error?: string };
    if (answer.error !== undefined) throw new Error(`holder ${this.pid}: ${verb}: ${answer.error}`);
    return answer.ok as T;
  }

  listen(specs: { proto?: 'tcp' | 'udp'; host: string; port?: number }[]): Promise<Endpoint[]> {
    return this.command('listen', specs);
  }
  connect(specs: { host: string; port: number; count?: number; localAddress?: string }[]): Promise<Connection[]> {
    return this.command('connect', specs);
  }
  udpConnect(specs: { host: string; port: number; localAddress?: string }[]): Promise<Connection[]> {
    return this.command('udpConnect', specs);
  }
  /** Forks a child (named title + "-w") that holds listener `index` too; returns its PID. */
  async share(index: number): Promise<number> {
    return (await this.command<{ pid: number }>('share', index)).pid;
  }

  /** Ends the holder (and its child) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
