// A real Keystone and the lab cloud on loopback, registered in the Keystone
// catalog, plus an Environment whose admin credentials reach them: what the
// provisioning tests run the helpers against. Everything it starts is stopped
// by PID in stop().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../../lib/env/schema.ts';
import { openSessions } from '../../lib/openstack/sessions.ts';
import type { KeystoneSession } from '../../lib/openstack/keystone.ts';
import { freePort } from './free-port.ts';
import { labEnvWithProvision } from './provision-env.ts';
import { startLabCloud, type LabCloudProcess } from './lab-cloud-process.ts';
import { createUser, keystoneInstalled, registerCatalog, startRealKeystone, type RealKeystone } from './real-keystone.ts';

const HOST = '127.0.0.1';
const PASSWORD_VAR = 'TROVE_HA_TEST_LOOPBACK_ADMIN_PASSWORD';

export interface LoopbackCloud {
  dir: string;
  keystone: RealKeystone;
  cloud: LabCloudProcess;
  admin: KeystoneSession;
  /** environments/lab.yaml with keystone pointed here and `provision` as given. */
  env: Environment;
  stop(): Promise<void>;
}

export async function startLoopbackCloud(provision: Record<string, unknown>): Promise<LoopbackCloud> {
  if (!keystoneInstalled()) throw new Error('needs the Debian keystone packages (python3-keystone); not skipped, so a run without them cannot look green');
  const dir = mkdtempSync(join(tmpdir(), 'loopback-cloud-'));
  let keystone: RealKeystone | undefined;
  let cloud: LabCloudProcess | undefined;
  const stop = async () => {
    await cloud?.stop();
    await keystone?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    keystone = await startRealKeystone(join(dir, 'keystone'), HOST);
    const ports = { compute: await freePort(HOST), network: await freePort(HOST), image: await freePort(HOST), volume: await freePort(HOST) };
    await registerCatalog(keystone, [
      { type: 'compute', name: 'nova', url: `http://${HOST}:${ports.compute}/v2.1` },
      { type: 'network', name: 'neutron', url: `http://${HOST}:${ports.network}` },
      { type: 'image', name: 'glance', url: `http://${HOST}:${ports.image}` },
      { type: 'volumev3', name: 'cinderv3', url: `http://${HOST}:${ports.volume}/v3/%(tenant_id)s` },
    ]);
    await createUser(keystone, 'lab-cloud', 'lab-cloud-password', 'service', 'admin');
    writeFileSync(join(dir, 'lab-cloud.password'), 'lab-cloud-password\n');
    const configFile = join(dir, 'lab-cloud.yaml');
    writeFileSync(
      configFile,
      [
        `host: ${HOST}`,
        `ports: {compute: ${ports.compute}, network: ${ports.network}, image: ${ports.image}, volume: ${ports.volume}}`,
        'stateDir: state',
        'keystone:',
        `  authUrl: ${keystone.url}`,
        '  username: lab-cloud',
        '  passwordFile: lab-cloud.password',
        '',
      ].join('\n'),
    );
    cloud = await startLabCloud(configFile);
    process.env[PASSWORD_VAR] = keystone.adminPassword;
    const env = labEnvWithProvision(provision, (raw) => {
      raw.keystone.url = keystone!.url;
      raw.keystone.admin = { username: 'admin', password: { env: PASSWORD_VAR }, project: 'admin' };
      raw.keystone.tenant = { username: 'admin', password: { env: PASSWORD_VAR }, project: 'admin' };
    });
    const { admin } = openSessions(env);
    return { dir, keystone, cloud, admin, env, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Flavor, image and keypair the HAProxy VMs boot from, made over REST as an operator would beforehand. */
export async function seedBootRefs(admin: KeystoneSession, publicKey: string): Promise<void> {
  await admin.request('compute', 'POST', 'flavors', { json: { flavor: { name: 'lab.small', ram: 512, vcpus: 1, disk: 1 } } });
  await admin.request('compute', 'POST', 'os-keypairs', { json: { keypair: { name: 'trove-ha', public_key: publicKey } } });
  const image = (await admin.request<{ id: string }>('image', 'POST', 'v2/images', { json: { name: 'haproxy-node', disk_format: 'raw', container_format: 'bare' } })).body;
  await admin.request('image', 'PUT', `v2/images/${image.id}/file`, { body: Buffer.alloc(4096, 1), headers: { 'content-type': 'application/octet-stream' } });
}
