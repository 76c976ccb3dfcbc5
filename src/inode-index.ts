/**
 * Socket inode → table row, as an open-addressing hash over typed arrays: the fd scan looks up
 * every socket fd of the host here, hundreds of thousands of times a run.
 */
import type { Inode } from './types.js';
import type { SocketTable } from './sockets.js';

export class InodeIndex {
  private readonly keys: Float64Array;
  private readonly rows: Int32Array;
  private readonly mask: number;
  /** Rows whose inode an earlier row already has, ascending: the same socket listed twice. */
  readonly repeats: number[] = [];

  /** Indexes every row with a non-zero inode (a connection not yet accepted has inode 0). */
  constructor(table: SocketTable) {
    let size = 16;
    while (size < table.count * 2) size *= 2;
    this.keys = new Float64Array(size);
    this.rows = new Int32Array(size);
    this.mask = size - 1;
    for (let row = 0; row < table.count; row++) {
      const inode = table.inode[row]!;
      if (inode === 0) continue;
      let slot = this.slotOf(inode);
      // A repeat keeps its first row (and is noted for the caller to drop).
      while (this.keys[slot] !== 0 && this.keys[slot] !== inode) slot = (slot + 1) & this.mask;
      if (this.keys[slot] === inode) {
        this.repeats.push(row);
        continue;
      }
      this.keys[slot] = inode;
      this.rows[slot] = row;
    }
  }

  /** The row holding this inode, or -1. */
  rowOf(inode: Inode): number {
    let slot = this.slotOf(inode);
    for (;;) {
      const key = this.keys[slot];
      if (key === inode) return this.rows[slot]!;
      if (key === 0) return -1;
      slot = (slot + 1) & this.mask;
    }
  }

  private slotOf(inode: Inode): number {
    // Socket inodes come from a 32-bit counter (get_next_ino), but fold the high part in anyway.
    const h = Math.imul((inode >>> 0) ^ ((inode / 0x100000000) >>> 0), 0x9e3779b1);
    return (h ^ (h >>> 15)) & this.mask;
  }
}

/**
 * Indexes the table after removing the rows that repeat an inode: the same socket twice, which
 * /proc/net/* prints when sockets come and go between two of its page-sized reads (on a churning
 * host ~1 read in 50), and which reading UDP tables twice brings by design (collect.ts).
 */
export function indexWithoutRepeats(table: SocketTable): InodeIndex {
  const index = new InodeIndex(table);
  if (index.repeats.length === 0) return index;
  table.removeRows(index.repeats);
  return new InodeIndex(table);
}
