// Where one database VM's MariaDB lives. Trove spreads it over /etc/mysql,
// /var/run/mysqld, /var/log and the mount point; lab VMs share the host's
// filesystem, so everything moves under the VM's own mount point:
//   <mount>/data      datadir (Trove: mount_point + '/data')
//   <mount>/conf.d    root.cnf, os_admin.cnf (Trove's get_conf_dir, same place)
//   <mount>/etc       my.cnf + conf.d/ override files (Trove: /etc/mysql)
//   <mount>/run       mysqld.sock, mysqld.pid (Trove: /var/run/mysqld)
//   <mount>/log       mysqld.log (Trove: /var/log/mysqld.log)
import { join } from 'node:path';
import { underVmRoot } from '../config.ts';

export interface MariadbLayout {
  mountPoint: string;
  dataDir: string;
  credentialsDir: string;
  etcDir: string;
  myCnf: string;
  includeDir: string;
  runDir: string;
  socket: string;
  pidFile: string;
  logDir: string;
  errorLog: string;
}

/** A unix socket path must fit sockaddr_un.sun_path (108 bytes with the NUL). */
export const MAX_SOCKET_PATH = 107;

export function mariadbLayout(mountPoint: string): MariadbLayout {
  const etcDir = join(mountPoint, 'etc');
  const runDir = join(mountPoint, 'run');
  const logDir = join(mountPoint, 'log');
  return {
    mountPoint,
    dataDir: join(mountPoint, 'data'),
    credentialsDir: join(mountPoint, 'conf.d'),
    etcDir,
    myCnf: join(etcDir, 'my.cnf'),
    includeDir: join(etcDir, 'conf.d'),
    runDir,
    socket: join(runDir, 'mysqld.sock'),
    pidFile: join(runDir, 'mysqld.pid'),
    logDir,
    errorLog: join(logDir, 'mysqld.log'),
  };
}

/**
 * Inside a lab micro-VM, paths outside /etc are the host's: the namespace
 * driver exports VM_ROOT and rewrites injected files under it. A configured
 * mount point (Trove default /var/lib/mysql) is therefore taken relative to
 * VM_ROOT unless it already lies below it (config.ts underVmRoot).
 */
export const resolveMountPoint = (mountPoint: string, vmRoot: string | undefined): string => underVmRoot(mountPoint, vmRoot);
