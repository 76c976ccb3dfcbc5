/**
 * ss(8) from iproute2, the independent truth for the socket table: it asks the kernel over netlink
 * (sock_diag) and finds owners its own way, sharing no code with procsock.
 */
import { execFileSync } from 'node:child_process';

export interface SsSocket {
  proto: 'tcp' | 'udp';
  state: 'LISTEN' | 'ESTABLISHED';
  /** "address:port", as procsock prints {#LADDR}:{#LPORT}. */
  local: string;
  remote: string;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** Owner PIDs, ascending, comma-separated ("" when ss shows no process). */
  pids: string;
}

/** "[::ffff:127.0.0.1]:80" → ::ffff:127.0.0.1 and 80; ss prints a dual-stack :: as "*" and a port it has not as "*". */
function endpoint(text: string): { address: string; port: number } {
  const cut = text.lastIndexOf(':');
  let address = text.slice(0, cut);
  const port = text.slice(cut + 1);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  address = address.replace(/%.*$/, ''); // "127.0.0.53%lo": bound to a device
  if (address === '*') address = '::';
  return { address, port: port === '*' ? 0 : Number(port) };
}

/** Parses `ss -tunapH` output, keeping the sockets procsock reports (LISTEN, ESTAB, UDP UNCONN). */
export function parseSs(text: string): SsSocket[] {
  const out: SsSocket[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const [netid, ssState, , , local, remote] = fields;
    if ((netid !== 'tcp' && netid !== 'udp') || local === undefined || remote === undefined) continue;
    const process = fields.slice(6).join(' ');
    const pids = [...new Set([...process.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b).join(',');
    let state: SsSocket['state'];
    if (ssState === 'LISTEN' && netid === 'tcp') state = 'LISTEN';
    else if (ssState === 'ESTAB') state = 'ESTABLISHED';
    else if (ssState === 'UNCONN' && netid === 'udp' && remote.endsWith(':*')) state = 'LISTEN';
    else continue;
    const l = endpoint(local);
    const r = endpoint(remote);
    out.push({
      proto: netid,
      state,
      local: `${l.address}:${l.port}`,
      remote: `${r.address}:${r.port}`,
      laddr: l.address,
      lport: l.port,
      raddr: r.address,
      rport: r.port,
      pids,
    });
  }
  return out;
}

export function ss(wrapper: string[] = []): SsSocket[] {
  const argv = [...wrapper, 'ss', '-tunapH'];
  return parseSs(execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28 }));
}
