/**
 * The socket table: every reported socket of one run, column by column.
 *
 * A host at the scale procsock is built for has hundreds of thousands of sockets, so rows are kept
 * in typed arrays (about 60 bytes a socket) rather than as objects; addresses stay numeric until
 * they are printed. Row i of every column describes the same socket.
 */
import type { Family, Inode, Proto, SocketState, Uid } from './types.js';

export const PROTO_CODE = { tcp: 0, udp: 1 } as const satisfies Record<Proto, number>;
export const STATE_CODE = { LISTEN: 0, ESTABLISHED: 1 } as const satisfies Record<SocketState, number>;
export const PROTO_NAME: readonly Proto[] = ['tcp', 'udp'];
export const STATE_NAME: readonly SocketState[] = ['LISTEN', 'ESTABLISHED'];

export class SocketTable {
  count = 0;
  proto: Uint8Array;
  family: Uint8Array;
  state: Uint8Array;
  /** Four 32-bit words per socket in network order (an IPv4 address is word 0; the rest are 0). */
  laddr: Uint32Array;
  lport: Uint16Array;
  raddr: Uint32Array;
  rport: Uint16Array;
  /** For a TCP listener rx_queue is the accept queue's length (and tx_queue 0: the backlog is not shown). */
  txQueue: Uint32Array;
  rxQueue: Uint32Array;
  uid: Uint32Array;
  /** 0 for a connection still waiting in a listener's accept queue: no process holds it yet. */
  inode: Float64Array;

  constructor(capacity = 1024) {
    this.proto = new Uint8Array(capacity);
    this.family = new Uint8Array(capacity);
    this.state = new Uint8Array(capacity);
    this.laddr = new Uint32Array(capacity * 4);
    this.lport = new Uint16Array(capacity);
    this.raddr = new Uint32Array(capacity * 4);
    this.rport = new Uint16Array(capacity);
    this.txQueue = new Uint32Array(capacity);
    this.rxQueue = new Uint32Array(capacity);
    this.uid = new Uint32Array(capacity);
    this.inode = new Float64Array(capacity);
  }

  /** Appends an all-zero row and returns its index. */
  append(): number {
    if (this.count === this.proto.length) this.grow(this.count * 2);
    return this.count++;
  }

  /** Removes the given rows (ascending, each once), keeping the others in order. */
  removeRows(rows: readonly number[]): void {
    let next = 0;
    let to = 0;
    for (let from = 0; from < this.count; from++) {
      if (next < rows.length && rows[next] === from) {
        next++;
        continue;
      }
      if (to !== from) this.moveRow(from, to);
      to++;
    }
    this.count = to;
  }

  private moveRow(from: number, to: number): void {
    this.proto[to] = this.proto[from]!;
    this.family[to] = this.family[from]!;
    this.state[to] = this.state[from]!;
    this.laddr.copyWithin(to * 4, from * 4, from * 4 + 4);
    this.lport[to] = this.lport[from]!;
    this.raddr.copyWithin(to * 4, from * 4, from * 4 + 4);
    this.rport[to] = this.rport[from]!;
    this.txQueue[to] = this.txQueue[from]!;
    this.rxQueue[to] = this.rxQueue[from]!;
    this.uid[to] = this.uid[from]!;
    this.inode[to] = this.inode[from]!;
  }

  private grow(capacity: number): void {
    const grown = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity * per);
      b.set(a);
      return b;
    };
    this.proto = grown(this.proto);
    this.family = grown(this.family);
    this.state = grown(this.state);
    this.laddr = grown(this.laddr, 4);
    this.lport = grown(this.lport);
    this.raddr = grown(this.raddr, 4);
    this.rport = grown(this.rport);
    this.txQueue = grown(this.txQueue);
    this.rxQueue = grown(this.rxQueue);
    this.uid = grown(this.uid);
    this.inode = grown(this.inode);
  }

  protoOf(i: number): Proto {
    return PROTO_NAME[this.proto[i]!]!;
  }
  stateOf(i: number): SocketState {
    return STATE_NAME[this.state[i]!]!;
  }
  familyOf(i: number): Family {
    return this.family[i] === 6 ? 6 : 4;
  }
  inodeOf(i: number): Inode {
    return this.inode[i]!;
  }
  uidOf(i: number): Uid {
    return this.uid[i]!;
  }
}
