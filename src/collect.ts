/** One run's input: read the socket tables, then join them to their owners. */
import { EXIT, ProcsockError } from './errors.js';
import { HOST_IS_LITTLE_ENDIAN } from './procfs/addr.js';
import { netTablePath, readNetTable, type NetTableRequest } from './procfs/net.js';
import { errnoCode } from './procfs/read.js';
import { startOwnerScan, type JoinOptions, type JoinStats } from './join.js';
import type { Owners } from './owners.js';
import { indexWithoutRepeats } from './inode-index.js';
import { SocketTable } from './sockets.js';
import type { SocketFilter } from './types.js';

export interface CollectOptions extends JoinOptions {
  root: string;
  filter: SocketFilter;
  /** Byte order of the words in /proc/net/*; the host's own unless a test says otherwise. */
  littleEndian?: boolean;
  /** Called with the tables read, before the owner lookup: may throw to end the run early. */
  afterTables?: (table: SocketTable) => void;
}

export interface Snapshot {
  table: SocketTable;
  owners: Owners;
  /** Socket lines read from /proc/net/* (the header excluded), whatever their state. */
  lines: number;
  malformedLines: number;
  /** Tables absent from this root (tcp6 and udp6 when IPv6 is disabled). */
  missingTables: string[];
  join: JoinStats;
}

/**
 * Reads the tables first and in full (they are never cut short: a socket missing from the answer
 * would tell Zabbix it is gone), then spends what is left of the deadline on the owners.
 */
export async function collect(options: CollectOptions): Promise<Snapshot> {
  // Worker threads (on hosts with many processes) start on the fd links while the tables are read.
  const ownerScan = startOwnerScan(options.root, options);
  const table = new SocketTable();
  let lines = 0;
  let malformedLines = 0;
  const missingTables: string[] = [];
  for (const proto of options.filter.protos) {
    for (const family of options.filter.families) {
      const request = {
        proto,
        family,
        states: options.filter.states,
        littleEndian: options.littleEndian ?? HOST_IS_LITTLE_ENDIAN,
      };
      let stats;
      try {
        stats = readNetTable(options.root, request, table);
        if (proto === 'udp' && stats.present) readAgain(options.root, request, table);
      } catch (err) {
        const path = netTablePath(options.root, proto, family);
        throw new ProcsockError(`cannot read ${path} (${errnoCode(err) ?? String(err)})`, EXIT.PROCFS);
      }
      if (!stats.present) missingTables.push(`${proto}${family === 6 ? '6' : ''}`);
      lines += stats.lines;
      malformedLines += stats.malformed;
    }
  }
  const index = indexWithoutRepeats(table);
  options.afterTables?.(table);
  const { owners, stats } = await ownerScan.finish(table, index);
  return { table, owners, lines, malformedLines, missingTables, join: stats };
}

/**
 * The kernel prints a table a page (4 KiB) per read(2). For UDP it finds its place again by
 * counting sockets from the start of the table, so a socket closed meanwhile ahead of that place
 * makes the next page skip one, whatever socket that is: a long-lived listener can go missing
 * (measured: 1 read in ~4,500 under 250 process starts a second, each with a UDP socket; none in
 * TCP, which resumes at its hash bucket). A second read misses the same socket only if it is
 * skipped twice, so the union of both is read; the repeats it brings are removed by inode with
 * the kernel's own (indexWithoutRepeats). UDP tables are small, so this costs little.
 */
function readAgain(root: string, request: NetTableRequest, table: SocketTable): void {
  const first = table.count;
  readNetTable(root, request, table);
  // A row without an inode cannot be matched to the first read's: keep the first read's only.
  const unmatched: number[] = [];
  for (let row = first; row < table.count; row++) if (table.inode[row] === 0) unmatched.push(row);
  if (unmatched.length > 0) table.removeRows(unmatched);
}
