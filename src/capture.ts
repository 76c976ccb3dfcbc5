/**
 * `procsock capture --out DIR`: the exact input of a run, as a procfs tree that `--procfs DIR`
 * reads back. It holds the four /proc/net tables verbatim and, for every process holding a socket,
 * its comm and its socket fd links (symlinks whose target text is "socket:[INODE]"; nothing else
 * of the process is copied).
 *
 * The only command that writes. It creates DIR itself (failing if it exists) and everything below
 * it with O_EXCL, so it never writes through a link someone planted.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { EXIT, ProcsockError, quote } from './errors.js';
import { HOST_IS_LITTLE_ENDIAN } from './procfs/addr.js';
import { readCommBytes } from './procfs/comm.js';
import { scanSocketFds } from './procfs/fd.js';
import { netTablePath } from './procfs/net.js';
import { listPids } from './procfs/pids.js';
import { errnoCode, streamFile } from './procfs/read.js';
import { FAMILIES, PROTOS, type Pid } from './types.js';

export interface CaptureSummary {
  tables: number;
  processes: number;
  socketFds: number;
  /** False when the deadline stopped the fd scan early. */
  complete: boolean;
}

export function capture(root: string, out: string, deadline: number, version: string): CaptureSummary {
  const make = (path: string) => {
    try {
      mkdirSync(path, { mode: 0o755 });
    } catch (err) {
      const why = errnoCode(err) === 'EEXIST' ? 'already exists' : `cannot be created (${errnoCode(err) ?? 'error'})`;
      throw new ProcsockError(`capture directory ${quote(path)} ${why}`, EXIT.PROCFS);
    }
  };
  const write = (path: string, data: string | Buffer) => writeFileSync(path, data, { flag: 'wx', mode: 0o644 });

  make(out);
  make(`${out}/net`);
  let tables = 0;
  for (const proto of PROTOS) {
    for (const family of FAMILIES) {
      const name = `${proto}${family === 6 ? '6' : ''}`;
      const pieces: Buffer[] = [];
      try {
        streamFile(netTablePath(root, proto, family), (buf, end) => {
          pieces.push(Buffer.from(buf.subarray(0, end)));
          return end;
        });
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue; // IPv6 disabled: the capture lacks it too
        throw new ProcsockError(`cannot read ${netTablePath(root, proto, family)} (${errnoCode(err) ?? 'error'})`, EXIT.PROCFS);
      }
      write(`${out}/net/${name}`, Buffer.concat(pieces));
      tables++;
    }
  }

  const fdsOf = new Map<Pid, { fd: string; inode: number }[]>();
  const pids = listPids(root);
  const scan = scanSocketFds(root, pids, 0, pids.length, deadline, (pid, inode, fd) => {
    let fds = fdsOf.get(pid);
    if (fds === undefined) fdsOf.set(pid, (fds = []));
    fds.push({ fd, inode });
  });
  let socketFds = 0;
  for (const [pid, fds] of fdsOf) {
    make(`${out}/${pid}`);
    make(`${out}/${pid}/fd`);
    const comm = readCommBytes(root, pid);
    if (comm !== undefined) write(`${out}/${pid}/comm`, comm);
    for (const { fd, inode } of fds) {
      symlinkSync(`socket:[${inode}]`, `${out}/${pid}/fd/${fd}`);
      socketFds++;
    }
  }
  const complete = scan.visited === pids.length;
  write(
    `${out}/procsock-capture.txt`,
    [
      `procsock ${version} capture of ${quote(root)}`,
      `kernel ${release()}, ${HOST_IS_LITTLE_ENDIAN ? 'little' : 'big'}-endian`,
      `processes ${pids.length}, scanned ${scan.scanned}, permission denied ${scan.denied}, vanished ${scan.vanished}, failed ${scan.failed}`,
      `complete ${complete ? 'yes' : 'no (deadline)'}`,
      '',
    ].join('\n'),
  );
  return { tables, processes: fdsOf.size, socketFds, complete };
}
