// Starts the lab cloud: loads the state, resumes unfinished server work, and
// opens one HTTP server per API (compute /v2.1, network /v2.0, image /v2,
// volumev3 /v3/{project_id}), like real OpenStack's separate endpoints.
import { join } from 'node:path';
import { KeystoneValidator, type TokenValidator } from './auth.ts';
import type { Cloud } from './cloud.ts';
import { computeRewrite, computeRouter } from './compute/index.ts';
import { resume } from './compute/lifecycle.ts';
import { keystonePassword, type LabCloudConfig } from './config.ts';
import { imageRouter } from './image/index.ts';
import { CINDER_MAX, CINDER_MIN, NOVA_MAX, NOVA_MIN } from './microversion.ts';
import { networkRewrite, networkRouter } from './network/index.ts';
import { RequestLog } from './request-log.ts';
import { startApiServer, type ApiServer } from './server.ts';
import { Store } from './store.ts';
import type { VmDriver } from './vm-driver.ts';
import { loadVmDriver } from './vm-loader.ts';
import { volumeRouter } from './volume/index.ts';

export interface LabCloud {
  cloud: Cloud;
  servers: ApiServer[];
  stop(): Promise<void>;
}

export async function startLabCloud(config: LabCloudConfig, options: { validator?: TokenValidator; driver?: VmDriver } = {}): Promise<LabCloud> {
  const host = config.publicHost ?? config.host;
  const url = (p: number) => `http://${host}:${p}`;
  const log = new RequestLog(config.logFile ?? join(config.stateDir, 'lab-cloud-requests.log'));
  const cloud: Cloud = {
    store: new Store(config.stateDir),
    driver: options.driver ?? (await loadVmDriver(config)),
    log,
    urls: { compute: url(config.ports.compute), network: url(config.ports.network), image: url(config.ports.image), volume: url(config.ports.volume) },
    region: config.region,
    host: config.computeHost,
  };
  const validator =
    options.validator ??
    new KeystoneValidator({
      authUrl: config.keystone.authUrl,
      username: config.keystone.username,
      password: keystonePassword(config),
      projectName: config.keystone.projectName,
      userDomainName: config.keystone.userDomainName,
      projectDomainName: config.keystone.projectDomainName,
      cacheSeconds: config.keystone.cacheSeconds,
    });
  log.note(`lab cloud starting (driver ${cloud.driver.name}, state ${cloud.store.file}, ${cloud.store.state.servers.length} servers)`);
  for (const line of (await cloud.driver.adopt?.(cloud.store.state.servers.map((s) => s.id))) ?? []) log.note(line);
  await resume(cloud);
  const common = { host: config.host, validator, log, authUrl: config.keystone.authUrl };
  const servers: ApiServer[] = [];
  try {
    servers.push(
      await startApiServer({
        ...common,
        kind: 'compute',
        port: config.ports.compute,
        baseUrl: cloud.urls.compute,
        router: computeRouter(cloud),
        rewrite: computeRewrite,
        microversion: { service: 'compute', min: NOVA_MIN, max: NOVA_MAX, legacyHeader: 'x-openstack-nova-api-version' },
      }),
    );
    servers.push(await startApiServer({ ...common, kind: 'network', port: config.ports.network, baseUrl: cloud.urls.network, router: networkRouter(cloud), rewrite: networkRewrite }));
    servers.push(await startApiServer({ ...common, kind: 'image', port: config.ports.image, baseUrl: cloud.urls.image, router: imageRouter(cloud, config.keepImageData) }));
    servers.push(
      await startApiServer({
        ...common,
        kind: 'volume',
        port: config.ports.volume,
        baseUrl: cloud.urls.volume,
        router: volumeRouter(cloud),
        microversion: { service: 'volume', min: CINDER_MIN, max: CINDER_MAX },
      }),
    );
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    await log.close();
    throw e;
  }
  return {
    cloud,
    servers,
    async stop() {
      await Promise.all(servers.map((s) => s.close()));
      await log.close();
    },
  };
}
