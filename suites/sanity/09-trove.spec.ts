// Trove's control plane as the documents deploy it: through the site's database
// endpoint (the API VIP) the Trove user lists datastores (the configured one is
// there) and instances; every trove-api/taskmanager/conductor instance the
// environment declares runs (its service-control driver says so, over SSH); and
// the taskmanagers and conductors consume their RPC queues on RabbitMQ.
import assert from 'node:assert/strict';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step, attachJson } from '../../lib/report/allure.ts';
import { DatabaseClient } from '../../lib/openstack/database.ts';
import { ServiceControl } from '../../lib/topology/service-control.ts';

describe('sanity: Trove', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  it('the Trove user lists datastores (the configured one included) and instances through the database endpoint', async () => {
    await place({ epic: 'Sanity', feature: 'Trove', story: 'API through the VIP' });
    const trove = new DatabaseClient(site.openstack.tenant);
    const want = site.env.trove;
    const datastores = await step('GET /datastores', () => trove.listDatastores());
    await attachJson('datastores', datastores.map((d) => ({ name: d.name, versions: d.versions.map((v) => v.name) })));
    const ds = datastores.find((d) => d.name === want.datastore);
    assert.ok(ds, `datastore ${want.datastore} is not registered (have: ${datastores.map((d) => d.name).join(', ') || 'none'})`);
    if (want.datastoreVersion) assert.ok(ds.versions.some((v) => v.name === want.datastoreVersion), `datastore ${want.datastore} has no version ${want.datastoreVersion}`);
    const instances = await step('GET /instances', () => trove.listInstances());
    assert.ok(Array.isArray(instances), 'GET /instances did not return a list');
  });

  it('every trove-api, taskmanager and conductor instance is running', async () => {
    await place({ epic: 'Sanity', feature: 'Trove', story: 'services running' });
    const control = new ServiceControl(site.env, site.remote);
    const services = Object.values(site.env.trove.services);
    const notRunning: string[] = [];
    let count = 0;
    for (const service of services) {
      const def = site.env.services[service];
      assert.ok(def, `the environment declares no service ${service}`);
      for (const node of Object.keys(def.instances)) {
        const s = await step(`${service} on ${node}: status`, () => control.status(service, node));
        count += 1;
        if (!s.running) notRunning.push(`${service} on ${node}: ${s.state}`);
      }
    }
    assert.ok(count >= services.length, 'no Trove service instance declared');
    assert.deepEqual(notRunning, [], 'Trove services not running');
  });

  it('taskmanagers and conductors consume their RPC queues', async function () {
    await place({ epic: 'Sanity', feature: 'Trove', story: 'RPC consumers' });
    const mq = site.env.rabbitmq;
    if (!mq) this.skip(); // no RabbitMQ cluster declared: nothing to ask
    const node = Object.keys(mq!.nodes)[0]!;
    const r = await step(`${node}: ${mq!.ctlCommand} list_consumers -p trove`, () => site.remote.exec(node, `${mq!.ctlCommand} -q list_consumers -p trove queue_name`, { timeoutMs: 30_000 }));
    const queues = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    const count = (q: string) => queues.filter((x) => x === q).length;
    await attachJson('consumers per queue', { taskmanager: count('taskmanager'), 'trove-conductor': count('trove-conductor') });
    const tm = Object.keys(site.env.services[site.env.trove.services.taskmanager]?.instances ?? {}).length;
    const cd = Object.keys(site.env.services[site.env.trove.services.conductor]?.instances ?? {}).length;
    assert.ok(count('taskmanager') >= tm, `queue taskmanager has ${count('taskmanager')} consumers, want ${tm} (one per taskmanager)`);
    assert.ok(count('trove-conductor') >= cd, `queue trove-conductor has ${count('trove-conductor')} consumers, want ${cd} (one per conductor)`);
  });
});
