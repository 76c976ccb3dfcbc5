import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNetTable } from '../../src/procfs/net.js';
import { SocketTable } from '../../src/sockets.js';
import { procsock } from '../helpers/procsock.js';

describe('the command line', () => {
  const usageErrors: [string[], RegExp][] = [
    [['--bogus'], /^procsock: unknown option "--bogus" \(options: --state, .*\)$/],
    [['--state', 'closing'], /^procsock: --state: "closing" is not one of listen, established$/],
    [['--proto', 'tcp,sctp'], /^procsock: --proto: "sctp" is not one of tcp, udp$/],
    [['--family', 'inet'], /^procsock: --family: "inet" is not one of 4, 6, ipv4, ipv6$/],
    [['--format', 'xml'], /^procsock: --format: "xml" is not one of lld, json, table$/],
    [['--deadline-ms', '-5'], /^procsock: (option "--deadline-ms.*" needs a value, or takes none|--deadline-ms must be an integer from 1 to 600000)$/],
    [['--max-bytes', '1e6'], /^procsock: --max-bytes must be an integer from 0 to 1073741824$/],
    [['--state', 'listen', '--state', 'established'], /^procsock: --state given more than once$/],
    [['get', '--format', 'table'], /^procsock: --format is not an option of get \(options: .*\)$/],
    [['discover'], /^procsock: unknown command "discover" \(commands: discovery, get, capture, help\)$/],
    [['discovery', 'now'], /^procsock: unexpected argument "now" \(options start with --\)$/],
    [['capture'], /^procsock: capture needs --out DIR \(a directory that does not exist yet\)$/],
    [['--state', 'listen\nestablished'], /^procsock: --state: "listen\\nestablished" is not one of listen, established$/],
  ];
  for (const [argv, message] of usageErrors) {
    it(`rejects ${JSON.stringify(argv)} with one line and exit 2, printing nothing`, () => {
      const r = procsock(argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr.trimEnd()).toMatch(message);
    });
  }

  it('refuses, as root, a --procfs that is not a procfs mount (exit 1)', () => {
    const r = procsock(['--procfs', '/etc']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^procsock: procfs root "\/etc" (is not a procfs mount|is not a procfs: net\/tcp is missing)/);
  });

  it('says which root cannot be read (exit 1)', () => {
    const r = procsock(['--procfs', '/nonexistent/proc']);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'procsock: procfs root "/nonexistent/proc" cannot be read (ENOENT)\n' });
  });

  it('prints help and the version on stdout with exit 0', () => {
    const help = procsock(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^procsock: which TCP\/UDP sockets/);
    expect(procsock(['help', 'get']).stdout).toMatch(/^Usage: procsock get/);
    expect(procsock(['get', '--help']).stdout).toMatch(/^Usage: procsock get/);
    expect(procsock(['--version']).stdout).toMatch(/^procsock \d+\.\d+\.\d+\n$/);
  });
});

describe('reading a large table in chunks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'procsock-chunks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses lines cut by the 1 MiB read boundaries like any other', () => {
    // 30,000 lines of ~150 bytes: lines straddle every chunk boundary.
    const lines = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'];
    for (let i = 0; i < 30_000; i++) {
      const port = (1024 + i).toString(16).toUpperCase().padStart(4, '0');
      lines.push(`${String(i).padStart(6)}: 0100007F:${port} 0100007F:0050 01 00000000:00000000 00:00000000 00000000  1000        0 ${100_000 + i} 1 0000000000000000 20 4 30 10 -1       `);
    }
    mkdirSync(join(dir, 'net'));
    writeFileSync(join(dir, 'net', 'tcp'), `${lines.join('\n')}\n`);
    const table = new SocketTable();
    const stats = readNetTable(dir, { proto: 'tcp', family: 4, states: ['ESTABLISHED'], littleEndian: true }, table);
    expect(stats).toEqual({ present: true, lines: 30_000, malformed: 0 });
    expect(table.count).toBe(30_000);
    for (let r = 0; r < table.count; r++) {
      if (table.lport[r] !== 1024 + r || table.inode[r] !== 100_000 + r) throw new Error(`row ${r} misread`);
    }
  });
});
