/** What each command does, from checked arguments to bytes on stdout and an exit code. */
import { writeSync } from 'node:fs';
import { aggregate, type GetDocument } from '../aggregate.js';
import { capture } from '../capture.js';
import { collect, type Snapshot } from '../collect.js';
import type { WorkerPool } from '../join.js';
import { diagnose } from '../describe.js';
import { EXIT, ProcsockError, quote } from '../errors.js';
import { sortedRows } from '../order.js';
import { checkProcfsRoot } from '../procfs/root.js';
import { nowMs } from '../clock.js';
import { errnoCode } from '../procfs/read.js';
import { renderJson } from '../render/json.js';
import { renderLld } from '../render/lld.js';
import { AnswerTooLarge, Output, writeAll } from '../render/output.js';
import { renderTable } from '../render/table.js';
import type { SocketTable } from '../sockets.js';
import { ALL_SOCKETS } from '../types.js';
import { UserNames } from '../users.js';
import { ITEM_KEY, ZABBIX_6_MAX_OUTPUT } from '../zabbix/constants.js';
import { parseCommandLine, type CaptureArgs, type DiscoveryArgs, type GetArgs } from './args.js';
import { helpText } from './help.js';

export interface RunContext {
  /** nowMs() time the process started: deadlines count from here, as the agent's timeout does. */
  startedAt: number;
  /** How to start fd-scan worker threads; undefined keeps everything on the main thread. */
  workers?: WorkerPool;
  version: string;
  privileged: boolean;
  /** Where user names come from (tests point this at a fixture). */
  passwdPath?: string;
  /** File descriptors of the answer and of the error line (tests pass files). */
  stdout?: number;
  stderr?: number;
}

/** Runs one command line; returns the exit code. Errors are one line on stderr, never a stack. */
export async function run(argv: readonly string[], context: RunContext): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    switch (args.command) {
      case 'help':
        writeAll(context.stdout ?? 1, Buffer.from(helpText(args.topic)));
        return EXIT.OK;
      case 'version':
        writeAll(context.stdout ?? 1, Buffer.from(`procsock ${context.version}\n`));
        return EXIT.OK;
      case 'discovery':
        return await discovery(args, context);
      case 'get':
        return await get(args, context);
      case 'capture':
        return runCapture(args, context);
    }
  } catch (err) {
    return fail(err, context.stderr ?? 2);
  }
}

function fail(err: unknown, stderr: number): number {
  let line: string;
  let code: number;
  if (err instanceof ProcsockError) {
    line = err.message;
    code = err.exitCode;
  } else if (errnoCode(err) !== undefined && (err as NodeJS.ErrnoException).syscall === 'write') {
    // stdout is the only thing discovery and get write to: EPIPE, EBADF, ENOSPC (/dev/full), EIO...
    line = `cannot write the answer (${errnoCode(err)})`;
    code = EXIT.OUTPUT;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    line = `internal error: ${quote(message, 200)} (please report it, with a procsock capture)`;
    code = EXIT.INTERNAL;
  }
  try {
    writeSync(stderr, `procsock: ${line.replace(/[\r\n]+/g, ' ')}\n`);
  } catch {
    // stderr is gone too; the exit code still tells.
  }
  return code;
}

async function snapshotOf(
  args: { procfs: string; deadlineMs: number },
  filter: DiscoveryArgs['filter'],
  context: RunContext,
  afterTables?: (table: SocketTable) => void,
): Promise<Snapshot> {
  const root = checkProcfsRoot(args.procfs, context.privileged);
  return collect({
    root,
    filter,
    deadline: context.startedAt + args.deadlineMs,
    ...(context.workers === undefined ? {} : { workers: context.workers }),
    ...(afterTables === undefined ? {} : { afterTables }),
  });
}

/**
 * The shortest LLD row there can be (IPv6 "::" both ends, ports 0, no owner, a one-digit uid), with
 * its comma: a table of N sockets makes at least N times this, so an answer sure not to fit is
 * refused before the fd scan, not after.
 */
const SHORTEST_LLD_ROW = ',{"{#PROTO}":"tcp","{#FAMILY}":"ipv6","{#STATE}":"LISTEN","{#LADDR}":"::","{#LPORT}":"0","{#RADDR}":"::","{#RPORT}":"0","{#PROC}":"","{#PID}":"","{#PIDS}":"","{#USER}":"0","{#UID}":"0"}'.length;

async function discovery(args: DiscoveryArgs, context: RunContext): Promise<number> {
  const maxBytes = args.maxBytes ?? (args.format === 'lld' ? ZABBIX_6_MAX_OUTPUT : 0);
  const tooLarge = (sockets: number) =>
    new ProcsockError(
      `${sockets} sockets do not fit in --max-bytes ${maxBytes}: ` +
        `use the aggregated key ${ITEM_KEY.GET} (procsock get), narrow with --state/--proto/--family, ` +
        `or raise --max-bytes (Zabbix agent 7.0 takes 16 MiB)`,
      EXIT.TOO_LARGE,
    );
  const checkSize = (table: SocketTable) => {
    if (args.format === 'lld' && maxBytes > 0 && table.count * SHORTEST_LLD_ROW + 2 > maxBytes) throw tooLarge(table.count);
  };
  const snapshot = await snapshotOf(args, args.filter, context, checkSize);
  const order = sortedRows(snapshot.table, snapshot.owners);
  const users = new UserNames(context.passwdPath);
  const out = new Output(maxBytes, context.stdout ?? 1);
  try {
    if (args.format === 'lld') renderLld(snapshot, order, users, out);
    else if (args.format === 'table') renderTable(snapshot, order, users, out);
    else renderJson(snapshot, order, users, () => diagnose(snapshot, nowMs() - context.startedAt), out);
    out.finish();
  } catch (err) {
    if (!(err instanceof AnswerTooLarge)) throw err;
    throw tooLarge(snapshot.table.count);
  }
  return EXIT.OK;
}

async function get(args: GetArgs, context: RunContext): Promise<number> {
  const snapshot = await snapshotOf(args, ALL_SOCKETS, context);
  const order = sortedRows(snapshot.table, snapshot.owners);
  const { listeners, peers } = aggregate(snapshot, order, new UserNames(context.passwdPath));
  const diagnostics = diagnose(snapshot, nowMs() - context.startedAt);
  const document: GetDocument = { listeners, peers, diagnostics: { ...diagnostics, peers_omitted: 0 } };
  let text = JSON.stringify(document);
  if (args.maxBytes > 0 && Buffer.byteLength(text) + 1 > args.maxBytes) {
    text = withinLimit(document, args.maxBytes);
  }
  writeAll(context.stdout ?? 1, Buffer.from(`${text}\n`));
  return EXIT.OK;
}

/**
 * Drops the peers with the fewest connections until the document fits, and says how many went in
 * diagnostics.peers_omitted. Listeners are never dropped: if they alone do not fit, that is an error.
 */
function withinLimit(document: GetDocument, maxBytes: number): string {
  const sizes = document.peers.map((peer) => Buffer.byteLength(JSON.stringify(peer)) + 1);
  const base = { ...document, peers: [], diagnostics: { ...document.diagnostics, peers_omitted: document.peers.length } };
  // Room for the peers, less a margin for the digits peers_omitted may lose or gain.
  let room = maxBytes - 1 - Buffer.byteLength(JSON.stringify(base)) - 16;
  if (room < 0) {
    throw new ProcsockError(
      `${document.listeners.length} listeners do not fit in --max-bytes ${maxBytes}: raise --max-bytes (Zabbix agent 7.0 takes 16 MiB)`,
      EXIT.TOO_LARGE,
    );
  }
  const byCount = document.peers.map((_, i) => i).sort((a, b) => document.peers[b]!.connections - document.peers[a]!.connections || a - b);
  const kept = new Set<number>();
  for (const i of byCount) {
    // Stop at the first that does not fit: keeping a smaller peer after dropping a busier one
    // would make which peers are reported depend on the lengths of their names.
    if (sizes[i]! > room) break;
    room -= sizes[i]!;
    kept.add(i);
  }
  const peers = document.peers.filter((_, i) => kept.has(i));
  return JSON.stringify({ ...document, peers, diagnostics: { ...document.diagnostics, peers_omitted: document.peers.length - peers.length } });
}

function runCapture(args: CaptureArgs, context: RunContext): number {
  const root = checkProcfsRoot(args.procfs, context.privileged);
  const summary = capture(root, args.out, context.startedAt + args.deadlineMs, context.version);
  writeAll(
    context.stdout ?? 1,
    Buffer.from(
      `captured ${summary.tables} tables, ${summary.processes} processes, ${summary.socketFds} socket fds into ${args.out}` +
        `${summary.complete ? '' : ' (incomplete: deadline reached)'}\n`,
    ),
  );
  return EXIT.OK;
}
