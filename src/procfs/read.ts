/** Low-level reads shared by the /proc readers: read-only, never following a final symlink. */
import { closeSync, constants, openSync, readSync } from 'node:fs';

// libuv adds O_CLOEXEC itself. O_NONBLOCK: a FIFO planted in a hand-made tree reads as empty
// instead of blocking the run until a writer comes (files and procfs ignore it).
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Error code of a failed system call ("ENOENT", "EACCES", ...), or undefined for anything else. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** A process that exits between listing and reading leaves ENOENT (or ESRCH from some kernels). */
export function isVanished(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ESRCH';
}

export function isDenied(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EACCES' || code === 'EPERM';
}

/**
 * Streams a file through `consume(buf, end)` in large chunks. /proc files report size 0, so we read
 * until EOF. `consume` gets the bytes buf[0, end) and returns how many of them it used; the rest (a
 * line cut by the chunk boundary) is carried to the front of the next chunk. On the last call
 * `eof` is true and every byte must be used.
 */
export function streamFile(
  path: string,
  consume: (buf: Buffer, end: number, eof: boolean) => number,
  chunkSize = 1 << 20,
): void {
  const fd = openSync(path, READ_FLAGS);
  try {
    let buf = Buffer.allocUnsafe(chunkSize);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        // A single line longer than the buffer: only a corrupt file does this; grow rather than loop.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (n === 0) {
        consume(buf, filled, true);
        return;
      }
      filled += n;
      const used = consume(buf, filled, false);
      buf.copy(buf, 0, used, filled);
      filled -= used;
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole small file (comm, passwd) into a Buffer. */
export function readSmallFile(path: string, scratch: Buffer): Buffer {
  const fd = openSync(path, READ_FLAGS);
  try {
    let total = 0;
    for (;;) {
      if (total === scratch.length) break;
      const n = readSync(fd, scratch, total, scratch.length - total, null);
      if (n === 0) break;
      total += n;
      // A short read ending a line is the whole file as procfs gives it (comm is printed in one
      // go): saves the read that would return 0, once per process.
      if (total < scratch.length && scratch[total - 1] === 0x0a) break;
    }
    return scratch.subarray(0, total);
  } finally {
    closeSync(fd);
  }
}
