/**
 * Names Zabbix sees: item keys, LLD macros, limits. The script prints them and the template
 * generator writes them into the template, both from here, so the two cannot drift apart.
 */

/** Item keys of the agent drop-ins (zabbix/). */
export const ITEM_KEY = {
  /** procsock.discovery[<states>,<protos>,<families>]: one LLD row per socket. */
  DISCOVERY: 'procsock.discovery',
  /** procsock.get: the master JSON document (listeners, outbound peers, diagnostics). */
  GET: 'procsock.get',
} as const;

/** The LLD macros of `procsock discovery`. */
export const LLD_MACRO = {
  PROTO: '{#PROTO}',
  FAMILY: '{#FAMILY}',
  STATE: '{#STATE}',
  LADDR: '{#LADDR}',
  LPORT: '{#LPORT}',
  RADDR: '{#RADDR}',
  RPORT: '{#RPORT}',
  PROC: '{#PROC}',
  PID: '{#PID}',
  PIDS: '{#PIDS}',
  USER: '{#USER}',
  UID: '{#UID}',
} as const;

/**
 * The largest UserParameter output Zabbix agent 6.0 accepts: it reads at most 512 KiB less one byte
 * (zabbix_agentd and zabbix_agent2 alike; 524288 bytes is "output exceeded limit of 512 KB";
 * test/zabbix/max-output.test.ts measures it). Our answers end with a newline, which the agent
 * strips; the limit counts it anyway. Agent 7.0 takes 16 MiB.
 */
export const ZABBIX_6_MAX_OUTPUT = 512 * 1024 - 1;

/** The agent kills a UserParameter after Timeout (3 s by default); answer well before that. */
export const DEFAULT_DEADLINE_MS = 2000;

/**
 * LLD macros the template's own discoveries (on the procsock.get document) add to LLD_MACRO's
 * {#PROTO}, {#LADDR}, {#LPORT}, {#RADDR}, {#RPORT}, {#PROC}, {#USER}: the identity of a listener
 * or an outbound peer, as its "key" field in the document.
 */
export const GET_LLD_MACRO = {
  /** Listener.key, e.g. "tcp:0.0.0.0:22", "udp:[::1]:53". */
  LISTENER: '{#LISTENER}',
  /** Peer.key, e.g. "curl|tcp|[2001:db8::1]:443". */
  PEER: '{#PEER}',
} as const;

/** The template's user macros: discovery filters (regular expressions) and trigger thresholds. */
export const USER_MACRO = {
  LISTENER_PROTO_MATCHES: '{$PROCSOCK.LISTENER.PROTO.MATCHES}',
  LISTENER_PROTO_NOT_MATCHES: '{$PROCSOCK.LISTENER.PROTO.NOT_MATCHES}',
  LISTENER_LADDR_MATCHES: '{$PROCSOCK.LISTENER.LADDR.MATCHES}',
  LISTENER_LADDR_NOT_MATCHES: '{$PROCSOCK.LISTENER.LADDR.NOT_MATCHES}',
  LISTENER_LPORT_MATCHES: '{$PROCSOCK.LISTENER.LPORT.MATCHES}',
  LISTENER_LPORT_NOT_MATCHES: '{$PROCSOCK.LISTENER.LPORT.NOT_MATCHES}',
  LISTENER_PROC_MATCHES: '{$PROCSOCK.LISTENER.PROC.MATCHES}',
  LISTENER_PROC_NOT_MATCHES: '{$PROCSOCK.LISTENER.PROC.NOT_MATCHES}',
  PEER_PROC_MATCHES: '{$PROCSOCK.PEER.PROC.MATCHES}',
  PEER_PROC_NOT_MATCHES: '{$PROCSOCK.PEER.PROC.NOT_MATCHES}',
  PEER_RADDR_MATCHES: '{$PROCSOCK.PEER.RADDR.MATCHES}',
  PEER_RADDR_NOT_MATCHES: '{$PROCSOCK.PEER.RADDR.NOT_MATCHES}',
  PEER_RPORT_MATCHES: '{$PROCSOCK.PEER.RPORT.MATCHES}',
  PEER_RPORT_NOT_MATCHES: '{$PROCSOCK.PEER.RPORT.NOT_MATCHES}',
  SOCKET_STATE_MATCHES: '{$PROCSOCK.SOCKET.STATE.MATCHES}',
  SOCKET_PROC_MATCHES: '{$PROCSOCK.SOCKET.PROC.MATCHES}',
  SOCKET_PROC_NOT_MATCHES: '{$PROCSOCK.SOCKET.PROC.NOT_MATCHES}',
  SOCKET_LPORT_MATCHES: '{$PROCSOCK.SOCKET.LPORT.MATCHES}',
  SOCKET_LPORT_NOT_MATCHES: '{$PROCSOCK.SOCKET.LPORT.NOT_MATCHES}',
  ACCEPT_QUEUE_WARN: '{$PROCSOCK.ACCEPT_QUEUE.WARN}',
  BACKLOG: '{$PROCSOCK.BACKLOG}',
  RESTART_PERIOD: '{$PROCSOCK.RESTART.PERIOD}',
  UNRESOLVED_MAX: '{$PROCSOCK.OWNERS.UNRESOLVED.MAX}',
  NODATA_TIMEOUT: '{$PROCSOCK.NODATA.TIMEOUT}',
} as const;
