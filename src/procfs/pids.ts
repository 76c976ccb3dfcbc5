/** The process directories of a procfs root: /proc/PID for every visible process. */
import { readdirSync } from 'node:fs';
import { EXIT, ProcsockError, quote } from '../errors.js';
import { errnoCode } from './read.js';
import type { Pid } from '../types.js';

const PID_NAME = /^[1-9][0-9]{0,9}$/;

/**
 * Visible PIDs, ascending. Thread ids are not listed at the top level (they live under
 * /proc/PID/task), and threads share their process's fd table, so nothing is scanned twice.
 * Under hidepid=2 other users' processes are simply absent.
 */
export function listPids(root: string): Pid[] {
  const pids: Pid[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    // Only a hand-made tree does this (a directory we may enter but not list).
    throw new ProcsockError(`procfs root ${quote(root)} cannot be listed (${errnoCode(err) ?? 'error'})`, EXIT.PROCFS);
  }
  for (const name of names) {
    if (PID_NAME.test(name)) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}
