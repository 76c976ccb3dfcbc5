/** The process directories of a procfs root: /proc/PID for every visible process. */
import { readdirSync } from 'node:fs';
import type { Pid } from '../types.js';

const PID_NAME = /^[1-9][0-9]{0,9}$/;

/**
 * Visible PIDs, ascending. Thread ids are not listed at the top level (they live under
 * /proc/PID/task), and threads share their process's fd table, so nothing is scanned twice.
 * Under hidepid=2 other users' processes are simply absent.
 */
export function listPids(root: string): Pid[] {
  const pids: Pid[] = [];
  for (const name of readdirSync(root)) {
    if (PID_NAME.test(name)) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}
