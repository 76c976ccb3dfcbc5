/** Vocabulary shared by every module. Plain aliases: they say what a number means. */

/** Socket inode number, as in /proc/net/* and in `socket:[INODE]` fd links. */
export type Inode = number;
/** Process id (the thread-group id of a /proc/PID directory). */
export type Pid = number;
/** TCP/UDP port number, 0..65535. */
export type Port = number;
/** Numeric user id (the `uid` column of /proc/net/*). */
export type Uid = number;

export type Proto = 'tcp' | 'udp';
export type Family = 4 | 6;
/** The only states procsock reports; a bound, unconnected UDP socket counts as LISTEN. */
export type SocketState = 'LISTEN' | 'ESTABLISHED';

export const PROTOS: readonly Proto[] = ['tcp', 'udp'];
export const FAMILIES: readonly Family[] = [4, 6];
export const STATES: readonly SocketState[] = ['LISTEN', 'ESTABLISHED'];

/** Which sockets a run is about. Every list is non-empty. */
export interface SocketFilter {
  readonly protos: readonly Proto[];
  readonly families: readonly Family[];
  readonly states: readonly SocketState[];
}

export const ALL_SOCKETS: SocketFilter = { protos: PROTOS, families: FAMILIES, states: STATES };
