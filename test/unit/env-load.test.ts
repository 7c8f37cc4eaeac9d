import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment, parseEnvironment, ENVIRONMENTS_DIR } from '../../lib/env/load.ts';
import { ConfigError } from '../../lib/env/errors.ts';
import { environmentJsonSchema } from '../../lib/env/json-schema.ts';

function problemsOf(text: string): string[] {
  try {
    parseEnvironment(text, '/x/broken.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return err.problems;
  }
  assert.fail('the broken environment was accepted');
}

const labText = readFileSync(join(ENVIRONMENTS_DIR, 'lab.yaml'), 'utf8');

describe('environment files', () => {
  it('parses the lab environment with defaults filled in', () => {
    const { env } = loadEnvironment('lab');
    assert.equal(env.name, 'lab');
    assert.equal(env.destructive, true);
    assert.deepEqual(Object.keys(env.nodes), ['ctl1', 'ctl2', 'ctl3', 'ha1', 'ha2', 'probe1', 'probe2', 'probe3', 'cloud']);
    assert.equal(env.vips['trove-mgmt1']?.address, '198.18.10.5');
    assert.equal(env.timeouts.sshConnectMs, 10_000, 'a default fills a timeout the file leaves out');
    assert.equal(env.keystone.admin.userDomain, 'Default');
  });

  it('keeps every lab address inside 198.18.0.0/15', () => {
    const { env } = loadEnvironment('lab');
    const addresses = [...Object.values(env.nodes).map((n) => n.address), ...Object.values(env.vips).map((v) => v.address), env.galera!.endpoint.host, new URL(env.keystone.url).hostname];
    for (const a of addresses) assert.match(a, /^198\.(18|19)\./, `${a} is outside the lab range`);
  });

  it('parses the staging example, which is never contacted', () => {
    const { env } = loadEnvironment(join(ENVIRONMENTS_DIR, 'staging.example.yaml'));
    assert.equal(env.destructive, false);
    assert.equal(env.nodes.probe1?.ssh.jumpHost, 'ha1');
    assert.deepEqual(env.vips['trove-mgmt2']?.address, '10.50.1.5');
  });

  it('reports each problem on its own line with file, line, field path and what was expected', () => {
    const problems = problemsOf(['name: Bad', 'destructive: yes', 'keystone:', '  url: ftp://x', '  admin: { username: a, password: hunter2, project: p }', 'nodes:', '  ctl1: { address: 10.0.0.300 }', 'trove: { datastore: mysql, datastoreVersion: "5", flavor: f, extra: 1 }'].join('\n'));
    const expect = (re: RegExp) => assert.ok(problems.some((p) => re.test(p)), `no problem matches ${re}:\n${problems.join('\n')}`);
    expect(/^\/x\/broken\.yaml:1: name: a lower-case name/);
    expect(/^\/x\/broken\.yaml:2: destructive: expected boolean, got string "yes"/);
    expect(/keystone\.url: an http:\/\/ or https:\/\/ URL/);
    expect(/keystone\.admin\.password: expected a secret reference \{ env: VAR \} or \{ file: \/path \}/);
    expect(/keystone\.tenant: is missing/);
    expect(/:7: nodes\.ctl1\.address: an IPv4 address/);
    expect(/trove: unknown field "extra"/);
    assert.ok(problems.every((p) => !p.includes('hunter2')), 'a literal secret is never echoed back');
  });

  it('refuses references to nodes and services that do not exist', () => {
    const problems = problemsOf(labText.replace('holders: [ha1, ha2]\n    keepalived: { instance: VI_1', 'holders: [ha1, ha9]\n    keepalived: { instance: VI_1').replace('service: galera\n  clientCommand', 'service: mysqld\n  clientCommand'));
    assert.ok(problems.some((p) => /vips\.trove-mgmt1\.holders\.1: names node "ha9", which is not in nodes/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /galera\.service: names service "mysqld"/.test(p)), problems.join('\n'));
  });

  it("catches the documents' reused virtual_router_id on one segment", () => {
    const text = labText.replace(/(VI_2, service: keepalived, interface: )eth2, virtualRouterId: 52/, '$1eth1, virtualRouterId: 51').replace('holders: [ha2, ha1]', 'holders: [ha1, ha2]');
    const problems = problemsOf(text);
    assert.ok(problems.some((p) => /vips\.trove-mgmt2\.keepalived\.virtualRouterId: virtual_router_id 51 is already used by VIP "trove-mgmt1"/.test(p)), problems.join('\n'));
  });

  it('names a missing file and says what to pass instead', () => {
    assert.throws(() => loadEnvironment('no-such-site'), (err: unknown) => err instanceof ConfigError && /no-such-site\.yaml: no such environment file; pass --env/.test(err.message));
  });

  it('ships a JSON Schema that matches the zod schema (run `npm run schema` after changing it)', () => {
    const shipped = JSON.parse(readFileSync(join(ENVIRONMENTS_DIR, 'environment.schema.json'), 'utf8'));
    assert.deepEqual(shipped, JSON.parse(JSON.stringify(environmentJsonSchema())));
  });
});
