// A schema-valid Environment for tests that only need nodes, services and
// timeouts; the OpenStack parts point at an unused loopback address.
import { environmentSchema, type Environment } from '../../lib/env/schema.ts';

export interface TestEnvironmentParts {
  ssh?: Record<string, unknown>;
  nodes: Record<string, unknown>;
  services?: Record<string, unknown>;
  timeouts?: Record<string, number>;
}

export function testEnvironment(parts: TestEnvironmentParts): Environment {
  const credentials = { username: 'unused', password: { env: 'TROVE_HA_TEST_UNUSED' }, project: 'unused' };
  return environmentSchema.parse({
    name: 'test',
    destructive: false,
    keystone: { url: 'http://127.0.0.1:9/v3', admin: credentials, tenant: credentials },
    ssh: parts.ssh ?? {},
    nodes: parts.nodes,
    // The schema wants trove's services to exist; an empty one satisfies it.
    services: { unused: { driver: 'signal', instances: {} }, ...parts.services },
    trove: {
      datastore: 'mysql',
      datastoreVersion: '5.7',
      flavor: 'test',
      services: { api: 'unused', taskmanager: 'unused', conductor: 'unused' },
    },
    timeouts: parts.timeouts ?? {},
  });
}
