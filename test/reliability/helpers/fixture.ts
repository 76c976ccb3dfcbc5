/**
 * Procfs trees generated at test time (too big, or too hostile, to commit): the four /proc/net
 * tables in the kernel's format, and per process a comm and socket fd links. Readable by nobody,
 * since as root procsock refuses any root that is not a procfs mount.
 */
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { header, kernelLine, type KernelSocket } from '../../property/kernel-lines.js';

export interface FixtureSocket {
  proto: 'tcp' | 'udp';
  family: 4 | 6;
  state: 'LISTEN' | 'ESTABLISHED';
  /** Network-order words: [0x7f000001] for 127.0.0.1, [0, 0, 0, 1] for ::1. */
  local: number[];
  lport: number;
  remote?: number[];
  rport?: number;
  uid?: number;
  /** Holder process; none: an unowned socket. */
  pid?: number;
}

export interface FixtureProcess {
  pid: number;
  comm: string | Buffer;
}

export function ipv4(text: string): number[] {
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return [((a << 24) | (b << 16) | (c << 8) | d) >>> 0];
}

/** Writes a tree; returns its root. Inodes are numbered from 10000 in socket order. */
export function makeTree(sockets: readonly FixtureSocket[], processes: readonly FixtureProcess[]): string {
  const root = mkdtempSync(`${tmpdir()}/procsock-tree-`);
  chmodSync(root, 0o755);
  mkdirSync(`${root}/net`, { mode: 0o755 });
  const lines: Record<string, string[]> = { tcp: [], tcp6: [], udp: [], udp6: [] };
  const fds = new Map<number, number[]>();
  sockets.forEach((s, k) => {
    const inode = 10_000 + k;
    const words = (w: number[] | undefined) => [w?.[0] ?? 0, w?.[1] ?? 0, w?.[2] ?? 0, w?.[3] ?? 0] as [number, number, number, number];
    const name = `${s.proto}${s.family === 6 ? '6' : ''}`;
    const ks: KernelSocket = {
      proto: s.proto,
      family: s.family,
      st: s.state === 'ESTABLISHED' ? 0x01 : s.proto === 'tcp' ? 0x0a : 0x07,
      local: words(s.local),
      lport: s.lport,
      remote: words(s.remote),
      rport: s.rport ?? 0,
      txQueue: 0,
      rxQueue: 0,
      uid: s.uid ?? 0,
      inode,
      slot: lines[name]!.length,
    };
    lines[name]!.push(kernelLine(ks, true));
    if (s.pid !== undefined) {
      let list = fds.get(s.pid);
      if (list === undefined) fds.set(s.pid, (list = []));
      list.push(inode);
    }
  });
  for (const [name, list] of Object.entries(lines)) {
    const proto = name.startsWith('tcp') ? 'tcp' : 'udp';
    writeFileSync(`${root}/net/${name}`, [header(proto, name.endsWith('6') ? 6 : 4), ...list].join('\n') + '\n', { mode: 0o644 });
  }
  for (const p of processes) {
    mkdirSync(`${root}/${p.pid}/fd`, { recursive: true, mode: 0o755 });
    writeFileSync(`${root}/${p.pid}/comm`, Buffer.concat([Buffer.from(p.comm), Buffer.from('\n')]), { mode: 0o644 });
    (fds.get(p.pid) ?? []).forEach((inode, fd) => symlinkSync(`socket:[${inode}]`, `${root}/${p.pid}/fd/${fd + 3}`));
  }
  return root;
}
