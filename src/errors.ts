/** Failures the user can act on: one line of text and a documented exit code. */

export const EXIT = {
  OK: 0,
  /** The procfs root cannot be read, is not a procfs, or the capture directory cannot be made. */
  PROCFS: 1,
  /** Unknown command, option or value. */
  USAGE: 2,
  /** The answer is larger than --max-bytes. */
  TOO_LARGE: 3,
  /** Writing the answer failed (e.g. the reader went away). */
  OUTPUT: 4,
  /** A bug: please report it with a `procsock capture` of the input. */
  INTERNAL: 70,
} as const;

export class ProcsockError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A value quoted for an error message: one line, bounded, control characters escaped. */
export function quote(value: string, max = 60): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}
