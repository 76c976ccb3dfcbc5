/** /proc/PID/comm: the process name, up to 15 bytes, chosen by the process itself. */
import { errnoCode, readSmallFile } from './read.js';
import type { Pid } from '../types.js';

// TASK_COMM_LEN is 16, but kernel workers print longer names ("kworker/u8:2-events_unbound").
const scratch = Buffer.allocUnsafe(256);

/**
 * The name as the kernel prints it, minus the newline it appends. A name may hold any byte but NUL
 * (even a newline, via prctl), and needn't be UTF-8: invalid sequences become U+FFFD, so the
 * JSON we print is always valid UTF-8. Undefined if the process is gone or hidden from us.
 */
export function readComm(root: string, pid: Pid): string | undefined {
  const bytes = readCommBytes(root, pid);
  if (bytes === undefined) return undefined;
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0a ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}

/** The file's bytes as the kernel gave them (valid until the next call). */
export function readCommBytes(root: string, pid: Pid): Buffer | undefined {
  try {
    return readSmallFile(`${root}/${pid}/comm`, scratch);
  } catch (err) {
    // Gone (ENOENT, ESRCH), hidden (EACCES), or in a hand-made tree not a plain file (ELOOP,
    // EISDIR): the name is unknown, which never fails the run.
    if (errnoCode(err) !== undefined) return undefined;
    throw err;
  }
}
