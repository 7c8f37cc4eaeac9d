// keepalived config and VIP holders of the controllers: VRRP instance VI_API on
// their admin leg (router id 10, ctl1 MASTER). The trove-mgmt VIPs' keepalived
// (VI_1..VI_3 on ha1/ha2) is rendered and pushed by `trove-ha provision`
// (lib/provision/render-keepalived.ts), see lab/steps/proxies.ts.
//
// Runs in the foreground under supervisor (-n -l -D, VRRP only -P) with private
// pid files; note recipe gotchas 8/9: the VRRP child's pid is in
// keepalived_vrrp.pid (a crash test must kill both), and a SIGKILLed keepalived
// leaves its VIP configured until it starts again.
import { join } from 'node:path';
import { run } from '../sh.ts';
import { labPaths } from '../paths.ts';
import { API_VIP, controllers, type LabNode } from '../plan.ts';

// VRRP PASS authentication travels in clear text; it only keeps the lab's
// instances from talking to strangers, it is not a secret (max 8 characters).
const AUTH_PASS = 'trovelab';

export interface Vip {
  name: string;
  address: string;
  ifname: string;
  instance: string;
  routerId: number;
  holders: string[];
  master: string;
}

export const vips: Vip[] = [{ name: 'api', address: API_VIP, ifname: 'eth0', instance: 'VI_API', routerId: 10, holders: controllers.map((c) => c.name), master: controllers[0]!.name }];

function instance(v: Vip, node: string): string {
  const isMaster = v.master === node;
  // Master 150; backups below it in holder order (ctl2 100, ctl3 50).
  const priority = isMaster ? 150 : 100 - 50 * v.holders.filter((h) => h !== v.master).indexOf(node);
  return `
vrrp_instance ${v.instance} {
    state ${isMaster ? 'MASTER' : 'BACKUP'}
    interface ${v.ifname}
    virtual_router_id ${v.routerId}
    priority ${priority}
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass ${AUTH_PASS}
    }
    virtual_ipaddress {
        ${v.address}/24 dev ${v.ifname}
    }
}
`;
}

export function keepalivedConfig(n: LabNode): string {
  return `# keepalived of lab node ${n.name} (trove-ha-lab), written by lab/steps/keepalived.ts.
global_defs {
    router_id ${n.name}
    enable_script_security
    script_user root
}
${vips.filter((v) => v.holders.includes(n.name)).map((v) => instance(v, n.name)).join('')}`;
}

export function keepalivedCommand(node: string): string {
  const runDir = labPaths.nodeRun(node);
  return `/usr/sbin/keepalived -n -l -D -P -f /etc/keepalived/keepalived.conf -p ${join(runDir, 'keepalived.pid')} -r ${join(runDir, 'keepalived_vrrp.pid')} -c ${join(runDir, 'keepalived_checkers.pid')}`;
}

/**
 * Nodes that have the VIP configured right now (more than one = split brain).
 * `namespaceOf` maps a holder to its network namespace (default: the node's
 * name; a lab cloud server's is vm-<server id>).
 */
export async function vipHolders(v: Vip, namespaceOf: (node: string) => string | undefined = (n) => n): Promise<string[]> {
  const held = await Promise.all(
    v.holders.map(async (h) => {
      const ns = namespaceOf(h);
      if (!ns) return undefined;
      const r = await run(['ip', '-n', ns, '-4', '-o', 'addr', 'show', 'dev', v.ifname], { allowFail: true, timeoutMs: 10_000 });
      return r.stdout.includes(` ${v.address}/`) ? h : undefined;
    }),
  );
  return held.filter((h): h is string => !!h);
}

/** Each VIP of `list` that does not have exactly one holder, as "VIP <address> held by <holders|nobody>". */
export async function vipGaps(list: readonly Vip[], namespaceOf?: (node: string) => string | undefined): Promise<string[]> {
  const out: string[] = [];
  for (const v of list) {
    const h = await vipHolders(v, namespaceOf);
    if (h.length !== 1) out.push(`VIP ${v.address} held by ${h.join('+') || 'nobody'}`);
  }
  return out;
}
