// The lab's HAProxy node image: what an operator's image for the documents'
// trove-mgmt HAProxy nodes has installed. In the lab cloud an image is a role
// (image property trove_role; lab/cloud/vm/README.md): role `proxy` boots with
// sshd, supervisord and three programs, haproxy and keepalived as Debian ships
// them (installed, not started until they have a config: provisioning pushes
// it and starts them), and the lab's toxiproxy between HAProxy and RabbitMQ.
// VMs share the host's filesystem outside their own /etc entries, so pid
// files, sockets and logs are per-VM paths ({hostname}: the lab cloud expands it).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_DIR } from '../paths.ts';
import { shQuote } from '../service-kit.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const PROXY_IMAGE = { name: 'haproxy-node', role: 'proxy' } as const;
export const TOXIPROXY_API_PORT = 8474;

/** A node's directory on the shared disk: the same path as a namespace node's (labPaths.node). */
const nodeDir = (node: string, ...p: string[]): string => join(LAB_DIR, 'nodes', node, ...p);
export const proxyRunDir = (node: string): string => nodeDir(node, 'run');
export const proxyLogDir = (node: string): string => nodeDir(node, 'log');
export const toxiproxyConfigFile = (node: string): string => nodeDir(node, 'toxiproxy', 'proxies.json');

export interface RoleProgram {
  name: string;
  command: string;
  autostart?: boolean;
  autorestart?: boolean | 'unexpected';
  stopSignal?: string;
  stopWaitSecs?: number;
  directory?: string;
  log?: string;
}

/** The programs of role `proxy`, with {hostname} / {eth0} left for the lab cloud to expand per VM. */
export function proxyRolePrograms(): RoleProgram[] {
  const run = proxyRunDir('{hostname}');
  const log = (p: string) => join(proxyLogDir('{hostname}'), `${p}.log`);
  const toxiproxy = [process.execPath, '--import', 'tsx', join(PROJECT_ROOT, 'lab/toxiproxy/main.ts'), '-host', '{eth0}', '-port', String(TOXIPROXY_API_PORT), '-config', toxiproxyConfigFile('{hostname}')];
  return [
    // -db: foreground for supervisor. No master-worker: restarted, never reloaded.
    { name: 'haproxy', command: '/usr/sbin/haproxy -db -f /etc/haproxy/haproxy.cfg', autostart: false, stopWaitSecs: 10, log: log('haproxy') },
    {
      name: 'keepalived',
      command: `/usr/sbin/keepalived -n -l -D -P -f /etc/keepalived/keepalived.conf -p ${run}/keepalived.pid -r ${run}/keepalived_vrrp.pid -c ${run}/keepalived_checkers.pid`,
      autostart: false,
      // Debian's keepalived.service has no Restart=: a crashed keepalived stays
      // down (its stale VIP with it) until someone starts it; restarting it here
      // would also race the reaping of its dead VRRP child.
      autorestart: false,
      stopWaitSecs: 10,
      log: log('keepalived'),
    },
    // Its proxies come from the config file the proxies step writes before the VM boots.
    { name: 'toxiproxy', command: toxiproxy.map((w) => (w.includes('{') ? w : shQuote(w))).join(' '), directory: PROJECT_ROOT, stopSignal: 'TERM', stopWaitSecs: 10, log: log('toxiproxy') },
  ];
}

/** The lab cloud's role definition (vmDriverOptions.roles.proxy). */
export function proxyRole(): { etc: string[]; programs: RoleProgram[] } {
  return { etc: ['haproxy', 'keepalived'], programs: proxyRolePrograms() };
}
