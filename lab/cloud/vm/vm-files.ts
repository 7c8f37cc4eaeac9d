// Where a micro-VM's files live on the host, and how a guest path maps there.
//
// A micro-VM has no root filesystem of its own: its processes run on the
// host's files. What makes files "its own" is `ip netns exec <ns>`, which
// starts every VM process in a fresh mount namespace with each entry of
// /etc/netns/<ns>/ bind-mounted over /etc/<entry> — but only entries whose
// /etc/<entry> exists on the host, and only those present when the process
// starts. So a guest path maps as follows (mapGuestPath):
//
//   /etc/<entry>[/rest]  with /etc/<entry> an existing host file or directory
//                        (not a symlink), or <entry> in `etcMountPoints`
//                        (default: trove; the empty /etc/trove is created on the
//                        host as a mount point and never removed)
//        → /etc/netns/<ns>/<entry>[/rest]       seen by VM processes at /etc/…
//          The first write to an entry copies the host's /etc/<entry> into the
//          VM's copy (copy-up, host SSH keys excluded), so the rest of a
//          directory like /etc/mysql stays visible inside; a mount-point entry
//          (/etc/trove) starts empty instead, whatever the host has there.
//   any other path (/opt/x, /var/lib/y, /etc/<entry the host lacks>)
//        → <vm dir>/root/<path>                 rewritten: VM processes find it
//          under $VM_ROOT/<path>, not at <path>
//
// Everything of a VM is under two roots, removed when the server is deleted:
// <vm dir> (= <vms dir>/<server id>) and /etc/netns/<ns>.
import { posix, join } from 'node:path';

export interface VmLayout {
  serverId: string;
  /** Network namespace name (prefix + server id). */
  ns: string;
  /** <vms dir>/<server id>: manifest, root/, run/, log/, init/, uts. */
  dir: string;
  /** Files with rewritten paths: <dir>/root. */
  root: string;
  run: string;
  log: string;
  init: string;
  /** Persistent UTS namespace (hostname), bind-mounted on this file. */
  uts: string;
  manifest: string;
  /** /etc/netns/<ns>: bind-mounted over /etc/<entry> inside the VM. */
  etc: string;
}

export const ETC_NETNS = '/etc/netns';

export function vmLayout(vmsDir: string, nsPrefix: string, serverId: string): VmLayout {
  const dir = join(vmsDir, serverId);
  const ns = `${nsPrefix}${serverId}`;
  return {
    serverId,
    ns,
    dir,
    root: join(dir, 'root'),
    run: join(dir, 'run'),
    log: join(dir, 'log'),
    init: join(dir, 'init'),
    uts: join(dir, 'uts'),
    manifest: join(dir, 'vm.json'),
    etc: join(ETC_NETNS, ns),
  };
}

export type HostEtcKind = 'file' | 'dir' | 'symlink' | 'absent';

export interface MappedPath {
  /** The normalised guest path. */
  guestPath: string;
  hostPath: string;
  /** etc: bind-mounted, seen at guestPath inside; root: rewritten to $VM_ROOT/guestPath. */
  where: 'etc' | 'root';
  /** For `etc`: the /etc entry (first component) the file belongs to. */
  entry?: string;
  /** Why a /etc path went to root/ (for the init log). */
  note?: string;
}

export interface MapContext {
  layout: Pick<VmLayout, 'root' | 'etc'>;
  /** What /etc/<entry> is on the host. */
  hostEtc: (entry: string) => HostEtcKind;
  /** Entries that become mount points even if the host lacks them (default ['trove']). */
  etcMountPoints: readonly string[];
}

/** Map a guest path (as in write_files) to the host path that holds it; throws on a path that cannot be a file. */
export function mapGuestPath(path: string, ctx: MapContext): MappedPath {
  const guestPath = posix.normalize(`/${path}`).replace(/\/+$/, '');
  if (guestPath === '' || guestPath === '/' || guestPath === '/etc') throw new Error(`${path}: not a file path`);
  if (guestPath.startsWith('/etc/')) {
    const rest = guestPath.slice('/etc/'.length);
    const entry = rest.split('/')[0]!;
    if (entry === 'netns') return { guestPath, hostPath: join(ctx.layout.root, guestPath), where: 'root', note: '/etc/netns is the host\'s namespace table' };
    const kind = ctx.hostEtc(entry);
    if (kind === 'file' && rest !== entry) throw new Error(`${path}: /etc/${entry} is a file on this host, not a directory`);
    if (kind === 'file' || kind === 'dir' || (kind === 'absent' && ctx.etcMountPoints.includes(entry))) {
      return { guestPath, hostPath: join(ctx.layout.etc, rest), where: 'etc', entry };
    }
    const why = kind === 'symlink' ? `/etc/${entry} is a symlink on the host (cannot be bind-mounted)` : `the host has no /etc/${entry} to mount over`;
    return { guestPath, hostPath: join(ctx.layout.root, guestPath), where: 'root', note: `${why}; VM processes see it as $VM_ROOT${guestPath}` };
  }
  return { guestPath, hostPath: join(ctx.layout.root, guestPath), where: 'root' };
}

/** Files never copied from the host's /etc into a VM's copy (copy-up): host identity. */
export function excludedFromCopyUp(relative: string): boolean {
  return /(^|\/)ssh_host_[^/]*key(\.pub)?$/.test(relative);
}
