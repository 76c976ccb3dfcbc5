/**
 * User names for the uid column of /proc/net/*. The one file procsock reads outside the procfs
 * root: a fixed path, never taken from arguments. Users known only to NSS (LDAP, sssd) are not in
 * it; their uid is shown in decimal, as ls(1) does.
 */
import { readFileSync } from 'node:fs';
import type { Uid } from './types.js';

export const PASSWD_PATH = '/etc/passwd';

export class UserNames {
  private names: Map<Uid, string> | undefined;
  constructor(private readonly passwdPath: string = PASSWD_PATH) {}

  nameOf(uid: Uid): string {
    this.names ??= loadPasswd(this.passwdPath);
    return this.names.get(uid) ?? String(uid);
  }
}

/**
 * name:password:uid:... per line; the first entry for a uid wins, as with getpwuid(3). Like glibc's
 * files backend, leading blanks are skipped and a line starting with '#' is a comment.
 */
export function parsePasswd(text: string): Map<Uid, string> {
  const names = new Map<Uid, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trimStart();
    if (line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '' || !/^[0-9]{1,10}$/.test(fields[2]!)) continue;
    const uid = Number(fields[2]);
    if (!names.has(uid)) names.set(uid, fields[0]!);
  }
  return names;
}

function loadPasswd(path: string): Map<Uid, string> {
  try {
    return parsePasswd(readFileSync(path, 'utf8'));
  } catch {
    // No passwd file (a minimal container): every user shows as a number, which is still true.
    return new Map();
  }
}
