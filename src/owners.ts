/** Which processes hold each socket of the table, and what they are called. */
import type { Pid } from './types.js';

export class Owners {
  /** Lowest PID holding each row's socket; 0 when no holder was seen. */
  readonly primary: Int32Array;
  /** Every holder, ascending, for the few sockets held by more than one process (pre-fork servers). */
  readonly shared = new Map<number, Pid[]>();
  /** Process names of every holder; absent when the process exited before its name was read. */
  readonly comm = new Map<Pid, string>();
  /** Every pid ever added (the fd scan adds a process's sockets one after the other). */
  private readonly holders = new Set<Pid>();
  private lastAdded = 0;

  constructor(rows: number) {
    this.primary = new Int32Array(rows);
  }

  add(row: number, pid: Pid): void {
    if (pid !== this.lastAdded && pid !== 0) {
      this.holders.add(pid);
      this.lastAdded = pid;
    }
    const first = this.primary[row]!;
    if (first === 0) {
      this.primary[row] = pid;
      return;
    }
    if (first === pid) return; // the same socket on two fds of one process (dup)
    let all = this.shared.get(row);
    if (all === undefined) {
      all = [first];
      this.shared.set(row, all);
    }
    if (all.includes(pid)) return;
    all.push(pid);
    all.sort((a, b) => a - b);
    this.primary[row] = all[0]!;
  }

  /** All holders of a row's socket, ascending (empty when unknown). */
  pidsOf(row: number): readonly Pid[] {
    const all = this.shared.get(row);
    if (all !== undefined) return all;
    const first = this.primary[row]!;
    return first === 0 ? [] : [first];
  }

  /** Whether the process holds any socket of the table. */
  holds(pid: Pid): boolean {
    return this.holders.has(pid);
  }

  /** Every distinct holder PID, ascending. */
  allPids(): Pid[] {
    return [...this.holders].sort((a, b) => a - b);
  }
}
