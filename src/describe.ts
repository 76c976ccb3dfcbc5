/** A socket row in words: the text every renderer prints for it. */
import { formatAddress } from './procfs/addr.js';
import type { Snapshot } from './collect.js';
import type { UserNames } from './users.js';
import type { Pid } from './types.js';

export class RowText {
  constructor(
    private readonly snapshot: Snapshot,
    private readonly users: UserNames,
  ) {}

  localAddress(row: number): string {
    const t = this.snapshot.table;
    return formatAddress(t.family[row]!, t.laddr, row * 4);
  }

  remoteAddress(row: number): string {
    const t = this.snapshot.table;
    return formatAddress(t.family[row]!, t.raddr, row * 4);
  }

  /** Lowest PID holding the socket, 0 when no holder could be seen. */
  pid(row: number): Pid {
    return this.snapshot.owners.primary[row]!;
  }

  pids(row: number): readonly Pid[] {
    return this.snapshot.owners.pidsOf(row);
  }

  /** Name of the primary holder; "" when unknown. */
  proc(row: number): string {
    const pid = this.pid(row);
    return pid === 0 ? '' : (this.snapshot.owners.comm.get(pid) ?? '');
  }

  procOf(pid: Pid): string {
    return this.snapshot.owners.comm.get(pid) ?? '';
  }

  user(row: number): string {
    return this.users.nameOf(this.snapshot.table.uid[row]!);
  }
}

/** How complete and how costly a run was: the self-monitoring numbers of every output. */
export interface Diagnostics {
  duration_ms: number;
  sockets: number;
  lines: number;
  malformed_lines: number;
  processes: number;
  processes_scanned: number;
  permission_denied: number;
  /** Sockets (with an inode) whose holder was not found: hidden by permissions, or kernel-held. */
  owners_unresolved: number;
  /** Connections waiting in a listener's accept queue: no process holds them yet. */
  not_accepted: number;
  /** 1 when the deadline stopped the owner lookup early: some owners are then missing. */
  partial: number;
  threads: number;
}

export function diagnose(snapshot: Snapshot, durationMs: number): Diagnostics {
  const { table, owners, join } = snapshot;
  let unresolved = 0;
  let notAccepted = 0;
  for (let r = 0; r < table.count; r++) {
    if (table.inode[r] === 0) notAccepted++;
    else if (owners.primary[r] === 0) unresolved++;
  }
  return {
    duration_ms: Math.round(durationMs),
    sockets: table.count,
    lines: snapshot.lines,
    malformed_lines: snapshot.malformedLines,
    processes: join.processes,
    processes_scanned: join.scanned,
    permission_denied: join.denied,
    owners_unresolved: unresolved,
    not_accepted: notAccepted,
    partial: join.complete ? 0 : 1,
    threads: join.threads,
  };
}
