// Environments for the provisioning tests: environments/lab.yaml (the lab's
// VIPs, RabbitMQ nodes and controllers) plus a provision section describing the
// lab's HAProxy tier as `trove-ha provision` would build it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { environmentSchema, type Environment } from '../../lib/env/schema.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** lab.yaml with `provision` set; `edit` may change the raw document first (keystone, VIPs...). */
export function labEnvWithProvision(provision: Record<string, unknown>, edit?: (raw: Record<string, any>) => void): Environment {
  const raw = parse(readFileSync(join(ROOT, 'environments/lab.yaml'), 'utf8')) as Record<string, any>;
  raw.provision = provision;
  edit?.(raw);
  return environmentSchema.parse(raw);
}

/** The lab's provision section: admin-mgmt as a VLAN on physnet1, the three trove-mgmt networks, ha1/ha2. */
export function labProvisionSection(): Record<string, unknown> {
  return {
    adminNetwork: { name: 'admin-mgmt', networkType: 'vlan', physicalNetwork: 'physnet1', segmentationId: 1029, cidr: '198.18.0.0/24', allocationPool: { start: '198.18.0.100', end: '198.18.0.200' } },
    managementNetworks: [
      { name: 'trove-mgmt1', cidr: '198.18.10.0/24', vip: 'trove-mgmt1' },
      { name: 'trove-mgmt2', cidr: '198.18.11.0/24', vip: 'trove-mgmt2' },
      { name: 'trove-mgmt3', cidr: '198.18.12.0/24', vip: 'trove-mgmt3' },
    ],
    securityGroup: 'trove-mgmt-group',
    servers: { image: 'haproxy-node', flavor: 'lab.small', keypair: 'trove-ha' },
    clusters: [
      {
        members: [
          { node: 'ha1', addresses: { 'trove-mgmt1': '198.18.10.2', 'trove-mgmt2': '198.18.11.2', 'trove-mgmt3': '198.18.12.2' } },
          { node: 'ha2', addresses: { 'trove-mgmt1': '198.18.10.3', 'trove-mgmt2': '198.18.11.3', 'trove-mgmt3': '198.18.12.3' } },
        ],
        networks: ['trove-mgmt1', 'trove-mgmt2', 'trove-mgmt3'],
      },
    ],
    swift: { nodes: ['ctl1', 'ctl2', 'ctl3'], port: 8080 },
    // The lab's HAProxy runs under supervisor and logs to stdout (its supervisor log).
    haproxy: { log: 'stdout' },
  };
}

