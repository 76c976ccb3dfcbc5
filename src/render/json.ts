/** `--format json`: every socket with all we know of it, plus the run's diagnostics, for scripts. */
import { RowText, type Diagnostics } from '../describe.js';
import type { Snapshot } from '../collect.js';
import type { Output } from './output.js';
import type { UserNames } from '../users.js';

export function renderJson(
  snapshot: Snapshot,
  order: Uint32Array,
  users: UserNames,
  diagnostics: () => Diagnostics,
  out: Output,
): void {
  const text = new RowText(snapshot, users);
  const t = snapshot.table;
  out.write('{"sockets":[');
  for (let k = 0; k < order.length; k++) {
    const r = order[k]!;
    const socket = {
      proto: t.protoOf(r),
      family: t.familyOf(r),
      state: t.stateOf(r),
      local: { address: text.localAddress(r), port: t.lport[r]! },
      remote: { address: text.remoteAddress(r), port: t.rport[r]! },
      owners: text.pids(r).map((pid) => ({ pid, proc: text.procOf(pid) })),
      user: text.user(r),
      uid: t.uid[r]!,
      inode: t.inode[r]!,
      rx_queue: t.rxQueue[r]!,
      tx_queue: t.txQueue[r]!,
    };
    out.write((k === 0 ? '' : ',') + JSON.stringify(socket));
  }
  // Measured last, so its duration covers the rendering above.
  out.write(`],"diagnostics":${JSON.stringify(diagnostics())}}\n`);
}
