/** `ss -tunapH` as the independent truth of which sockets a network namespace has. */
import { ss } from '../../helpers/ss.js';
import { socketKey } from './answers.js';
import { inNetns } from './procs.js';

/**
 * The LISTEN and ESTABLISHED sockets (UDP: UNCONN counts as LISTEN) of the namespace held by
 * `netns` (or of this one), as socketKey strings.
 */
export function ssSockets(netns?: number): Set<string> {
  return new Set(ss(inNetns(netns)).map(socketKey));
}
