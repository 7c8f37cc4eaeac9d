// Lab cloud IPv4 address management, as Neutron's IPAM.
import assert from 'node:assert/strict';
import { ApiError } from '../../lab/cloud/errors.ts';
import { checkRequested, defaultGateway, defaultPools, firstFree, parseCidr, validateCidr, validatePools } from '../../lab/cloud/network/ipam.ts';
import type { Identity } from '../../lab/cloud/auth.ts';
import { emptyState } from '../../lab/cloud/model.ts';
import { createNetwork } from '../../lab/cloud/network/networks.ts';
import { createPort } from '../../lab/cloud/network/ports.ts';
import { createSubnet } from '../../lab/cloud/network/subnets.ts';

const admin: Identity = { token: 't', userId: 'u', userName: 'admin', projectId: 'p', projectName: 'admin', roles: ['admin'], isAdmin: true, expiresAt: 0 };
const status = (e: unknown) => (e instanceof ApiError ? `${e.status} ${e.neutronType}` : String(e));

describe('lab cloud IPAM', () => {
  it('default gateway is the first host; the default pool skips network, gateway and broadcast', () => {
    const c = validateCidr('198.18.10.0/24');
    assert.equal(defaultGateway(c), '198.18.10.1');
    assert.deepEqual(defaultPools(c, '198.18.10.1'), [{ start: '198.18.10.2', end: '198.18.10.254' }]);
    assert.deepEqual(defaultPools(c, null), [{ start: '198.18.10.1', end: '198.18.10.254' }]);
    assert.deepEqual(defaultPools(c, '198.18.10.100'), [
      { start: '198.18.10.1', end: '198.18.10.99' },
      { start: '198.18.10.101', end: '198.18.10.254' },
    ]);
  });

  it('refuses a CIDR with host bits set, and pools outside the CIDR, overlapping or holding the gateway', () => {
    assert.throws(() => validateCidr('10.0.0.5/24'), /'10.0.0.0\/24' is recommended/);
    const c = parseCidr('198.18.10.0/24')!;
    assert.throws(() => validatePools(c, [{ start: '198.18.10.6', end: '198.18.11.1' }], null), /spans beyond the subnet cidr/);
    assert.throws(() => validatePools(c, [{ start: '198.18.10.6', end: '198.18.10.9' }, { start: '198.18.10.9', end: '198.18.10.20' }], null), /overlapping allocation pools/);
    assert.throws(() => validatePools(c, [{ start: '198.18.10.1', end: '198.18.10.9' }], '198.18.10.5'), (e) => status(e) === '409 GatewayConflictWithAllocationPools');
  });

  it('allocates the first free address of the pools, in order, and reports exhaustion', () => {
    const pools = [{ start: '198.18.10.6', end: '198.18.10.7' }, { start: '198.18.10.20', end: '198.18.10.20' }];
    assert.equal(firstFree(pools, new Set()), '198.18.10.6');
    assert.equal(firstFree(pools, new Set(['198.18.10.6', '198.18.10.7'])), '198.18.10.20');
    assert.equal(firstFree(pools, new Set(['198.18.10.6', '198.18.10.7', '198.18.10.20'])), undefined);
  });

  it('a requested address must be in the subnet, not the gateway, not taken (outside the pool is fine)', () => {
    const c = parseCidr('198.18.10.0/24')!;
    assert.equal(checkRequested(c, '198.18.10.5', '198.18.10.1', new Set(), 's'), '198.18.10.5');
    assert.throws(() => checkRequested(c, '198.18.11.5', null, new Set(), 's'), (e) => status(e) === '400 InvalidIpForSubnet');
    assert.throws(() => checkRequested(c, '198.18.10.255', null, new Set(), 's'), (e) => status(e) === '400 InvalidIpForSubnet');
    assert.throws(() => checkRequested(c, '198.18.10.1', '198.18.10.1', new Set(), 's'), (e) => status(e) === '409 IpAddressAlreadyAllocated');
    assert.throws(() => checkRequested(c, '198.18.10.9', null, new Set(['198.18.10.9']), 's'), (e) => status(e) === '409 IpAddressAlreadyAllocated');
  });

  it('ports get pool addresses in order until the pool is exhausted (409 IpAddressGenerationFailure)', () => {
    const s = emptyState();
    const net = createNetwork(s, { name: 'mgmt' }, admin);
    const sub = createSubnet(s, { network_id: net.id, cidr: '198.18.10.0/24', gateway_ip: null, allocation_pools: [{ start: '198.18.10.6', end: '198.18.10.8' }] }, admin);
    const vip = createPort(s, { network_id: net.id, fixed_ips: [{ subnet_id: sub.id, ip_address: '198.18.10.5' }] }, admin);
    const ips = [1, 2, 3].map(() => (createPort(s, { network_id: net.id }, admin).fixed_ips as { ip_address: string }[])[0]!.ip_address);
    assert.deepEqual((vip.fixed_ips as { ip_address: string }[]).map((f) => f.ip_address), ['198.18.10.5']);
    assert.deepEqual(ips, ['198.18.10.6', '198.18.10.7', '198.18.10.8']);
    assert.throws(() => createPort(s, { network_id: net.id }, admin), (e) => status(e) === '409 IpAddressGenerationFailure');
    assert.throws(() => createPort(s, { network_id: net.id, fixed_ips: [{ ip_address: '198.18.10.7' }] }, admin), (e) => status(e) === '409 IpAddressAlreadyAllocated');
    assert.match(String(createPort(s, { network_id: net.id, fixed_ips: [{ ip_address: '198.18.10.200' }] }, admin).mac_address), /^fa:16:3e(:[0-9a-f]{2}){3}$/);
  });
});
