// Server state transitions driven by the VM driver, outside the request that
// asked for them (Nova answers 202 and works in the background):
// BUILD → ACTIVE (or ERROR with a fault), deleting → gone (404), reboot,
// stop/start; and after a lab-cloud restart, unfinished ones are resumed.
import type { Cloud } from '../cloud.ts';
import { isoMicros, isoSeconds } from '../ids.ts';
import type { CloudState, ServerRecord } from '../model.ts';
import type { VmPortInfo } from '../vm-driver.ts';
import { serverPorts } from './server-view.ts';

function update(cloud: Cloud, id: string, change: (s: ServerRecord, st: CloudState) => void): void {
  cloud.store.mutate((st) => {
    const server = st.servers.find((x) => x.id === id);
    if (server) {
      change(server, st);
      server.updated = isoSeconds();
    }
  });
}

function portInfo(st: CloudState, server: ServerRecord): VmPortInfo[] {
  return serverPorts(st, server).map((port) => ({
    port,
    network: st.networks.find((n) => n.id === port.network_id)!,
    subnets: (port.fixed_ips as { subnet_id: string }[]).map((f) => st.subnets.find((x) => x.id === f.subnet_id)!).filter(Boolean),
  }));
}

function fail(cloud: Cloud, id: string, e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  cloud.log.note(`server ${id}: VM driver failed: ${message}`);
  update(cloud, id, (s) => {
    Object.assign(s, { status: 'ERROR', vmState: 'error', taskState: null, powerState: 0 });
    s.fault = { code: 500, message, created: isoSeconds() };
  });
}

export async function boot(cloud: Cloud, id: string): Promise<void> {
  const st = cloud.store.state;
  const server = st.servers.find((x) => x.id === id);
  if (!server || server.deleting) return;
  update(cloud, id, (s) => (s.taskState = 'spawning'));
  const image = st.images.find((i) => i.base.id === server.imageId);
  const userData = server.userData === null ? null : Buffer.from(server.userData, 'base64');
  try {
    await cloud.driver.boot(server, portInfo(st, server), userData, image);
  } catch (e) {
    fail(cloud, id, e);
    return;
  }
  update(cloud, id, (s, state) => {
    if (s.deleting) return;
    Object.assign(s, { status: 'ACTIVE', vmState: 'active', taskState: null, powerState: 1 });
    s.launchedAt ??= isoMicros();
    for (const p of serverPorts(state, s)) Object.assign(p, { status: 'ACTIVE', 'binding:vif_type': 'ovs', 'binding:host_id': cloud.host });
  });
}

export async function destroy(cloud: Cloud, id: string): Promise<void> {
  const server = cloud.store.state.servers.find((x) => x.id === id);
  if (!server) return;
  try {
    await cloud.driver.destroy(server);
  } catch (e) {
    // Nova would leave the server in ERROR/deleting; the lab keeps going so a test can clean up.
    cloud.log.note(`server ${id}: VM driver destroy failed, removing the record anyway: ${e instanceof Error ? e.message : String(e)}`);
  }
  cloud.store.mutate((st) => {
    const s = st.servers.find((x) => x.id === id);
    if (!s) return;
    // Nova deletes the ports it created and unbinds the ones it was given.
    st.ports = st.ports.filter((p) => !s.createdPortIds.includes(p.id));
    for (const p of st.ports) {
      if (p.device_id === s.id) Object.assign(p, { device_id: '', device_owner: '', status: 'DOWN', 'binding:host_id': '', 'binding:vif_type': 'unbound' });
    }
    for (const g of st.serverGroups) g.members = g.members.filter((m) => m !== s.id);
    st.servers = st.servers.filter((x) => x.id !== id);
  });
}

export async function powerAction(cloud: Cloud, id: string, action: 'start' | 'stop' | 'reboot-soft' | 'reboot-hard'): Promise<void> {
  const server = cloud.store.state.servers.find((x) => x.id === id);
  if (!server) return;
  try {
    if (action === 'start') await cloud.driver.start(server);
    else if (action === 'stop') await cloud.driver.stop(server);
    else await cloud.driver.reboot(server, action === 'reboot-hard');
  } catch (e) {
    fail(cloud, id, e);
    return;
  }
  update(cloud, id, (s) => {
    if (action === 'stop') Object.assign(s, { status: 'SHUTOFF', vmState: 'stopped', taskState: null, powerState: 4 });
    else Object.assign(s, { status: 'ACTIVE', vmState: 'active', taskState: null, powerState: 1 });
  });
}

/** After a restart: finish deletes and builds, and believe the driver about what runs. */
export async function resume(cloud: Cloud): Promise<void> {
  for (const server of [...cloud.store.state.servers]) {
    if (server.deleting) await destroy(cloud, server.id);
    else if (server.status === 'BUILD') await boot(cloud, server.id);
    else if (server.status === 'ACTIVE' || server.status === 'SHUTOFF' || server.taskState !== null) {
      const power = await cloud.driver.status(server);
      update(cloud, server.id, (s) => {
        if (power === 'running') Object.assign(s, { status: 'ACTIVE', vmState: 'active', taskState: null, powerState: 1 });
        else if (power === 'error') Object.assign(s, { status: 'ERROR', vmState: 'error', taskState: null, powerState: 0 });
        else Object.assign(s, { status: 'SHUTOFF', vmState: 'stopped', taskState: null, powerState: 4 });
      });
    }
  }
}
