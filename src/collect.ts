/** One run's input: read the socket tables, then join them to their owners. */
import { EXIT, ProcsockError } from './errors.js';
import { HOST_IS_LITTLE_ENDIAN } from './procfs/addr.js';
import { netTablePath, readNetTable } from './procfs/net.js';
import { errnoCode } from './procfs/read.js';
import { startOwnerScan, type JoinOptions, type JoinStats } from './join.js';
import type { Owners } from './owners.js';
import { SocketTable } from './sockets.js';
import type { SocketFilter } from './types.js';

export interface CollectOptions extends JoinOptions {
  root: string;
  filter: SocketFilter;
  /** Byte order of the words in /proc/net/*; the host's own unless a test says otherwise. */
  littleEndian?: boolean;
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
      } catch (err) {
        const path = netTablePath(options.root, proto, family);
        throw new ProcsockError(`cannot read ${path} (${errnoCode(err) ?? String(err)})`, EXIT.PROCFS);
      }
      if (!stats.present) missingTables.push(`${proto}${family === 6 ? '6' : ''}`);
      lines += stats.lines;
      malformedLines += stats.malformed;
    }
  }
  const { owners, stats } = await ownerScan.finish(table);
  return { table, owners, lines, malformedLines, missingTables, join: stats };
}
