/** The three answer formats reduced to one row shape, so tests can ask the same questions of each. */
import type { Diagnostics as CoreDiagnostics } from '../../../src/describe.js';

export interface Row {
  proto: string;
  state: string;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** Every holder, ascending; empty when unresolved. */
  pids: number[];
  /** Name of the lowest holder; '' when unresolved. */
  proc: string;
  uid: number;
}

interface LldRow {
  [macro: string]: string;
}

export function rowsOfLld(doc: unknown): Row[] {
  return (doc as LldRow[]).map((r) => ({
    proto: r['{#PROTO}']!,
    state: r['{#STATE}']!,
    laddr: r['{#LADDR}']!,
    lport: Number(r['{#LPORT}']),
    raddr: r['{#RADDR}']!,
    rport: Number(r['{#RPORT}']),
    pids: r['{#PIDS}'] === '' ? [] : r['{#PIDS}']!.split(',').map(Number),
    proc: r['{#PROC}']!,
    uid: Number(r['{#UID}']),
  }));
}

interface JsonSocket {
  proto: string;
  state: string;
  local: { address: string; port: number };
  remote: { address: string; port: number };
  owners: { pid: number; proc: string }[];
  uid: number;
}

export function rowsOfJson(doc: unknown): Row[] {
  return (doc as { sockets: JsonSocket[] }).sockets.map((s) => ({
    proto: s.proto,
    state: s.state,
    laddr: s.local.address,
    lport: s.local.port,
    raddr: s.remote.address,
    rport: s.remote.port,
    pids: s.owners.map((o) => o.pid),
    proc: s.owners[0]?.proc ?? '',
    uid: s.uid,
  }));
}

/** What procsock's outputs say of a run (`procsock get` adds peers_omitted). */
export type Diagnostics = CoreDiagnostics & { peers_omitted?: number };

export interface GetListener {
  key: string;
  proto: string;
  laddr: string;
  lport: number;
  pid: number;
  proc: string;
  pids: string;
  established: number;
}

export interface GetPeer {
  key: string;
  proc: string;
  proto: string;
  raddr: string;
  rport: number;
  connections: number;
}

export interface GetDoc {
  listeners: GetListener[];
  peers: GetPeer[];
  diagnostics: Diagnostics;
}

/** The identity of a socket across formats and tools. */
export function socketKey(s: { proto: string; state: string; laddr: string; lport: number; raddr: string; rport: number }): string {
  return `${s.proto} ${s.state} ${s.laddr}:${s.lport} ${s.raddr}:${s.rport}`;
}
