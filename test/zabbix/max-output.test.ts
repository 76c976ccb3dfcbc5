/**
 * procsock's default --max-bytes (ZABBIX_6_MAX_OUTPUT) against the real limit of Zabbix agent 6.0:
 * the agent must take an answer of exactly that many bytes (trailing newline included), refuse one
 * byte more, and procsock must never hand it more.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetDocument } from '../../src/aggregate.js';
import { ZABBIX_6_MAX_OUTPUT } from '../../src/zabbix/constants.js';
import { procsock, type LldRow } from '../helpers/procsock.js';
import { AGENT_KINDS, startAgent, type Agent, type AgentKind } from './support/agent.js';
import { addressOfLength, listenersOfAnswerSize, outboundConnections, writeProcfs } from './support/fixture.js';
import { INSTALLED_SCRIPT, Installed, installScript, Processes, tempDir, userIds, zabbixUnavailable } from './support/system.js';

const unavailable = zabbixUnavailable();
const processes = new Processes();
const installed = new Installed();
const LIMIT = ZABBIX_6_MAX_OUTPUT;
let dir: string;
let conf: string;
let exactRows: number;

/** procsock as the user zabbix (as root it would insist on a real procfs), without a size limit. */
function answerSize(procfs: string): number {
  const { uid, gid } = userIds('zabbix');
  const r = procsock(['discovery', `--procfs=${procfs}`, '--max-bytes=0'], { uid, gid });
  if (r.code !== 0) throw new Error(`procsock discovery exited ${r.code}: ${r.stderr}`);
  return Buffer.byteLength(r.stdout);
}

describe.skipIf(unavailable !== undefined)(`Zabbix agent 6.0 output limit${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(() => {
    installScript(installed);
    dir = tempDir('max-output', 'zabbix');

    // One row's size, measured rather than assumed, then a tree whose answer is exactly LIMIT bytes.
    writeProcfs(join(dir, 'one'), [{ laddr: addressOfLength(7, 0), lport: 10_000, raddr: '0.0.0.0', rport: 0, state: 'LISTEN' }]);
    const oneRow = answerSize(join(dir, 'one')) - 3;
    const rowBytes = (addressLength: number) => oneRow + addressLength - 7;
    const exact = listenersOfAnswerSize(LIMIT, rowBytes);
    exactRows = exact.length;
    writeProcfs(join(dir, 'exact'), exact);
    writeProcfs(join(dir, 'above'), listenersOfAnswerSize(LIMIT + 1, rowBytes));
    writeProcfs(join(dir, 'peers'), outboundConnections(8000));
    writeFileSync(join(dir, 'bytes'), 'x'.repeat(LIMIT + 1));

    conf = join(dir, 'procsock-limits.conf');
    writeFileSync(
      conf,
      [
        // The agent's own limit, whatever prints the bytes.
        `UserParameter=limit.bytes[*],head -c $1 ${join(dir, 'bytes')}`,
        // procsock with its defaults, on the size-test trees.
        `UserParameter=limit.discovery[*],${INSTALLED_SCRIPT} discovery --procfs=${dir}/$1`,
        `UserParameter=limit.get[*],${INSTALLED_SCRIPT} get --procfs=${dir}/$1`,
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await processes.stopAll();
    installed.restore();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('builds trees whose discovery answers are exactly the limit and one byte more', () => {
    expect(answerSize(join(dir, 'exact'))).toBe(LIMIT);
    expect(answerSize(join(dir, 'above'))).toBe(LIMIT + 1);
  });

  describe.each(AGENT_KINDS)('%s', (kind: AgentKind) => {
    let agent: Agent;
    beforeAll(async () => {
      agent = await startAgent(processes, { kind, includes: [conf], startAs: kind === 'zabbix_agentd' ? 'root' : 'zabbix' });
    });
    afterAll(async () => agent?.stop());

    it(`takes ${LIMIT} bytes of output and refuses ${LIMIT + 1}`, () => {
      expect(agent.get(`limit.bytes[${LIMIT}]`)).toBe('x'.repeat(LIMIT));
      expect(agent.get(`limit.bytes[${LIMIT + 1}]`)).toMatch(/^ZBX_NOTSUPPORTED/);
    });

    it('passes a procsock discovery answer of exactly the default --max-bytes, newline included', () => {
      const answer = agent.get('limit.discovery[exact]');
      // The agent strips the trailing newline; zabbix_get's own newline is gone too.
      expect(Buffer.byteLength(answer)).toBe(LIMIT - 1);
      expect((JSON.parse(answer) as LldRow[]).length).toBe(exactRows);
    });

    it('gets procsock refusing, in one line, an answer one byte over the default, never truncated JSON', () => {
      expect(agent.get('limit.discovery[above]')).toMatch(new RegExp(`^procsock: ${exactRows} sockets do not fit in --max-bytes ${LIMIT}: use the aggregated key`));
    });

    it('gets a procsock get document trimmed under the limit, with the omitted peers counted', () => {
      const answer = agent.get('limit.get[peers]');
      expect(Buffer.byteLength(answer)).toBeLessThan(LIMIT);
      const doc = JSON.parse(answer) as GetDocument;
      expect(doc.peers.length).toBeGreaterThan(1000);
      expect(doc.peers.length + doc.diagnostics.peers_omitted).toBe(8000);
      expect(doc.diagnostics.peers_omitted).toBeGreaterThan(0);
    });
  });
});
