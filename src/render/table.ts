/** `--format table`: an ss-like view for people at a terminal. */
import { RowText } from '../describe.js';
import type { Snapshot } from '../collect.js';
import type { Output } from './output.js';
import type { UserNames } from '../users.js';

/** A process may name itself with control characters; keep them off the terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function endpoint(address: string, port: number | string): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function renderTable(snapshot: Snapshot, order: Uint32Array, users: UserNames, out: Output): void {
  const text = new RowText(snapshot, users);
  const t = snapshot.table;
  const rows: string[][] = [['Netid', 'State', 'Recv-Q', 'Send-Q', 'Local Address:Port', 'Peer Address:Port', 'User', 'Process']];
  for (const r of order) {
    const listening = t.state[r] === 0;
    rows.push([
      t.protoOf(r),
      listening && t.protoOf(r) === 'udp' ? 'UNCONN' : t.stateOf(r) === 'LISTEN' ? 'LISTEN' : 'ESTAB',
      String(t.rxQueue[r]),
      String(t.txQueue[r]),
      endpoint(text.localAddress(r), t.lport[r]!),
      listening ? endpoint(text.remoteAddress(r), '*') : endpoint(text.remoteAddress(r), t.rport[r]!),
      printable(text.user(r)),
      text
        .pids(r)
        .map((pid) => `${printable(text.procOf(pid)) || '?'}(${pid})`)
        .join(','),
    ]);
  }
  const widths = rows[0]!.map((_, c) => rows.reduce((w, row) => Math.max(w, row[c]!.length), 0));
  for (const row of rows) {
    out.write(`${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join(' ').trimEnd()}\n`);
  }
}
