/** Runs the bundled command (dist/procsock.cjs) the way the Zabbix agent does. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const BUNDLE = `${REPO}/dist/procsock.cjs`;

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** node dist/procsock.cjs ...args; `node` picks another Node binary (e.g. Node 18). */
export function procsock(args: readonly string[], options: SpawnSyncOptions & { node?: string } = {}): Result {
  const { node = process.execPath, ...spawnOptions } = options;
  const r = spawnSync(node, [BUNDLE, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 60_000, ...spawnOptions });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A command prefix that runs the rest as user nobody (65534) with no capabilities. Needs root. */
export const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];

/** The bundle run by user nobody, as an unprivileged Zabbix agent would run it. Needs root. */
export function procsockAsNobody(args: readonly string[], options: SpawnSyncOptions = {}): Result {
  const [setpriv, ...asNobody] = AS_NOBODY as [string, ...string[]];
  const r = spawnSync(setpriv, [...asNobody, process.execPath, BUNDLE, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 60_000,
    ...options,
  });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Runs procsock and parses its stdout as JSON, failing loudly with stderr when it did not succeed. */
export function procsockJson<T = unknown>(args: readonly string[], options: SpawnSyncOptions & { node?: string } = {}): T {
  const r = procsock(args, options);
  if (r.code !== 0) throw new Error(`procsock ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** One LLD row of `procsock discovery`. */
export interface LldRow {
  '{#PROTO}': string;
  '{#FAMILY}': string;
  '{#STATE}': string;
  '{#LADDR}': string;
  '{#LPORT}': string;
  '{#RADDR}': string;
  '{#RPORT}': string;
  '{#PROC}': string;
  '{#PID}': string;
  '{#PIDS}': string;
  '{#USER}': string;
  '{#UID}': string;
}
