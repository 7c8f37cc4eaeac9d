// GET /servers/{id}/os-interface: the server's ports as Nova reports them.
import type { Cloud } from '../cloud.ts';
import { notFound } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import type { NeutronResource } from '../model.ts';
import { json, type Router } from '../router.ts';
import { serverPorts } from './server-view.ts';
import { findServer } from './servers.ts';

function view(p: NeutronResource, v: Microversion): Record<string, unknown> {
  const out: Record<string, unknown> = {
    port_state: p.status,
    fixed_ips: p.fixed_ips,
    port_id: p.id,
    net_id: p.network_id,
    mac_addr: p.mac_address,
  };
  if (atLeast(v, '2.70')) out.tag = null;
  return out;
}

export function registerInterfaces(router: Router, cloud: Cloud): void {
  router.add('GET', '/v2.1/servers/:id/os-interface', (ctx) => {
    const s = findServer(cloud.store.state, ctx.params.id!, ctx.identity);
    return json(200, { interfaceAttachments: serverPorts(cloud.store.state, s).map((p) => view(p, ctx.microversion)) });
  });
  router.add('GET', '/v2.1/servers/:id/os-interface/:port', (ctx) => {
    const s = findServer(cloud.store.state, ctx.params.id!, ctx.identity);
    const p = serverPorts(cloud.store.state, s).find((x) => x.id === ctx.params.port);
    if (!p) throw notFound(`Port ${ctx.params.port} is not attached`);
    return json(200, { interfaceAttachment: view(p, ctx.microversion) });
  });
}
