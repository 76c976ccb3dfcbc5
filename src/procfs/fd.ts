/**
 * /proc/PID/fd: one symlink per open file descriptor; a socket's link reads "socket:[INODE]".
 *
 * Links are only ever read with readlink(2), never stat'ed or opened: following a link to a file on
 * a hung NFS mount would block the scan, and opening it would act on another process's file.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { isDenied, isVanished } from './read.js';
import { nowMs } from '../clock.js';
import type { Inode, Pid } from '../types.js';

export interface FdScanStats {
  /** Processes whose fd directory was read. */
  scanned: number;
  /** Processes we may not look into (another user's, without privileges): counted, not fatal. */
  denied: number;
  /** Processes that exited while we looked: skipped silently. */
  vanished: number;
  /** Processes whose fd directory failed for any other reason (e.g. EIO). */
  failed: number;
  /** How many of the given PIDs were visited; less than all when the deadline passed. */
  visited: number;
}

const FD_NAME = /^[0-9]{1,10}$/;

/** Inode of a "socket:[INODE]" link target, or -1 for anything else (files, pipes, anon inodes). */
export function socketInode(link: string): Inode {
  const n = link.length;
  // Cheapest test first: most fds of a busy host are sockets, files or pipes.
  if (n < 10 || link.charCodeAt(0) !== 0x73 || link.charCodeAt(n - 1) !== 0x5d || !link.startsWith('socket:[')) return -1;
  let v = 0;
  for (let i = 8; i < n - 1; i++) {
    const d = link.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return n - 9 > 15 ? -1 : v;
}

/**
 * Reads the fd links of pids[from, to) and calls onSocket(pid, inode, fd) for every socket fd.
 * Stops early, between processes, once `deadline` (nowMs() time) has passed.
 */
export function scanSocketFds(
  root: string,
  pids: ArrayLike<Pid>,
  from: number,
  to: number,
  deadline: number,
  onSocket: (pid: Pid, inode: Inode, fd: string) => void,
): FdScanStats {
  const stats: FdScanStats = { scanned: 0, denied: 0, vanished: 0, failed: 0, visited: 0 };
  for (let k = from; k < to; k++) {
    if (nowMs() > deadline) break;
    stats.visited++;
    const pid = pids[k]!;
    const dir = `${root}/${pid}/fd/`;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if (isVanished(err)) stats.vanished++;
      else if (isDenied(err)) stats.denied++;
      else stats.failed++;
      continue;
    }
    stats.scanned++;
    readLinks(pid, dir, names, onSocket, stats);
  }
  return stats;
}

/**
 * One process's fd links. A function of its own: V8 compiles this hot loop alone, sooner and at
 * a third of the cost of the scan as a whole (which a run pays once per thread).
 */
function readLinks(
  pid: Pid,
  dir: string,
  names: string[],
  onSocket: (pid: Pid, inode: Inode, fd: string) => void,
  stats: FdScanStats,
): void {
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (!FD_NAME.test(name)) continue;
    let link: string;
    try {
      link = readlinkSync(dir + name);
    } catch (err) {
      // The fd was closed since readdir: nothing to report.
      if (isVanished(err)) continue;
      // The directory was listable but its links are not (CAP_DAC_READ_SEARCH without
      // CAP_SYS_PTRACE): the rest of this process's fds will fail the same way.
      if (isDenied(err)) stats.denied++;
      else stats.failed++;
      return;
    }
    const inode = socketInode(link);
    if (inode > 0) onSocket(pid, inode, name);
  }
}
