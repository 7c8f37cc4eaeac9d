// keepalived.conf of a trove-mgmt HAProxy node: one vrrp_instance per
// trove-mgmt network of its cluster, each with its own virtual_router_id from
// the environment, MASTER on the VIP's first holder only (the documents' sample
// reused id 51 and declared two MASTERs; the schema and the lint refuse both).
import type { Environment, VipDef } from '../env/schema.ts';
import { resolveSecret } from '../env/secrets.ts';
import { provisionOf } from './desired.ts';
import { clusterOf } from './render-haproxy.ts';

export const MASTER_PRIORITY = 150;

/** Master 150; backups from keepalived.backupPriority down by 50 in holder order. */
export function priorityOf(vip: VipDef, node: string): number {
  if (vip.holders[0] === node) return MASTER_PRIORITY;
  const backups = vip.holders.slice(1);
  const i = backups.indexOf(node);
  return Math.max(1, vip.keepalived.backupPriority - 50 * (i < 0 ? backups.length : i));
}

export function renderKeepalivedConfig(env: Environment, node: string): string {
  const p = provisionOf(env);
  const authPass = p.keepalived.authPass ? resolveSecret(p.keepalived.authPass, 'provision.keepalived.authPass') : undefined;
  if (authPass !== undefined && (authPass.length === 0 || authPass.length > 8)) throw new Error('provision.keepalived.authPass: VRRP PASS authentication takes 1 to 8 characters');
  const instances = clusterOf(env, node).networks.map((net) => {
    const vip = env.vips[p.managementNetworks.find((m) => m.name === net)!.vip]!;
    const k = vip.keepalived;
    const auth = authPass ? `    authentication {\n        auth_type PASS\n        auth_pass ${authPass}\n    }\n` : '';
    return `
vrrp_instance ${k.instance} {
    state ${vip.holders[0] === node ? 'MASTER' : 'BACKUP'}
    interface ${k.interface}
    virtual_router_id ${k.virtualRouterId}
    priority ${priorityOf(vip, node)}
    advert_int ${k.advertIntSeconds}
${auth}    virtual_ipaddress {
        ${vip.address}/${vip.prefixLength} dev ${k.interface}
    }
}
`;
  });
  return `# keepalived of ${node}, trove-mgmt proxy of ${env.name}; written by trove-ha provision (lib/provision/render-keepalived.ts).
global_defs {
    router_id ${node}
    # The second burst of gratuitous ARPs a new MASTER sends comes 1 s after it
    # took over, not keepalived's default 5 s: seen in the lab, the old backup's
    # delayed burst went out in the same second as the healed MASTER's preempt
    # back, guests kept the backup's MAC for the VIP, and lost it for 5 s.
    vrrp_garp_master_delay 1
    enable_script_security
    script_user root
}
${instances.join('')}`;
}
