// Lab cloud compute microversion negotiation, as nova-api parses the headers.
import assert from 'node:assert/strict';
import { ApiError } from '../../lab/cloud/errors.ts';
import { atLeast, format, NOVA_MAX, NOVA_MIN, parseVersion, requestedVersion, versionHeaders } from '../../lab/cloud/microversion.ts';

const range = { min: NOVA_MIN, max: NOVA_MAX };
const ask = (headers: Record<string, string>) => format(requestedVersion(headers, 'compute', range, 'x-openstack-nova-api-version'));

describe('lab cloud microversions', () => {
  it('parses MAJOR.MINOR and nothing else', () => {
    assert.deepEqual(parseVersion('2.12'), { major: 2, minor: 12 });
    assert.equal(parseVersion('2.012'), undefined);
    assert.equal(parseVersion('2'), undefined);
    assert.equal(parseVersion('v2.1'), undefined);
  });

  it('no header means the minimum; latest means the maximum', () => {
    assert.equal(ask({}), '2.1');
    assert.equal(ask({ 'openstack-api-version': 'compute latest' }), NOVA_MAX);
  });

  it('reads the legacy header (novaclient as Trove uses it) and prefers OpenStack-API-Version', () => {
    assert.equal(ask({ 'x-openstack-nova-api-version': '2.12' }), '2.12');
    assert.equal(ask({ 'x-openstack-nova-api-version': '2.12', 'openstack-api-version': 'compute 2.60' }), '2.60');
    assert.equal(ask({ 'openstack-api-version': 'volume 3.5, compute 2.47' }), '2.47');
    assert.equal(ask({ 'openstack-api-version': 'volume 3.5' }), '2.1');
  });

  it('out of range is 406, malformed is 400, as Nova answers', () => {
    assert.throws(() => ask({ 'openstack-api-version': 'compute 3.0' }), (e) => e instanceof ApiError && e.status === 406 && /Minimum is 2.1 and maximum is 2.93/.test(e.message));
    assert.throws(() => ask({ 'x-openstack-nova-api-version': '2.999' }), (e) => e instanceof ApiError && e.status === 406);
    assert.throws(() => ask({ 'x-openstack-nova-api-version': 'two' }), (e) => e instanceof ApiError && e.status === 400);
  });

  it('compares numerically (2.9 < 2.47) and echoes both headers', () => {
    assert.equal(atLeast(parseVersion('2.9')!, '2.47'), false);
    assert.equal(atLeast(parseVersion('2.60')!, '2.47'), true);
    assert.deepEqual(versionHeaders('compute', parseVersion('2.12')!), {
      'openstack-api-version': 'compute 2.12',
      'x-openstack-nova-api-version': '2.12',
      vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    });
  });
});
