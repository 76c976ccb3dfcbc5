/**
 * Where an answer goes: stdout, all or nothing. With a byte limit (Zabbix agent 6.0 takes at most
 * 512 KiB from a UserParameter) the whole answer is held until it is known to fit, so an answer that
 * does not fit prints nothing rather than truncated JSON. Without one it streams in 256 KiB pieces,
 * so a 30 MB answer never sits in memory twice.
 *
 * Text is encoded straight into one buffer; renderers of large answers (lld) write bytes into it
 * themselves (`room`, then `buf`/`pos`), since building a string per row costs more than the scan.
 */
import { writeSync } from 'node:fs';
import { errnoCode } from '../procfs/read.js';

const PIECE = 1 << 18;

/** Thrown by Output.write once the answer passes its limit; the caller says what to do instead. */
export class AnswerTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`answer exceeds ${limit} bytes`);
  }
}

export class Output {
  /** Bytes of the answer not yet sent or held: buf[0, pos). */
  buf = Buffer.allocUnsafe(PIECE);
  pos = 0;
  private readonly held: Buffer[] = [];
  private bytes = 0;

  /** maxBytes 0: no limit. */
  constructor(
    private readonly maxBytes: number,
    private readonly fd = 1,
  ) {}

  write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    if (text.length * 3 > this.buf.length - this.pos) {
      this.cut();
      if (text.length * 3 > this.buf.length) {
        this.piece(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** Makes room for n more bytes at buf[pos], for a renderer that writes them itself. */
  room(n: number): void {
    if (this.buf.length - this.pos >= n) return;
    this.cut();
    if (this.buf.length < n) this.buf = Buffer.allocUnsafe(n);
  }

  /** Sends what is held, if it fits; returns the answer's size in bytes. */
  finish(): number {
    this.cut();
    for (const piece of this.held) writeAll(this.fd, piece);
    this.held.length = 0;
    return this.bytes;
  }

  private cut(): void {
    if (this.pos === 0) return;
    const full = this.buf.subarray(0, this.pos);
    if (this.maxBytes === 0) {
      this.piece(full);
    } else {
      // Held pieces keep their buffer; the next bytes go to a new one.
      this.buf = Buffer.allocUnsafe(PIECE);
      this.piece(full);
    }
    this.pos = 0;
  }

  private piece(piece: Buffer): void {
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

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** writeSync until every byte is out; a non-blocking pipe (EAGAIN) is waited on, not dropped. */
export function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (err) {
      if (errnoCode(err) !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, 2); // sleep 2 ms
    }
  }
}
