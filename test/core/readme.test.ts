import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/procsock.js';

const readme = readFileSync(`${REPO}/README.md`, 'utf8');
const ci = readFileSync(`${REPO}/.ci/run`, 'utf8');

/** The two commands of the README's first code block, without their comments. */
function firstCommands(): string[] {
  const block = /^```sh\n([\s\S]*?)\n```/m.exec(readme)?.[1] ?? '';
  return block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim());
}

describe('README', () => {
  it('opens with two commands: run on this host, and install and run all tests', () => {
    expect(readme.indexOf('```sh')).toBeLessThan(40);
    const [runIt, testIt] = firstCommands();
    expect(runIt).toMatch(/^npm ci && npm run build && node dist\/procsock\.cjs /);
    expect(testIt).toMatch(/npm test$/);
  });

  it('gives the test command CI runs, verbatim', () => {
    const testIt = firstCommands()[1]!;
    expect(ci.split('\n')).toContain(testIt);
  });

  it('documents every option and exit code the CLI has', () => {
    for (const option of ['--state', '--proto', '--family', '--format', '--procfs', '--deadline-ms', '--max-bytes', '--out']) {
      expect(readme).toContain(option);
    }
    for (const code of ['0', '1', '2', '3', '4', '70']) expect(readme).toMatch(new RegExp(`\\| ${code} \\|`));
  });
});
