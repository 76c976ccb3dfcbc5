import { describe, expect, it } from 'vitest';
import { formatAddress } from '../../src/procfs/addr.js';
import { parseNetTable, type NetTableRequest } from '../../src/procfs/net.js';
import { SocketTable } from '../../src/sockets.js';
import type { Family, Proto } from '../../src/types.js';

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

function request(proto: Proto, family: Family, littleEndian = true): NetTableRequest {
  return { proto, family, states: ['LISTEN', 'ESTABLISHED'], littleEndian };
}

function parse(text: string, req: NetTableRequest) {
  const table = new SocketTable(4);
  const stats = parseNetTable(Buffer.from(text), req, table);
  const rows = Array.from({ length: table.count }, (_, r) => ({
    state: table.stateOf(r),
    local: `${formatAddress(table.family[r]!, table.laddr, r * 4)}:${table.lport[r]}`,
    remote: `${formatAddress(table.family[r]!, table.raddr, r * 4)}:${table.rport[r]}`,
    uid: table.uid[r],
    inode: table.inode[r],
    txQueue: table.txQueue[r],
    rxQueue: table.rxQueue[r],
  }));
  return { stats, rows };
}

/** A real line of a 6.x kernel, padded with trailing blanks as seq_file pads it. */
const SSHD = '   0: 00000000:0016 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 1585 1 000000005b36612f 100 0 0 10 0                      ';

describe('/proc/net/tcp', () => {
  it('reads a LISTEN socket (state 0A) with its accept queue (rx_queue)', () => {
    const { stats, rows } = parse(`${TCP_HEADER}\n${SSHD}\n`, request('tcp', 4));
    expect(stats).toEqual({ present: true, lines: 1, malformed: 0 });
    expect(rows).toEqual([{ state: 'LISTEN', local: '0.0.0.0:22', remote: '0.0.0.0:0', uid: 0, inode: 1585, txQueue: 0, rxQueue: 2 }]);
  });

  it('reads an ESTABLISHED socket (state 01) with decimal ports', () => {
    const line = '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0 20 4 30 10 -1';
    const { rows } = parse(`${TCP_HEADER}\n${line}\n`, request('tcp', 4));
    expect(rows).toEqual([
      { state: 'ESTABLISHED', local: '127.0.0.1:8080', remote: '127.0.0.1:50000', uid: 1000, inode: 424242, txQueue: 0, rxQueue: 0 },
    ]);
  });

  it('reports nothing for the other TCP states (SYN_SENT, TIME_WAIT, CLOSE_WAIT, ...)', () => {
    const lines = ['02', '03', '04', '05', '06', '07', '08', '09', '0B', '0C'].map(
      (st, i) => `   ${i}: 0100007F:1F90 0100007F:C350 ${st} 00000000:00000000 00:00000000 00000000     0        0 ${i + 1} 1`,
    );
    const { stats, rows } = parse(`${TCP_HEADER}\n${lines.join('\n')}\n`, request('tcp', 4));
    expect(stats.lines).toBe(10);
    expect(stats.malformed).toBe(0);
    expect(rows).toEqual([]);
  });

  it('keeps only the requested states', () => {
    const est = '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 7 1';
    const only = (states: NetTableRequest['states']) =>
      parse(`${TCP_HEADER}\n${SSHD}\n${est}\n`, { ...request('tcp', 4), states }).rows.map((r) => r.state);
    expect(only(['LISTEN'])).toEqual(['LISTEN']);
    expect(only(['ESTABLISHED'])).toEqual(['ESTABLISHED']);
  });

  it('decodes the same socket printed by a big-endian host', () => {
    const line = '   0: 7F000001:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9 1';
    expect(parse(`${TCP_HEADER}\n${line}\n`, request('tcp', 4, false)).rows[0]?.local).toBe('127.0.0.1:8080');
  });

  it('counts and skips malformed lines, keeping the good ones around them', () => {
    const bad = [
      '   1: 0100007F:1F90 00000000:0000 0A', // cut short
      '   2: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23 1', // not hex
      '   3: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23 1', // 3-digit port
      '   4: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 -5 1', // negative inode
      '   5: 100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23 1', // 7-digit word
      '\u0000\u00ff garbage',
    ];
    const { stats, rows } = parse(`${TCP_HEADER}\n${SSHD}\n${bad.join('\n')}\n${SSHD.replace('1585', '1586')}`, request('tcp', 4));
    expect(stats.malformed).toBe(bad.length);
    expect(rows.map((r) => r.inode)).toEqual([1585, 1586]);
  });

  it('reads the last line even without a final newline, and ignores blank lines', () => {
    const { stats, rows } = parse(`${TCP_HEADER}\n\n${SSHD}`, request('tcp', 4));
    expect(stats.malformed).toBe(0);
    expect(rows).toHaveLength(1);
  });
});

describe('/proc/net/tcp6', () => {
  const HEADER = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

  it('decodes ::, ::1 and IPv4-mapped addresses', () => {
    const lines = [
      '   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 11 1',
      '   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12 1',
      '   2: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000100007F:9CA4 01 00000000:00000000 00:00000000 00000000     0        0 13 1',
    ];
    const { rows } = parse(`${HEADER}\n${lines.join('\n')}\n`, request('tcp', 6));
    expect(rows.map((r) => [r.local, r.remote])).toEqual([
      [':::80', ':::0'],
      ['::1:631', ':::0'],
      ['::ffff:127.0.0.1:80', '::ffff:127.0.0.1:40100'],
    ]);
  });

  it('treats an IPv4-length address in a tcp6 table as malformed', () => {
    const line = '   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 11 1';
    expect(parse(`${HEADER}\n${line}\n`, request('tcp', 6)).stats.malformed).toBe(1);
  });
});

describe('/proc/net/udp', () => {
  const HEADER = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';
  const udp = (st: string, remote: string, inode: number) =>
    `  ${inode}: 0100007F:1388 ${remote} ${st} 00000000:00000000 00:00000000 00000000   104        0 ${inode} 2 0000000000000000 0`;

  it('reports a bound, unconnected UDP socket (state 07, remote 0:0) as LISTEN, as ss reports UNCONN', () => {
    expect(parse(`${HEADER}\n${udp('07', '00000000:0000', 1)}\n`, request('udp', 4)).rows).toEqual([
      { state: 'LISTEN', local: '127.0.0.1:5000', remote: '0.0.0.0:0', uid: 104, inode: 1, txQueue: 0, rxQueue: 0 },
    ]);
  });

  it('reports a connected UDP socket (state 01) as ESTABLISHED', () => {
    expect(parse(`${HEADER}\n${udp('01', '3500007F:0035', 2)}\n`, request('udp', 4)).rows[0]).toMatchObject({
      state: 'ESTABLISHED',
      remote: '127.0.0.53:53',
    });
  });

  it('reports nothing for a UDP socket in state 07 with a remote address', () => {
    expect(parse(`${HEADER}\n${udp('07', '3500007F:0035', 3)}\n`, request('udp', 4)).rows).toEqual([]);
  });

  it('never reports a UDP socket in the TCP LISTEN state code', () => {
    expect(parse(`${HEADER}\n${udp('0A', '00000000:0000', 4)}\n`, request('udp', 4)).rows).toEqual([]);
  });
});
