/**
 * Processes the reliability tests start: a private network namespace, socket holders, process
 * churn and crowds. Each is its own process group, remembered by PID, and `killStarted()` (called
 * from afterAll, and on any failure) kills every one of them and their children by that id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AS_NOBODY } from '../../helpers/procsock.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const HOLDER_PL = `${HERE}holder.pl`;
export const CHURN_PL = `${HERE}churn.pl`;
export const CROWD_PL = `${HERE}crowd.pl`;

const started = new Map<number, ChildProcess>();

function track(argv: readonly string[]): ChildProcess {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) throw new Error(`cannot start ${argv.join(' ')}`);
  started.set(child.pid, child);
  child.once('exit', () => started.delete(child.pid!));
  return child;
}

/** SIGKILLs every process group this module started (the leader's PID is the group id). */
export function killStarted(): void {
  for (const pid of started.keys()) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  started.clear();
}

/** Resolves with the child's stdout up to and including the first line matching `ready`. */
function waitForLine(child: ChildProcess, ready: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms: ${out} ${err}`)), timeoutMs);
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const onData = (b: Buffer) => {
      out += b.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(out);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready: ${out} ${err}`));
    });
  });
}

/** A new network namespace with lo up, held open by a sleeping process; returns that PID. */
export async function startNetns(lifetimeS = 600): Promise<number> {
  const child = track(['unshare', '--net', '--', 'sh', '-c', `ip link set lo up && echo UP && exec sleep ${lifetimeS}`]);
  await waitForLine(child, /UP\n/, 10_000);
  return child.pid!;
}

/** Command words that run the rest inside the network namespace of `pid`. */
export function inNetns(pid: number | undefined): string[] {
  return pid === undefined ? [] : ['nsenter', `--target=${pid}`, '--net'];
}

/**
 * A sandbox: new network, PID and mount namespaces with their own /proc, held by a sleeping init;
 * returns that init's PID (as the host numbers it). Processes started in it see, and procsock
 * scans, only each other; killing the init (killStarted does) ends every one of them.
 */
export async function startSandbox(lifetimeS = 600): Promise<number> {
  const child = track([
    'unshare', '--net', '--pid', '--fork', '--mount-proc', '--propagation', 'private', '--',
    'sh', '-c', `ip link set lo up && echo UP && exec sleep ${lifetimeS}`,
  ]);
  await waitForLine(child, /UP\n/, 10_000);
  const init = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  if (!Number.isInteger(init) || init <= 0) throw new Error('sandbox: no init process');
  return init;
}

/** Command words that run the rest inside the sandbox of `init` (nsenter forks into the PID namespace). */
export function inSandbox(init: number): string[] {
  return ['nsenter', `--target=${init}`, '--net', '--pid', '--mount', '--'];
}

export interface HeldSocket {
  proto: 'tcp' | 'udp';
  family: 4 | 6;
  state: 'LISTEN' | 'ESTABLISHED';
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}

export interface Holder {
  pid: number;
  name: string;
  sockets: HeldSocket[];
}

export interface HolderOptions {
  netns?: number;
  /** Run in this sandbox (startSandbox) instead; the holder's pid is then the sandbox's number for it. */
  sandbox?: number;
  asNobody?: boolean;
  /** Process name (at most 15 bytes are kept by the kernel). */
  name: string;
  /** holder.pl SPEC, e.g. "tcp4:L,tcp6:E,udp4:L,udp6:E". */
  spec: string;
  dups?: number;
  lifetimeS?: number;
}

export async function startHolder(options: HolderOptions): Promise<Holder> {
  const child = track([
    ...(options.sandbox === undefined ? inNetns(options.netns) : inSandbox(options.sandbox)),
    ...(options.asNobody ? AS_NOBODY : []),
    'perl',
    HOLDER_PL,
    options.name,
    String(options.lifetimeS ?? 300),
    options.spec,
    String(options.dups ?? 0),
  ]);
  const out = await waitForLine(child, /READY\n/, 15_000);
  const sockets = out
    .split('\n')
    .filter((line) => /^(tcp|udp) /.test(line))
    .map((line) => {
      const [proto, family, state, laddr, lport, raddr, rport] = line.split(' ');
      return {
        proto: proto as 'tcp' | 'udp',
        family: Number(family) as 4 | 6,
        state: state as 'LISTEN' | 'ESTABLISHED',
        laddr: laddr!,
        lport: Number(lport),
        raddr: raddr!,
        rport: Number(rport),
      };
    });
  const pid = Number(/^PID (\d+)$/m.exec(out)?.[1]);
  return { pid, name: options.name, sockets };
}

export interface Churn {
  pid: number;
  /** Stops the churn (SIGTERM); resolves with what the master counted. */
  stop(): Promise<{ started: number; ended: number; failed: number }>;
}

export function startChurn(options: { netns?: number; sandbox?: number; rate: number; seconds: number; max: number; logFile: string }): Churn {
  const child = track([
    ...(options.sandbox === undefined ? inNetns(options.netns) : inSandbox(options.sandbox)),
    'perl',
    CHURN_PL,
    String(options.rate),
    String(options.seconds),
    String(options.max),
    options.logFile,
  ]);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  // The master may sit behind nsenter (which forks into a PID namespace): the end of its output,
  // not the exit of the process we started, says it is done.
  const done = new Promise<void>((resolve) => child.stdout!.once('close', () => resolve()));
  return {
    pid: child.pid!,
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM'); // the group: nsenter and the master it forked
      } catch {
        // it ended by itself
      }
      await done;
      const m = /started (\d+) ended (\d+) failed (\d+)/.exec(out);
      if (m === null) throw new Error(`churn master said: ${out}`);
      return { started: Number(m[1]), ended: Number(m[2]), failed: Number(m[3]) };
    },
  };
}

export interface Crowd {
  pid: number;
  processes: number;
}

/** N processes holding 3 sockets each, dup'ed to 3 * (DUPS + 1) fds; in `netns` or `sandbox` if given. */
export async function startCrowd(options: { netns?: number; sandbox?: number; processes: number; dups: number; lifetimeS?: number }): Promise<Crowd> {
  const child = track([...(options.sandbox === undefined ? inNetns(options.netns) : inSandbox(options.sandbox)), 'perl', CROWD_PL, String(options.processes), String(options.dups), String(options.lifetimeS ?? 300)]);
  const out = await waitForLine(child, /(READY|FAILED).*\n/, 120_000);
  if (!out.includes('READY')) throw new Error(`crowd: ${out}`);
  return { pid: child.pid!, processes: options.processes };
}
