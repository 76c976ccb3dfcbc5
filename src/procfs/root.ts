/** The procfs root a run reads: the live /proc, or a fixture tree made by `procsock capture`. */
import { realpathSync, statSync, statfsSync } from 'node:fs';
import { EXIT, ProcsockError, quote } from '../errors.js';
import { errnoCode } from './read.js';

export const DEFAULT_PROCFS = '/proc';
/** statfs(2) f_type of a procfs mount (PROC_SUPER_MAGIC in linux/magic.h). */
export const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * Checks that `root` looks like a procfs (a directory holding net/tcp and net/udp) and returns its
 * real path, which is what the run then reads. When procsock runs as root (through sudo, say) it
 * must moreover be a real procfs mount: otherwise a sudo rule for procsock would read any file the
 * caller names. Reading the checked real path, not the given one, keeps a symlink in it from being
 * swapped for another between the check and the reads.
 */
export function checkProcfsRoot(given: string, privileged: boolean): string {
  const fail = (why: string) => new ProcsockError(`procfs root ${quote(given)} ${why}`, EXIT.PROCFS);
  let root: string;
  let isDir: boolean;
  try {
    root = realpathSync(given);
    isDir = statSync(root).isDirectory();
  } catch (err) {
    throw fail(`cannot be read (${errnoCode(err) ?? 'error'})`);
  }
  if (!isDir) throw fail('is not a directory');
  if (privileged) {
    let type: number;
    try {
      type = Number(statfsSync(root).type);
    } catch (err) {
      throw fail(`cannot be checked with statfs (${errnoCode(err) ?? 'error'})`);
    }
    if (type !== PROC_SUPER_MAGIC) throw fail('is not a procfs mount, which is required when running as root');
  }
  for (const table of ['net/tcp', 'net/udp']) {
    try {
      statSync(`${root}/${table}`);
    } catch (err) {
      throw fail(`is not a procfs: ${table} ${errnoCode(err) === 'ENOENT' ? 'is missing' : `cannot be read (${errnoCode(err) ?? 'error'})`}`);
    }
  }
  return root;
}
