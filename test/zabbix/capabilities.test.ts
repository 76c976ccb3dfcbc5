/**
 * Which capabilities let the unprivileged user zabbix see the owner of another user's socket:
 * CAP_DAC_READ_SEARCH to list /proc/PID/fd (mode 0500, owned by the process's user) and
 * CAP_SYS_PTRACE to read the links in it (the kernel's ptrace access check). procsock runs here
 * as zabbix with each set made ambient, as systemd's AmbientCapabilities= does for the agent.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetDocument } from '../../src/aggregate.js';
import { asZabbix } from './support/agent.js';
import { startListener, type TestListener } from './support/sockets.js';
import { BUNDLE, Processes, zabbixUnavailable } from './support/system.js';

const unavailable = zabbixUnavailable();
const processes = new Processes();
let rootListener: TestListener;

/** procsock get as the user zabbix with these capabilities; the owner it finds for root's listener. */
function ownerSeenWith(capabilities: readonly string[]): { pid: number; denied: number; ambient: string } {
  const r = spawnSync('setpriv', [...asZabbix(capabilities), process.execPath, BUNDLE, 'get'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`procsock get as zabbix exited ${r.status}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as GetDocument;
  const listener = doc.listeners.find((l) => l.key === rootListener.key);
  if (!listener) throw new Error(`no listener ${rootListener.key}`);
  const probe = spawnSync('setpriv', [...asZabbix(capabilities), 'grep', '^CapAmb', '/proc/self/status'], { encoding: 'utf8' });
  return { pid: listener.pid, denied: doc.diagnostics.permission_denied, ambient: probe.stdout.trim() };
}

describe.skipIf(unavailable !== undefined)(`Capabilities for the agent${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    rootListener = await startListener(processes, 'root');
  });
  afterAll(async () => processes.stopAll());

  it('without capabilities, zabbix cannot see the owner of a socket held by root', () => {
    const seen = ownerSeenWith([]);
    expect(seen.ambient).toBe('CapAmb:\t0000000000000000');
    expect(seen.pid).toBe(0);
    expect(seen.denied).toBeGreaterThan(0);
  });

  it('CAP_DAC_READ_SEARCH alone is not enough: the fd links stay unreadable', () => {
    const seen = ownerSeenWith(['CAP_DAC_READ_SEARCH']);
    // Bit 2 only: the capability really was in effect.
    expect(seen.ambient).toBe('CapAmb:\t0000000000000004');
    expect(seen.pid).toBe(0);
  });

  it('CAP_SYS_PTRACE alone is not enough: the fd directory stays unlistable', () => {
    const seen = ownerSeenWith(['CAP_SYS_PTRACE']);
    expect(seen.ambient).toBe('CapAmb:\t0000000000080000');
    expect(seen.pid).toBe(0);
  });

  it('CAP_DAC_READ_SEARCH with CAP_SYS_PTRACE resolves it', () => {
    const seen = ownerSeenWith(['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE']);
    expect(seen.ambient).toBe('CapAmb:\t0000000000080004');
    expect(seen.pid).toBe(rootListener.pid);
  });
});
