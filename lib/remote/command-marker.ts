// Finding a timed-out command's processes on the node. OpenSSH refuses the SSH
// "signal" request for root logins (no post-auth privilege separation), and
// closing a channel without a pty signals nothing, so a command that timed out
// would keep running. Each command therefore carries a unique environment
// variable; its processes (and their children, across exec) keep it in
// /proc/<pid>/environ, where a second command finds and kills them.
// Needs a POSIX login shell (sh, bash, dash, zsh) on the node, as every
// command here does, and Linux /proc.
import { randomBytes } from 'node:crypto';

const VARIABLE = 'TROVE_HA_COMMAND';

export function newMarker(): string {
  return randomBytes(8).toString('hex');
}

/** The command as sent: the marker is exported first, so every process it starts inherits it. */
export function markCommand(command: string, marker: string): string {
  return `export ${VARIABLE}=${marker}; ${command}`;
}

/**
 * Kills every process carrying the marker and prints their pids (Linux /proc,
 * GNU or busybox grep -z). Two passes, for children forked during the first.
 */
export function killMarkedCommand(marker: string): string {
  const pass = `for f in $(grep -lzx '${VARIABLE}=${marker}' /proc/[0-9]*/environ 2>/dev/null); do p=\${f#/proc/}; p=\${p%/environ}; kill -KILL "$p" 2>/dev/null && echo "$p"; done`;
  return `${pass}; ${pass}; true`;
}
