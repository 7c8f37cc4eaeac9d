// Configured roles of the namespace micro-VM driver (vmDriverOptions.roles):
// option validation, trove_role → role, {hostname}/{eth0} expansion and the
// supervisord program files; the README's config example stays valid.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ImageRecord } from '../../lab/cloud/model.ts';
import { parseNamespaceOptions } from '../../lab/cloud/vm/options.ts';
import { expandProgram, firstIpv4, programConfig, roleOf } from '../../lab/cloud/vm/roles.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const img = (p: Record<string, string>) => ({ base: { id: 'i1', owner: null, status: 'active', visibility: 'public', tags: [] }, properties: p }) as ImageRecord;
const proxy = { etc: ['haproxy', 'keepalived'], programs: [{ name: 'haproxy', command: '/usr/sbin/haproxy -db -f /etc/haproxy/haproxy.cfg', autostart: false, stopWaitSecs: 10, log: '/var/lib/x/{hostname}/log/haproxy.log' }] };
const fails = (o: Record<string, unknown>, re: RegExp) => assert.throws(() => parseNamespaceOptions(o, '/s'), re);

describe('lab cloud namespace VM driver: configured roles', () => {
  it('options: roles default to none; a role gets its defaults (programs [], etc [], autostart true, autorestart true)', () => {
    assert.deepEqual(parseNamespaceOptions({}, '/s').roles, {});
    const o = parseNamespaceOptions({ roles: { proxy, bare: {} } }, '/s');
    assert.deepEqual(o.roles.bare, { programs: [], etc: [] });
    assert.deepEqual(o.roles.proxy!.programs[0], { ...proxy.programs[0], autorestart: true });
    assert.equal(parseNamespaceOptions({ roles: { p: { programs: [{ name: 'a', command: 'x' }] } } }, '/s').roles.p!.programs[0]!.autostart, true);
    assert.equal(parseNamespaceOptions({ roles: { p: {} }, defaultRole: 'p' }, '/s').defaultRole, 'p', 'a configured role may be the default');
  });

  it('options: clear refusals', () => {
    fails({ roles: { node: {} } }, /roles\.node: node is a built-in role/);
    fails({ roles: { Proxy: {} } }, /roles\.Proxy: a role name: lowercase/);
    fails({ roles: { p: { etc: ['ssh'] } } }, /roles\.p\.etc\.0: \/etc\/ssh is written by the driver/);
    fails({ roles: { p: { etc: ['a/b'] } } }, /roles\.p\.etc\.0: an \/etc entry name/);
    fails({ roles: { p: { etc: ['..'] } } }, /roles\.p\.etc\.0/);
    fails({ roles: { p: { programs: [{ name: 'a', command: 'x' }, { name: 'a', command: 'y' }] } } }, /program a is listed twice/);
    fails({ roles: { p: { programs: [{ name: 'a', command: 'x', log: 'rel/a.log' }] } } }, /programs\.0\.log: an absolute path/);
    fails({ roles: { p: { programs: [{ name: 'a', command: 'x\nautostart=false' }] } } }, /programs\.0\.command: one line/);
    fails({ roles: { p: { programs: [{ name: 'a', command: 'x', autorestart: 'always' }] } } }, /autorestart/);
    fails({ roles: { p: { programs: [{ name: 'a', command: 'x', stopSignal: 'SIGTERM' }] } } }, /stopSignal/);
    fails({ roles: { p: { programs: [{ name: 'a', command: 'x', user: 'root' }] } } }, /programs\.0/);
    fails({ defaultRole: 'proxy' }, /defaultRole: proxy is not a role: database, node/);
  });

  it('trove_role: database, node, a configured role; an unknown one names them all', () => {
    const roles = parseNamespaceOptions({ roles: { proxy } }, '/s').roles;
    assert.equal(roleOf(img({ trove_role: 'proxy' }), 'node', roles), 'proxy');
    assert.equal(roleOf(img({ trove_role: 'database' }), 'node', roles), 'database');
    assert.equal(roleOf(img({}), 'node', roles), 'node');
    assert.throws(() => roleOf(img({ trove_role: 'router' }), 'node', roles), /image i1 has trove_role=router; the lab knows database, node and the roles configured in vmDriverOptions\.roles: proxy/);
    assert.throws(() => roleOf(img({ trove_role: 'constructor' }), 'node', roles), /trove_role=constructor/, 'not an Object.prototype key');
  });

  it('{hostname} and {eth0} expanded in command, directory and log; other braces kept; {eth0} without an address fails', () => {
    const p = parseNamespaceOptions({ roles: { r: { programs: [{ name: 'k', command: "sh -c 'echo {hostname} {eth0} | awk \"{print $1}\"'", directory: '/var/lib/x/{hostname}', log: '/var/lib/x/{hostname}/log/k.log' }] } } }, '/s').roles.r!.programs[0]!;
    assert.deepEqual(expandProgram('r', p, { hostname: 'ha1', eth0: '198.18.10.11' }), {
      name: 'k',
      command: "sh -c 'echo ha1 198.18.10.11 | awk \"{print $1}\"'",
      directory: '/var/lib/x/ha1',
      autostart: true,
      autorestart: true,
      log: '/var/lib/x/ha1/log/k.log',
    });
    assert.throws(() => expandProgram('r', p, { hostname: 'ha1', eth0: undefined }), /role r, program k: its command uses \{eth0\}, but this VM has no IPv4 address on eth0/);
    assert.equal(firstIpv4(['fd00::5/64', '198.18.10.11/24', '198.18.10.12/24']), '198.18.10.11');
    assert.equal(firstIpv4([]), undefined);
  });

  it('program files: the role\'s values; the database guest agent\'s defaults unchanged', () => {
    const l = { log: '/v/id/log' };
    const conf = programConfig(l, { name: 'keepalived', command: '/usr/sbin/keepalived -p /run/%p.pid', autostart: false, autorestart: false, stopSignal: 'TERM', stopWaitSecs: 10, log: '/var/lib/x/ha1/log/keepalived.log' });
    assert.match(conf, /^\[program:keepalived\]$/m);
    assert.match(conf, /^command=\/usr\/sbin\/keepalived -p \/run\/%%p\.pid$/m, 'supervisord % escaped');
    assert.match(conf, /^autostart=false$/m);
    assert.match(conf, /^autorestart=false$/m);
    assert.match(conf, /^stopsignal=TERM$/m);
    assert.match(conf, /^stopwaitsecs=10$/m);
    assert.match(conf, /^redirect_stderr=true$/m);
    assert.match(conf, /^stdout_logfile=\/var\/lib\/x\/ha1\/log\/keepalived\.log$/m);
    assert.match(programConfig(l, { name: 'a', command: 'x', autorestart: true }), /^autorestart=true$/m);
    const guest = programConfig(l, { name: 'guest-agent', command: 'node g.ts', directory: '/repo' });
    assert.deepEqual(
      guest.split('\n').filter((x) => /^(autostart|autorestart|stopwaitsecs|stdout_logfile|directory|stopsignal)=/.test(x)),
      ['directory=/repo', 'autostart=true', 'autorestart=unexpected', 'stopwaitsecs=30', 'stdout_logfile=/v/id/log/guest-agent.log'],
    );
  });

  it("the README's config example (the lab's proxy role) is valid", () => {
    const readme = readFileSync(join(ROOT, 'lab', 'cloud', 'vm', 'README.md'), 'utf8');
    const block = /## Config \(lab cloud YAML\)\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'the config section has a yaml block');
    const doc = parseYaml(block) as { vmDriver: string; vmDriverOptions: Record<string, unknown> };
    const o = parseNamespaceOptions(doc.vmDriverOptions, '/s');
    const ha = o.roles.proxy!;
    assert.deepEqual(ha.etc, ['haproxy', 'keepalived']);
    assert.deepEqual(
      ha.programs.map((p) => [p.name, p.autostart, p.autorestart]),
      [
        ['haproxy', false, true],
        ['keepalived', false, false],
      ],
    );
    const example = readFileSync(join(ROOT, 'lab', 'cloud', 'example-config.yaml'), 'utf8');
    for (const p of ha.programs) assert.ok(example.includes(p.command), `example-config.yaml has the same ${p.name} command`);
  });
});
