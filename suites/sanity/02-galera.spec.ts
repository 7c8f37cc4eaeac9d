// Galera as seed 001 deploys it: three nodes, one Primary component, all
// Synced; clients reach it through the load-balanced endpoint.
import assert from 'node:assert/strict';
import { createConnection } from 'mysql2/promise';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step } from '../../lib/report/allure.ts';
import { readGalera, judgeGalera } from '../../lib/checks/galera.ts';
import { expectHealthy } from '../../lib/checks/assert.ts';
import { resolveSecret } from '../../lib/env/secrets.ts';

describe('sanity: Galera', () => {
  let site: Site;
  before(function () {
    site = openSite();
    if (!site.env.galera) this.skip(); // the environment declares no Galera cluster: nothing to check
  });
  after(() => site?.close());

  it('every node is Primary, Synced, in a cluster of all nodes', async () => {
    await place({ epic: 'Sanity', feature: 'Galera', story: 'cluster state' });
    const g = site.env.galera!;
    const states = await step('read wsrep status on every node', () => readGalera(site.remote, g.nodes, g.clientCommand));
    await expectHealthy('Galera', judgeGalera(states, { members: g.nodes }));
  });

  it('accepts a write and reads it back through the load-balanced endpoint', async () => {
    await place({ epic: 'Sanity', feature: 'Galera', story: 'SQL through the endpoint' });
    const g = site.env.galera!;
    const password = resolveSecret(g.probeUser.password, 'galera.probeUser.password');
    const conn = await step(`connect to ${g.endpoint.host}:${g.endpoint.port} as ${g.probeUser.username}`, () =>
      createConnection({ host: g.endpoint.host, port: g.endpoint.port, user: g.probeUser.username, password, database: g.probeDatabase, connectTimeout: 10_000 }),
    );
    try {
      const key = `sanity-${site.ctx.runId}`;
      await step('write a row and read it back', async () => {
        await conn.query('CREATE TABLE IF NOT EXISTS sanity (k VARCHAR(64) PRIMARY KEY, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))');
        await conn.query('REPLACE INTO sanity (k) VALUES (?)', [key]);
        const [rows] = await conn.query('SELECT k, @@wsrep_node_name AS node FROM sanity WHERE k = ?', [key]);
        assert.equal((rows as Array<{ k: string }>).length, 1, 'the row just written is not there');
        await conn.query('DELETE FROM sanity WHERE k = ?', [key]);
      });
    } finally {
      await conn.end();
    }
  });
});
