/**
 * Zabbix low-level discovery: a JSON array (the form Zabbix accepts since 4.2), one object per
 * socket, every value a string: Zabbix ignores LLD macros whose value is null, an array or an object.
 */
import { LLD_MACRO } from '../zabbix/constants.js';
import { RowText } from '../describe.js';
import type { Snapshot } from '../collect.js';
import type { Output } from './output.js';
import type { UserNames } from '../users.js';

export function renderLld(snapshot: Snapshot, order: Uint32Array, users: UserNames, out: Output): void {
  const text = new RowText(snapshot, users);
  const t = snapshot.table;
  // Names and user names are the only values that may need JSON escaping; quote each once.
  const quotedProc = new Map<number, string>();
  const quotedUser = new Map<number, string>();
  const M = LLD_MACRO;
  out.write('[');
  for (let k = 0; k < order.length; k++) {
    const r = order[k]!;
    const pid = text.pid(r);
    let proc = quotedProc.get(pid);
    if (proc === undefined) {
      proc = JSON.stringify(text.proc(r));
      quotedProc.set(pid, proc);
    }
    const uid = t.uid[r]!;
    let user = quotedUser.get(uid);
    if (user === undefined) {
      user = JSON.stringify(text.user(r));
      quotedUser.set(uid, user);
    }
    const pids = text.pids(r);
    out.write(
      `${k === 0 ? '' : ','}{"${M.PROTO}":"${t.protoOf(r)}","${M.FAMILY}":"ipv${t.family[r]}","${M.STATE}":"${t.stateOf(r)}",` +
        `"${M.LADDR}":"${text.localAddress(r)}","${M.LPORT}":"${t.lport[r]}",` +
        `"${M.RADDR}":"${text.remoteAddress(r)}","${M.RPORT}":"${t.rport[r]}",` +
        `"${M.PROC}":${proc},"${M.PID}":"${pid === 0 ? '' : pid}","${M.PIDS}":"${pids.join(',')}",` +
        `"${M.USER}":${user},"${M.UID}":"${uid}"}`,
    );
  }
  out.write(']\n');
}
