/**
 * A private Zabbix agent (zabbix_agentd or zabbix_agent2) on a free loopback port, with its own
 * config, log and pid files in a temp dir and the repository's drop-in included, queried with
 * zabbix_get as the Zabbix server would.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort, tempDir, waitFor, type Child, type Processes } from './system.js';

export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type AgentKind = 'zabbix_agentd' | 'zabbix_agent2';
export const AGENT_KINDS: readonly AgentKind[] = ['zabbix_agentd', 'zabbix_agent2'];

/** The repository's drop-in directory for an agent kind. */
export function dropInDir(kind: AgentKind): string {
  return kind === 'zabbix_agentd' ? 'zabbix/zabbix_agentd.d' : 'zabbix/zabbix_agent2.d';
}

export interface AgentOptions {
  kind: AgentKind;
  /** Config files to Include (copied into the agent's dir, so the user zabbix can read them). */
  includes: readonly string[];
  /**
   * How the agent runs: "root" starts zabbix_agentd as root, which drops to the user zabbix (as
   * the Debian init script does); "zabbix" starts it as zabbix, with `capabilities` (names as in
   * systemd's AmbientCapabilities=) made ambient, as systemd's User=zabbix does.
   */
  startAs: 'root' | 'zabbix';
  capabilities?: readonly string[];
}

export interface Agent {
  kind: AgentKind;
  port: number;
  dir: string;
  /** zabbix_get -k KEY: the value as the server would receive it (ZBX_NOTSUPPORTED: ... for errors). */
  get: (key: string) => string;
  log: () => string;
  stop: () => Promise<void>;
}

/** setpriv arguments that run a command as the user zabbix with these ambient capabilities. */
export function asZabbix(capabilities: readonly string[] = []): string[] {
  const caps = capabilities.map((c) => `+${c.toLowerCase().replace(/^cap_/, '')}`).join(',');
  return ['--reuid=zabbix', '--regid=zabbix', '--init-groups', ...(caps === '' ? ['--inh-caps=-all'] : [`--inh-caps=${caps}`, `--ambient-caps=${caps}`])];
}

export function zabbixGet(port: number, key: string): string {
  const r = spawnSync('zabbix_get', ['-s', '127.0.0.1', '-p', String(port), '-t', '20', '-k', key], {
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 1 << 24,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`zabbix_get -k ${key} exited ${r.status}: ${r.stderr}`);
  // zabbix_get prints the value and a newline. It exits 0 for ZBX_NOTSUPPORTED too.
  return r.stdout.replace(/\n$/, '');
}

export async function startAgent(processes: Processes, options: AgentOptions): Promise<Agent> {
  if (options.kind === 'zabbix_agent2' && options.startAs === 'root') {
    throw new Error('zabbix_agent2 has no User= and would stay root: start it as zabbix');
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startOn(processes, options, port);
    } catch (err) {
      lastError = err; // most likely the port was taken meanwhile
    }
  }
  throw lastError;
}

async function startOn(processes: Processes, options: AgentOptions, port: number): Promise<Agent> {
  const dir = tempDir(options.kind, 'zabbix');
  const includes = options.includes.map((source, i) => {
    const copy = join(dir, `${i}-${basename(source)}`);
    copyFileSync(source, copy);
    return copy;
  });
  const log = join(dir, `${options.kind}.log`);
  const conf = join(dir, `${options.kind}.conf`);
  const lines = [
    'LogType=file',
    `LogFile=${log}`,
    `PidFile=${join(dir, `${options.kind}.pid`)}`,
    'ListenIP=127.0.0.1',
    `ListenPort=${port}`,
    'Server=127.0.0.1',
    'ServerActive=',
    'Hostname=procsock-test',
    ...(options.kind === 'zabbix_agentd' ? ['StartAgents=3'] : [`ControlSocket=${join(dir, 'agent2.sock')}`]),
    ...includes.map((path) => `Include=${path}`),
  ];
  writeFileSync(conf, `${lines.join('\n')}\n`);

  const binary = `/usr/sbin/${options.kind}`;
  const args = options.kind === 'zabbix_agentd' ? ['-f', '-c', conf] : ['-c', conf];
  // The environment systemd gives a service: procsock's "#!/usr/bin/env node" must work with it.
  const env = { PATH: SYSTEM_PATH, LANG: 'C.UTF-8' };
  const child: Child =
    options.startAs === 'root'
      ? processes.start(options.kind, binary, args, { env })
      : processes.start(options.kind, 'setpriv', [...asZabbix(options.capabilities), binary, ...args], { env });
  const readLog = () => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    await processes.stop(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const state = await waitFor(`${options.kind} on port ${port}`, 20_000, () => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return 'exited';
    try {
      return zabbixGet(port, 'agent.ping') === '1' ? 'up' : undefined;
    } catch {
      return undefined;
    }
  }).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  if (state !== 'up') {
    const why = `${options.kind} did not start (${state}): ${child.output().slice(-1000)} ${readLog().slice(-2000)}`;
    await stop();
    throw new Error(why);
  }
  return { kind: options.kind, port, dir, get: (key) => zabbixGet(port, key), log: readLog, stop };
}
