/** The --help texts. Keep in step with README.md. */
import { ZABBIX_6_MAX_OUTPUT, DEFAULT_DEADLINE_MS } from '../zabbix/constants.js';
import type { CommandName } from './args.js';

const COMMON = `  --procfs PATH       procfs root to read (default /proc; a tree made by capture works too;
                      when run as root it must be a real procfs mount)
  --deadline-ms N     answer within N ms of start (default ${DEFAULT_DEADLINE_MS}); socket tables are always
                      read in full, owners left unresolved past the deadline are reported`;

const TEXT: Record<CommandName | 'overview', string> = {
  overview: `procsock: which TCP/UDP sockets this host has open and which process owns each, from /proc.

Usage:
  procsock [discovery] [options]   one Zabbix LLD row per LISTEN/ESTABLISHED socket (default)
  procsock get [options]           listeners, outbound peers and diagnostics, one JSON document
  procsock capture --out DIR       save this host's input as a fixture tree for a bug report
  procsock help [COMMAND]          details of a command
  procsock --version

Exit codes: 0 ok, 1 procfs unreadable, 2 bad arguments, 3 answer larger than --max-bytes,
4 output could not be written, 70 internal error.
`,
  discovery: `Usage: procsock discovery [options]

One row per socket in LISTEN or ESTABLISHED state (a bound, unconnected UDP socket is LISTEN,
a connected one ESTABLISHED), sorted. LLD macros: {#PROTO} {#FAMILY} {#STATE} {#LADDR} {#LPORT}
{#RADDR} {#RPORT} {#PROC} {#PID} {#PIDS} {#USER} {#UID}.

Options (lists are comma-separated; an empty value means all):
  --state LIST        listen, established (default both)
  --proto LIST        tcp, udp (default both)
  --family LIST       4, 6 (or ipv4, ipv6; default both)
  --format FORMAT     lld (default), json, table
  --max-bytes N       fail (exit 3) rather than print more than N bytes; 0 = no limit.
                      Default for lld ${ZABBIX_6_MAX_OUTPUT} (Zabbix agent 6.0's limit), none for json/table
${COMMON}
`,
  get: `Usage: procsock get [options]

One JSON document for Zabbix dependent items: "listeners" (one per proto/address/port, with owner,
established inbound connections and accept queue), "peers" (outbound connections counted
per process, proto, remote address and port) and "diagnostics".

Options:
  --max-bytes N       keep the document under N bytes (default ${ZABBIX_6_MAX_OUTPUT}): peers with the fewest
                      connections are left out and counted in diagnostics.peers_omitted; 0 = no limit
${COMMON}
`,
  capture: `Usage: procsock capture --out DIR [options]

Copies the input of a run into DIR (which must not exist): the /proc/net tables, and for every
process holding a socket its comm and its socket fd links. Run procsock --procfs DIR on it to
reproduce an answer; attach it to a bug report.

Options:
  --out DIR           directory to create
${COMMON}
`,
  help: `Usage: procsock help [COMMAND]
`,
};

export function helpText(topic: CommandName | undefined): string {
  return TEXT[topic ?? 'overview'];
}
