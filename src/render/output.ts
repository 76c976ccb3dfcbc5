/**
 * Where an answer goes: stdout, all or nothing. With a byte limit (Zabbix agent 6.0 takes at most
 * 512 KiB from a UserParameter) the whole answer is held until it is known to fit, so an answer that
 * does not fit prints nothing rather than truncated JSON. Without one it streams in 64 KiB pieces,
 * so a 30 MB answer never sits in memory twice.
 */
import { writeSync } from 'node:fs';
import { errnoCode } from '../procfs/read.js';

const PIECE = 1 << 16;

/** Thrown by Output.write once the answer passes its limit; the caller says what to do instead. */
export class AnswerTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`answer exceeds ${limit} bytes`);
  }
}

export class Output {
  private pending = '';
  private readonly held: Buffer[] = [];
  private bytes = 0;

  /** maxBytes 0: no limit. */
  constructor(
    private readonly maxBytes: number,
    private readonly fd = 1,
  ) {}

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= PIECE) this.cut();
  }

  /** Sends what is held, if it fits; returns the answer's size in bytes. */
  finish(): number {
    this.cut();
    for (const piece of this.held) writeAll(this.fd, piece);
    this.held.length = 0;
    return this.bytes;
  }

  private cut(): void {
    if (this.pending.length === 0) return;
    const piece = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.bytes += piece.length;
    if (this.maxBytes === 0) {
      writeAll(this.fd, piece);
      return;
    }
    if (this.bytes > this.maxBytes) {
      this.held.length = 0;
      throw new AnswerTooLarge(this.maxBytes);
    }
    this.held.push(piece);
  }
}

/** writeSync until every byte is out; a non-blocking pipe (EAGAIN) is waited on, not dropped. */
export function writeAll(fd: number, data: Buffer): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (err) {
      if (errnoCode(err) !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}
