/**
 * `procsock get`: the master document for Zabbix dependent items. Its size grows with the number of
 * services and peers, not with the number of connections:
 * - listeners: one per (proto, address, port), with the holders, the established inbound
 *   connections, and for TCP the accept queue;
 * - peers: outbound connections counted per (process, proto, remote address, remote port);
 * - diagnostics: how complete and how costly the run was.
 */
import { isWildcard } from './procfs/addr.js';
import { RowText, type Diagnostics } from './describe.js';
import type { Snapshot } from './collect.js';
import type { UserNames } from './users.js';
import type { Family, Pid, Proto } from './types.js';

export interface Listener {
  /** "tcp:0.0.0.0:22", "udp:[::1]:53": unique per listener, for JSONPath filters. */
  key: string;
  proto: Proto;
  family: Family;
  laddr: string;
  lport: number;
  /** Lowest holder PID and its name; 0 and "" when the holder cannot be seen. */
  pid: Pid;
  proc: string;
  /** Every holder, comma-separated, ascending. */
  pids: string;
  user: string;
  /** Listening sockets behind this address (more than one with SO_REUSEPORT). */
  sockets: number;
  /** Established connections whose local end is this listener's address and port. */
  established: number;
  /**
   * TCP: connections completed but not yet accepted (rx_queue of the LISTEN row). 0 for UDP.
   * Its limit, the listen() backlog, is not in /proc (ss reads it over netlink; the tx_queue of a
   * LISTEN row is always 0), so the template takes it from a macro.
   */
  accept_queue: number;
}

export interface Peer {
  /** "proc|tcp|[10.0.0.5]:5432": unique per peer, for JSONPath filters. */
  key: string;
  proc: string;
  proto: Proto;
  family: Family;
  raddr: string;
  rport: number;
  connections: number;
}

export interface GetDocument {
  listeners: Listener[];
  peers: Peer[];
  diagnostics: Diagnostics & {
    /** Peers left out to keep the document under the size limit (the ones with fewest connections). */
    peers_omitted: number;
  };
}

function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Listeners and peers, each sorted, from a snapshot holding LISTEN and ESTABLISHED sockets. */
export function aggregate(snapshot: Snapshot, order: Uint32Array, users: UserNames): Omit<GetDocument, 'diagnostics'> {
  const t = snapshot.table;
  const text = new RowText(snapshot, users);
  const listeners: Listener[] = [];
  const holders: Set<Pid>[] = [];
  // Listener indexes by (proto, family, port): an established socket belongs to the listener with
  // its exact local address, else to the wildcard (0.0.0.0 or ::) one on its port.
  const byPort = new Map<number, number[]>();
  const portKey = (r: number) => (t.proto[r]! * 8 + t.family[r]!) * 65536 + t.lport[r]!;
  const firstRow: number[] = [];

  for (const r of order) {
    if (t.state[r] !== 0) continue;
    const laddr = text.localAddress(r);
    const key = `${t.protoOf(r)}:${endpointText(laddr, t.lport[r]!)}`;
    const last = listeners[listeners.length - 1];
    let index: number;
    if (last !== undefined && last.key === key) {
      index = listeners.length - 1; // SO_REUSEPORT: several sockets, one listener (rows are sorted)
    } else {
      index = listeners.length;
      listeners.push({
        key,
        proto: t.protoOf(r),
        family: t.familyOf(r),
        laddr,
        lport: t.lport[r]!,
        pid: 0,
        proc: '',
        pids: '',
        user: text.user(r),
        sockets: 0,
        established: 0,
        accept_queue: 0,
      });
      holders.push(new Set());
      firstRow.push(r);
      const pk = portKey(r);
      const same = byPort.get(pk);
      if (same === undefined) byPort.set(pk, [index]);
      else same.push(index);
    }
    const l = listeners[index]!;
    l.sockets++;
    if (l.proto === 'tcp') l.accept_queue += t.rxQueue[r]!;
    for (const pid of text.pids(r)) holders[index]!.add(pid);
  }
  listeners.forEach((l, i) => {
    const pids = [...holders[i]!].sort((a, b) => a - b);
    l.pid = pids[0] ?? 0;
    l.proc = l.pid === 0 ? '' : text.procOf(l.pid);
    l.pids = pids.join(',');
  });

  // Outbound: the established sockets no listener claims, counted per (process name, proto,
  // remote address, remote port). Sorted by that key, each peer is a run of rows, so its text is
  // made once per peer rather than once per connection (100,000 of them at the bench's XL).
  const outbound: number[] = [];
  for (const r of order) {
    if (t.state[r] !== 1) continue;
    const inbound = listenerOf(r);
    if (inbound >= 0) listeners[inbound]!.established++;
    else outbound.push(r);
  }
  const procNames = [...new Set(outbound.map((r) => text.proc(r)))].sort();
  const procRank = new Map(procNames.map((name, i) => [name, i]));
  const rank = new Int32Array(t.count);
  for (const r of outbound) rank[r] = procRank.get(text.proc(r))!;
  // Per service, then the same order as sockets: proto, family, remote address, remote port.
  outbound.sort((a, b) => rank[a]! - rank[b]! || compareRemote(a, b));
  const peers: Peer[] = [];
  for (let k = 0; k < outbound.length; k++) {
    const r = outbound[k]!;
    const prev = outbound[k - 1];
    if (prev !== undefined && rank[prev] === rank[r] && compareRemote(prev, r) === 0) {
      peers[peers.length - 1]!.connections++;
      continue;
    }
    const proc = procNames[rank[r]!]!;
    const raddr = text.remoteAddress(r);
    const key = `${proc}|${t.protoOf(r)}|${endpointText(raddr, t.rport[r]!)}`;
    peers.push({ key, proc, proto: t.protoOf(r), family: t.familyOf(r), raddr, rport: t.rport[r]!, connections: 1 });
  }
  return { listeners, peers };

  function compareRemote(a: number, b: number): number {
    const ka = t.proto[a]! * 8 + t.family[a]!;
    const kb = t.proto[b]! * 8 + t.family[b]!;
    if (ka !== kb) return ka - kb;
    for (let w = 0; w < 4; w++) {
      const d = t.raddr[a * 4 + w]! - t.raddr[b * 4 + w]!;
      if (d !== 0) return d;
    }
    return t.rport[a]! - t.rport[b]!;
  }

  function listenerOf(r: number): number {
    const candidates = byPort.get(portKey(r));
    if (candidates === undefined) return -1;
    let wildcard = -1;
    for (const i of candidates) {
      const lr = firstRow[i]!;
      if (isWildcard(t.laddr, lr * 4)) wildcard = i;
      else if (sameAddress(t.laddr, lr * 4, r * 4)) return i;
    }
    return wildcard;
  }
}

function sameAddress(words: Uint32Array, a: number, b: number): boolean {
  return words[a] === words[b] && words[a + 1] === words[b + 1] && words[a + 2] === words[b + 2] && words[a + 3] === words[b + 3];
}
