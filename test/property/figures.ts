/**
 * Figures for the closing note of the reliability issue (inputs fuzzed, churn rate, deadline
 * overshoot, peak RSS), merged into test-results/reliability-figures.json and printed as they come.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { REPO } from '../helpers/procsock.js';

const FILE = `${REPO}/test-results/reliability-figures.json`;

export function recordFigure(name: string, value: unknown): void {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // first figure of the run
  }
  all[name] = value;
  mkdirSync(`${REPO}/test-results`, { recursive: true });
  writeFileSync(FILE, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`[figure] ${name}: ${JSON.stringify(value)}`);
}

export function recordFuzzed(property: string, inputs: number): void {
  recordFigure(`fuzzed: ${property}`, inputs);
}
