/**
 * A private Zabbix 6.0 installation from Debian's packages, on loopback: a PostgreSQL cluster in a
 * temp dir, zabbix_server, and the frontend served by `php -S` for the JSON-RPC API. Nothing of the
 * host's own configuration is touched: the frontend reads /etc/zabbix/zabbix.conf.php, so php runs
 * in a private mount namespace where a temp dir is bind-mounted over /etc/zabbix.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { freePort, run, tempDir, waitFor, type Child, type Processes } from './system.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const SCHEMA_DIR = '/usr/share/zabbix-server-pgsql';
const FRONTEND = '/usr/share/zabbix';
const AS_POSTGRES = ['--reuid=postgres', '--regid=postgres', '--init-groups'];

export interface Timings {
  postgresMs: number;
  schemaMs: number;
  serverMs: number;
  frontendMs: number;
}

export interface Stack {
  api: ZabbixApi;
  serverLog: () => string;
  phpLog: () => string;
  timings: Timings;
}

export class ZabbixApi {
  private token: string | undefined;
  private id = 0;
  constructor(readonly url: string) {}

  async call<T = unknown>(method: string, params: unknown): Promise<T> {
    const body = { jsonrpc: '2.0', method, params, id: ++this.id, ...(this.token && method !== 'apiinfo.version' ? { auth: this.token } : {}) };
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json-rpc' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let answer: { result?: T; error?: { message: string; data: string } };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new Error(`${method}: HTTP ${response.status}, not JSON: ${text.slice(0, 500)}`);
    }
    if (answer.error) throw new Error(`${method}: ${answer.error.message} ${answer.error.data}`);
    return answer.result as T;
  }

  async login(): Promise<void> {
    this.token = await this.call<string>('user.login', { username: 'Admin', password: 'zabbix' });
  }
}

function psql(port: number, database: string, input: string): string {
  return run('setpriv', [...AS_POSTGRES, `${PG_BIN}/psql`, '-q', '-X', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-f', '-'], {
    input,
    timeoutMs: 300_000,
  });
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Starts it all; every temp dir made goes into `dirs` at once, for the caller to remove. */
export async function startStack(processes: Processes, dirs: string[]): Promise<Stack> {
  const timings: Timings = { postgresMs: 0, schemaMs: 0, serverMs: 0, frontendMs: 0 };
  let t = Date.now();

  // PostgreSQL: a throwaway cluster, trust auth on loopback, durability off (it is deleted after).
  const pgDir = tempDir('postgres', 'postgres');
  dirs.push(pgDir);
  const pgPort = await freePort();
  run('setpriv', [...AS_POSTGRES, `${PG_BIN}/initdb`, '-D', join(pgDir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    timeoutMs: 120_000,
  });
  const postgres: Child = processes.start('postgres', 'setpriv', [
    ...AS_POSTGRES,
    `${PG_BIN}/postgres`,
    '-D', join(pgDir, 'data'),
    '-p', String(pgPort),
    '-k', pgDir,
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
    '-c', 'max_connections=60',
  ]);
  await waitFor('postgres', 30_000, () => {
    if (postgres.process.exitCode !== null) throw new Error(`postgres exited: ${postgres.output()}`);
    return run(`${PG_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(pgPort)]) ? true : undefined;
  });
  timings.postgresMs = Date.now() - t;

  t = Date.now();
  psql(pgPort, 'postgres', 'CREATE DATABASE zabbix;');
  const sql = ['schema.sql.gz', 'images.sql.gz', 'data.sql.gz'].map((f) => gunzipSync(readFileSync(join(SCHEMA_DIR, f))).toString('utf8'));
  psql(pgPort, 'zabbix', `BEGIN;\n${sql.join('\n')}\nCOMMIT;\n`);
  timings.schemaMs = Date.now() - t;

  // zabbix_server, started as root: it drops to the user zabbix, which owns its dir.
  t = Date.now();
  const serverDir = tempDir('server', 'zabbix');
  dirs.push(serverDir);
  const serverPort = await freePort();
  const serverLog = join(serverDir, 'zabbix_server.log');
  const serverConf = join(serverDir, 'zabbix_server.conf');
  writeFileSync(
    serverConf,
    [
      'LogType=file',
      `LogFile=${serverLog}`,
      `PidFile=${join(serverDir, 'zabbix_server.pid')}`,
      `SocketDir=${serverDir}`,
      `TmpDir=${serverDir}`,
      'DBHost=127.0.0.1',
      `DBPort=${pgPort}`,
      'DBName=zabbix',
      'DBUser=postgres',
      'ListenIP=127.0.0.1',
      `ListenPort=${serverPort}`,
      // The configuration cache picks up new hosts and discovered items within a second.
      'CacheUpdateFrequency=1',
      'StartPollers=2',
      'StartPollersUnreachable=1',
      'StartPreprocessors=1',
      'StartTrappers=1',
      'StartPingers=0',
      'StartDiscoverers=0',
      'StartHTTPPollers=0',
      'StartTimers=1',
      'StartEscalators=1',
      'StartAlerters=1',
      'StartLLDProcessors=1',
      'StartHistoryPollers=1',
      'StartDBSyncers=1',
      'StartProxyPollers=0',
      'StartReportWriters=0',
      'StartODBCPollers=0',
      'HousekeepingFrequency=0',
      'Timeout=10',
      '',
    ].join('\n'),
  );
  const server = processes.start('zabbix_server', '/usr/sbin/zabbix_server', ['-f', '-c', serverConf]);
  await waitFor('zabbix_server to start its processes', 60_000, () => {
    if (server.process.exitCode !== null) throw new Error(`zabbix_server exited: ${server.output()} ${readOr(serverLog).slice(-3000)}`);
    return /server #\d+ started \[configuration syncer/.test(readOr(serverLog)) ? true : undefined;
  });
  timings.serverMs = Date.now() - t;

  // The frontend, for the API only.
  t = Date.now();
  const webDir = tempDir('frontend');
  dirs.push(webDir);
  const etc = join(webDir, 'etc-zabbix');
  mkdirSync(etc);
  writeFileSync(
    join(etc, 'zabbix.conf.php'),
    `<?php
$DB['TYPE'] = 'POSTGRESQL';
$DB['SERVER'] = '127.0.0.1';
$DB['PORT'] = '${pgPort}';
$DB['DATABASE'] = 'zabbix';
$DB['USER'] = 'postgres';
$DB['PASSWORD'] = '';
$DB['SCHEMA'] = '';
$DB['ENCRYPTION'] = false;
$DB['KEY_FILE'] = '';
$DB['CERT_FILE'] = '';
$DB['CA_FILE'] = '';
$DB['VERIFY_HOST'] = false;
$DB['CIPHER_LIST'] = '';
$DB['VAULT_URL'] = '';
$DB['VAULT_DB_PATH'] = '';
$DB['VAULT_TOKEN'] = '';
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER = '127.0.0.1';
$ZBX_SERVER_PORT = '${serverPort}';
$ZBX_SERVER_NAME = 'procsock test';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
`,
  );
  const phpLog = join(webDir, 'php.log');
  const webPort = await freePort();
  processes.start('php', 'unshare', [
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount --bind "$0" /etc/zabbix && exec "$@"',
    etc,
    'php',
    '-d', 'display_errors=0',
    '-d', 'log_errors=1',
    '-d', `error_log=${phpLog}`,
    '-d', 'error_reporting=E_ALL',
    '-d', 'memory_limit=512M',
    '-d', 'post_max_size=16M',
    '-d', 'date.timezone=UTC',
    '-S', `127.0.0.1:${webPort}`,
    '-t', FRONTEND,
  ]);
  const api = new ZabbixApi(`http://127.0.0.1:${webPort}/api_jsonrpc.php`);
  await waitFor('the frontend API', 30_000, async () => ((await api.call<string>('apiinfo.version', {})) ? true : undefined));
  await api.login();
  timings.frontendMs = Date.now() - t;

  return { api, serverLog: () => readOr(serverLog), phpLog: () => readOr(phpLog), timings };
}
