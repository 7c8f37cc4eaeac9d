// Shell snippets the faults run on nodes: process trees, signals, links.
// Pids and interface names are checked before they reach a command line.

/** Prints `pid` and all its descendants, one per line, parents before children. */
export function processTreeCommand(pid: number): string {
  // The supervisor's or systemd's main pid is often a wrapper (rabbitmq-server
  // is a shell script around beam.smp; keepalived forks a VRRP child), so a
  // fault on "the service" must reach the whole tree, not only the main pid.
  return `tree() { echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }; tree ${checkPid(pid)}`;
}

export function parsePids(stdout: string): number[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number)
    .filter((p) => p > 1);
}

/** Signals pids in the given order; succeeds only if every pid got it. */
export function signalCommand(signal: string, pids: number[]): string {
  return `kill -s ${signal} ${pids.map(checkPid).join(' ')}`;
}

/** Thaws pids that still exist; gone ones are fine (heal is idempotent). */
export function continueCommand(pids: number[]): string {
  return `for p in ${pids.map(checkPid).join(' ')}; do kill -s CONT "$p" 2>/dev/null || true; done`;
}

/**
 * SIGKILL a process tree without giving the parent a chance to respawn a
 * child (keepalived restarts a dead VRRP child): freeze the parent, list the
 * tree, kill everything in one kill(1).
 */
export function crashTreeCommand(mainPid: number): string {
  const pid = checkPid(mainPid);
  // Freeze the whole tree before killing any of it: a child that outlives its
  // parent even briefly may act on it (keepalived's VRRP child gets SIGTERM as
  // its parent-death signal and would shut down cleanly: priority-0 advert, VIP
  // removed), which is a clean stop, not the crash we mean.
  return `kill -s STOP ${pid} || exit 3; pids=$(${processTreeCommand(pid)}); kill -s STOP $pids; kill -s KILL $pids`;
}

export function linkCommand(ifname: string, state: 'up' | 'down'): string {
  return `ip link set dev ${checkIfname(ifname)} ${state}`;
}

export function checkIfname(ifname: string): string {
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(ifname)) throw new Error(`"${ifname}" is not an interface name`);
  return ifname;
}

function checkPid(pid: number): number {
  // pid 1 is init: freezing or killing it would take the node down, never the fault we mean.
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`refusing to signal pid ${pid}`);
  return pid;
}
