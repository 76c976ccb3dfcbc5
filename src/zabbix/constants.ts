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
 * Zabbix agent 6.0 accepts at most 512 KiB of output from a UserParameter (7.0: 16 MiB). Our
 * answers end with a newline, which the agent strips; the limit counts it anyway.
 */
export const ZABBIX_6_MAX_OUTPUT = 512 * 1024;

/** The agent kills a UserParameter after Timeout (3 s by default); answer well before that. */
export const DEFAULT_DEADLINE_MS = 2000;
