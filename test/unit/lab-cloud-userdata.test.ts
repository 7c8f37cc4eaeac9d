// user_data → files + commands for the namespace micro-VM driver, on the
// exact bytes Trove 18 sends: test/fixtures/lab-cloud/trove-userdata.txt is
// the output of trove-userdata.py, which runs Trove's own
// get_injected_files() + _create_server() on the documents' percona.cloudinit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseUserData } from '../../lab/cloud/vm/user-data.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'lab-cloud');
const troveUserData = () => readFileSync(join(FIX, 'trove-userdata.txt'));
const cloudinit = () => readFileSync(join(FIX, 'cloudinit', 'mysql.cloudinit'), 'utf8');

describe('lab cloud VM user_data', () => {
  it('the fixture is what Trove 18 really builds (regenerated with /usr/bin/python3 and python3-trove when installed)', function () {
    if (!existsSync('/usr/lib/python3/dist-packages/trove/taskmanager/models.py')) this.skip();
    const r = spawnSync('/usr/bin/python3', [join(FIX, 'trove-userdata.py'), join(FIX, 'cloudinit'), join(FIX, 'trove-guestagent.conf'), 'mysql'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, troveUserData().toString('utf8'));
  });

  it("Trove's shape: the .cloudinit script with a #cloud-config document appended, not MIME", () => {
    const text = troveUserData().toString('utf8');
    assert.ok(text.startsWith(cloudinit()), 'starts with the cloudinit file verbatim');
    assert.match(text.slice(cloudinit().length), /^#cloud-config\nwrite_files:\n- encoding: b64\n {2}owner: ubuntu:root\n {2}path: \/etc\/trove\/conf\.d\/guest_info\.conf\n/);
  });

  it('split (the lab default): the script runs, the injected files are written, and a warning says cloud-init would not', () => {
    const p = parseUserData(troveUserData(), { splitAppendedCloudConfig: true });
    assert.deepEqual(
      p.files.map((f) => [f.path, f.owner, f.permissions.toString(8), f.append]),
      [
        ['/etc/trove/conf.d/guest_info.conf', 'ubuntu:root', '644', false],
        ['/etc/trove/conf.d/trove-guestagent.conf', 'ubuntu:root', '644', false],
      ],
    );
    const info = p.files[0]!.content.toString('utf8');
    assert.match(info, /^\[DEFAULT\]\nguest_id=11111111-2222-3333-4444-555555555555\ndatastore_manager=mysql\ndatastore_version=10\.6\ntenant_id=tenant-0000\ninstance_rpc_encr_key=fixed-rpc-key-0123456789abcdef\n$/);
    assert.equal(p.files[1]!.content.toString('utf8'), readFileSync(join(FIX, 'trove-guestagent.conf'), 'utf8'));
    assert.equal(p.commands.length, 1);
    assert.deepEqual([p.commands[0]!.name, p.commands[0]!.stage], ['part-001', 'final']);
    assert.equal(p.commands[0]!.script, cloudinit(), 'the script is the cloudinit file exactly, without the YAML');
    assert.equal(p.warnings.length, 1);
    assert.match(p.warnings[0]!, /Real cloud-init runs it all as ONE shell script/);
  });

  it('faithful (split off): one shell script holding the YAML lines too, no files — what real cloud-init does', () => {
    const p = parseUserData(troveUserData(), { splitAppendedCloudConfig: false });
    assert.equal(p.files.length, 0);
    assert.equal(p.commands.length, 1);
    assert.equal(p.commands[0]!.script, troveUserData().toString('utf8'));
  });

  it('a plain #cloud-config: write_files encodings, owner, permissions (YAML 1.1 octal), append, defer; runcmd and bootcmd in cloud-init order', () => {
    const gz = gzipSync(Buffer.from('zipped\n')).toString('base64');
    const p = parseUserData(
      [
        '#cloud-config',
        'runcmd:',
        '  - echo one',
        "  - [sh, -c, \"echo 'two words'\"]",
        'bootcmd:',
        '  - echo early',
        'write_files:',
        '  - path: /etc/hosts',
        '    content: "10.0.0.5 proxy.polex.io\\n"',
        '    append: true',
        '  - path: /opt/app/secret',
        '    encoding: base64',
        `    content: ${Buffer.from('s3cret').toString('base64')}`,
        '    owner: nobody:nogroup',
        '    permissions: 0600',
        '  - path: /opt/app/zipped',
        '    encoding: gz+b64',
        `    content: ${gz}`,
        "    permissions: '0755'",
        '  - path: /opt/app/late',
        '    defer: true',
        '  - content: no path',
        'ssh_authorized_keys: [ssh-ed25519 AAAA test]',
        'packages: [mariadb-server]',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      p.files.map((f) => [f.path, f.content.toString('utf8'), f.owner, f.permissions.toString(8), f.append, f.defer]),
      [
        ['/etc/hosts', '10.0.0.5 proxy.polex.io\n', 'root:root', '644', true, false],
        ['/opt/app/secret', 's3cret', 'nobody:nogroup', '600', false, false],
        ['/opt/app/zipped', 'zipped\n', 'root:root', '755', false, false],
        ['/opt/app/late', '', 'root:root', '644', false, true],
      ],
    );
    assert.deepEqual(
      p.commands.map((c) => [c.name, c.stage]),
      [
        ['bootcmd', 'boot'],
        ['runcmd', 'final'],
      ],
    );
    assert.equal(p.commands[1]!.script, `#!/bin/sh\necho one\nsh -c 'echo '\\''two words'\\'''\n`);
    assert.deepEqual(p.sshAuthorizedKeys, ['ssh-ed25519 AAAA test']);
    assert.ok(p.warnings.some((w) => /write_files\[4\] has no path/.test(w)));
    assert.ok(p.warnings.some((w) => /key packages is not supported/.test(w)));
  });

  it('MIME multipart: shell part (base64), cloud-config parts merged (a later key replaces), text/plain by content, unknown types warned', () => {
    const b = '===============1234==';
    const mime = [
      'Content-Type: multipart/mixed; boundary="' + b + '"',
      'MIME-Version: 1.0',
      '',
      '--' + b,
      'Content-Type: text/x-shellscript; charset="us-ascii"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="a.sh"',
      '',
      Buffer.from('#!/bin/bash\necho from-mime\n').toString('base64'),
      '--' + b,
      'Content-Type: text/cloud-config',
      '',
      '#cloud-config',
      'write_files:',
      '  - path: /etc/first',
      '    content: one',
      'runcmd: [echo first]',
      '--' + b,
      'Content-Type: text/plain',
      '',
      '#cloud-config',
      'write_files:',
      '  - path: /etc/second',
      '    content: two',
      '--' + b,
      'Content-Type: text/x-include-url',
      '',
      'http://example.invalid/x',
      '--' + b + '--',
      '',
    ].join('\r\n');
    const p = parseUserData(mime);
    assert.deepEqual(p.files.map((f) => f.path), ['/etc/second'], "cloud-init's default merge: the later write_files replaces the earlier");
    assert.deepEqual(p.commands.map((c) => c.name), ['part-001', 'runcmd'], 'shell parts before runcmd (scripts-user runs part-NNN before runcmd)');
    assert.equal(p.commands[0]!.script, '#!/bin/bash\necho from-mime\n');
    assert.ok(p.warnings.some((w) => /text\/x-include-url is not supported/.test(w)));
  });

  it('Merge-Type list(append) keeps both parts\' lists; gzip user_data and a cloud-boothook are understood', () => {
    const b = 'XYZ';
    const part = (body: string) => ['--' + b, 'Content-Type: text/cloud-config', 'Merge-Type: list(append)+dict(recurse_array)+str()', '', body].join('\n');
    const p = parseUserData([`Content-Type: multipart/mixed; boundary=${b}`, '', part('write_files:\n- path: /a\n'), part('write_files:\n- path: /b\n'), `--${b}--`].join('\n'));
    assert.deepEqual(p.files.map((f) => f.path), ['/a', '/b']);
    const z = parseUserData(gzipSync(Buffer.from('#cloud-boothook\necho hook\n')));
    assert.deepEqual(z.commands.map((c) => [c.name, c.stage, c.script]), [['boothook-001', 'boot', '#!/bin/sh\necho hook\n']]);
  });

  it('empty, absent and unknown user_data', () => {
    assert.deepEqual(parseUserData(null), { files: [], commands: [], sshAuthorizedKeys: [], warnings: [] });
    assert.deepEqual(parseUserData(Buffer.alloc(0)).commands, []);
    const u = parseUserData('just some text');
    assert.equal(u.commands.length + u.files.length, 0);
    assert.match(u.warnings[0]!, /unknown type/);
    assert.match(parseUserData('#cloud-config\n: [\n').warnings[0]!, /not valid YAML/);
  });
});
