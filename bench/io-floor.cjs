#!/usr/bin/env node
// The floor for any Node program doing procsock's job: only the reads it cannot avoid, nothing
// parsed, joined or printed. It reads the four /proc/net tables, lists /proc, reads every fd link
// of every process and the name of every process holding a socket. The bench runs it beside
// `node -e 0` and procsock, so the share of a run that is start-up, kernel and Node's fs calls
// is measured, not guessed.
'use strict';
const { closeSync, openSync, readdirSync, readlinkSync, readSync } = require('node:fs');

const buf = Buffer.allocUnsafe(1 << 20);
function readAll(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return; // tcp6/udp6 without IPv6
  }
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) readAll(`/proc/net/${table}`);
for (const pid of readdirSync('/proc')) {
  if (pid.charCodeAt(0) < 0x31 || pid.charCodeAt(0) > 0x39) continue;
  const dir = `/proc/${pid}/fd/`;
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    continue; // exited, or not ours to read
  }
  let sockets = 0;
  for (const name of names) {
    try {
      if (readlinkSync(dir + name).startsWith('socket:')) sockets++;
    } catch {
      // closed meanwhile
    }
  }
  if (sockets > 0) readAll(`/proc/${pid}/comm`);
}
