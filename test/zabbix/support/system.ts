/**
 * What the Zabbix tests need from the machine: root, the Debian packages, free ports, temp dirs,
 * files installed for the duration of a suite and put back afterwards, and child processes that
 * are always stopped (by PID) however a test ends.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, REPO } from '../../helpers/procsock.js';

export { REPO, BUNDLE };

const NEEDED = [
  '/usr/sbin/zabbix_agentd',
  '/usr/sbin/zabbix_agent2',
  '/usr/bin/zabbix_get',
  '/usr/sbin/zabbix_server',
  '/usr/bin/zabbix_js',
  '/usr/bin/php',
  '/usr/bin/sudo',
  '/usr/bin/setpriv',
  '/usr/bin/perl',
  '/usr/lib/postgresql/15/bin/initdb',
  '/usr/share/zabbix/api_jsonrpc.php',
];

/**
 * Why these tests cannot run here, or undefined when they can. Under CI they never skip: a missing
 * package must fail the run (CI fails on any skipped test anyway), so the reason is only for
 * local runs as a non-root user or before scripts/setup-test-host.sh.
 */
export function zabbixUnavailable(): string | undefined {
  if (process.env.CI) return undefined;
  if (process.geteuid?.() !== 0) return 'needs root (starts Zabbix daemons, installs /usr/local/bin/procsock)';
  const missing = NEEDED.filter((path) => !existsSync(path));
  if (missing.length > 0) return `Zabbix packages missing (${missing.join(', ')}): run scripts/setup-test-host.sh`;
  if (spawnSync('id', ['zabbix']).status !== 0) return 'no user zabbix: run scripts/setup-test-host.sh';
  return undefined;
}

/** uid and gid of a system user. */
export function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`no user ${name}`);
  return { uid, gid };
}

/** A fresh directory under /tmp, owned by `owner` (the daemons write their logs and sockets there). */
export function tempDir(prefix: string, owner?: string): string {
  const dir = mkdtempSync(join(tmpdir(), `procsock-${prefix}-`));
  chmodSync(dir, 0o755);
  if (owner !== undefined) {
    const { uid, gid } = userIds(owner);
    chownSync(dir, uid, gid);
  }
  return dir;
}

/**
 * A TCP port on 127.0.0.1 that is free now, from 20000-32767: Zabbix daemons take ListenPort only
 * up to 32767, below Linux's ephemeral range (32768-60999), so port 0 cannot be used for them.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 20000-32767');
}

/** Files put in place for a suite; `restore` puts back what was there before (or removes them). */
export class Installed {
  private readonly undo: Array<() => void> = [];

  /** Copies `source` to `target` with `mode`, keeping any existing target aside until restore. */
  file(source: string, target: string, mode: number): void {
    const backup = `${target}.procsock-test-backup`;
    const existed = existsSync(target);
    if (existed) renameSync(target, backup);
    this.undo.push(() => {
      rmSync(target, { force: true });
      if (existed) renameSync(backup, target);
    });
    copyFileSync(source, target);
    chmodSync(target, mode);
  }

  restore(): void {
    for (const step of this.undo.splice(0).reverse()) {
      try {
        step();
      } catch {
        // Keep restoring the rest; a leftover file is visible in the next run's setup.
      }
    }
  }
}

export const INSTALLED_SCRIPT = '/usr/local/bin/procsock';
export const INSTALLED_SUDOERS = '/etc/sudoers.d/procsock';

/** Installs the bundle as /usr/local/bin/procsock, as the README says. */
export function installScript(installed: Installed): void {
  const head = readFileSync(BUNDLE, 'utf8').slice(0, 40);
  if (!head.startsWith('#!/usr/bin/env node\n')) throw new Error(`${BUNDLE} does not start with #!/usr/bin/env node`);
  installed.file(BUNDLE, INSTALLED_SCRIPT, 0o755);
}

/** Installs zabbix/sudoers.d/procsock as /etc/sudoers.d/procsock after visudo accepts it. */
export function installSudoers(installed: Installed): void {
  const source = join(REPO, 'zabbix/sudoers.d/procsock');
  const check = spawnSync('visudo', ['-cf', source], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`visudo rejects ${source}: ${check.stdout}${check.stderr}`);
  installed.file(source, INSTALLED_SUDOERS, 0o440);
}

/** A child process with its output kept for error messages. */
export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts children and stops every one of them by PID: SIGTERM, then SIGKILL after `graceMs`. */
export class Processes {
  private readonly children: Child[] = [];

  start(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    if (child.pid === undefined) throw new Error(`cannot start ${name} (${command})`);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (err) => keep(Buffer.from(`\n[spawn error: ${err.message}]\n`)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    const entry: Child = { name, process: child, pid: child.pid, output: () => output, exited };
    this.children.push(entry);
    return entry;
  }

  /** Stops one child (and forgets it). */
  async stop(child: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    const index = this.children.indexOf(child);
    if (index >= 0) this.children.splice(index, 1);
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    try {
      process.kill(child.pid, signal);
    } catch {
      return;
    }
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([child.exited, timer])) === 'timeout') {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
      await child.exited;
    }
  }

  /** Stops what is left, newest first (so a server goes before the database it uses). */
  async stopAll(): Promise<void> {
    for (const child of [...this.children].reverse()) await this.stop(child);
  }
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): string {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 1 << 28,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`.slice(0, 4000));
  return r.stdout;
}

/** Polls `check` until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
