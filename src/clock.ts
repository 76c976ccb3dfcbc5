/** The one clock deadlines are measured on, in the main thread and the fd-scan workers alike. */

/**
 * Milliseconds on the monotonic clock (CLOCK_MONOTONIC, the same in every thread of the process).
 * Not `performance`: loading perf_hooks costs a run's start-up ten modules.
 */
export function nowMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

/** nowMs() time at which this process started: deadlines count from there, as the agent's timeout does. */
export function processStartMs(): number {
  return nowMs() - process.uptime() * 1e3;
}
