// The pure parts of the lab guest's MariaDB datastore against what the REAL
// Trove 18 code produces (test/fixtures/guest/mysql-vectors.json, made by
// make-mysql-vectors.py): MySQLSchema/MySQLUser wire shapes and validation,
// sql_query statements, IniCodec override files, my.cnf from a real
// config_contents, pagination, and the operation signatures.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paginate } from '../../lab/guest/mariadb/admin.ts';
import { mariadbLayout, resolveMountPoint } from '../../lab/guest/mariadb/layout.ts';
import { MySQLSchema, MySQLUser } from '../../lab/guest/mariadb/models.ts';
import { OverrideFiles, parseCnf, parseHelpOptions, renderBaseCnf, serializeCnf } from '../../lab/guest/mariadb/my-cnf.ts';
import { mariadbSettings } from '../../lab/guest/mariadb/settings.ts';
import * as q from '../../lab/guest/mariadb/sql.ts';
import { guestConfigFromIni } from '../../lab/guest/config.ts';
import { parseIni } from '../../lab/guest/ini.ts';
import { silentLogger } from '../../lab/guest/log.ts';
import { mysqlOperations } from '../../lab/guest/operations/mysql.ts';
import { RemoteFailure } from '../../lab/guest/oslo/failure.ts';
import { vectors } from '../support/guest-vectors.ts';

interface MysqlVectors {
  config_contents: Record<'mariadb' | 'mysql', string>;
  ignore: Record<string, { users: string[]; dbs: string[] }>;
  schemas: Array<{ request?: Record<string, string>; row?: [string, string, string]; wire: unknown; deserialized?: Record<string, string>; create_sql?: string; drop_sql?: string }>;
  schema_errors: Array<{ case: string; error: { message: string } | null }>;
  users: Array<{ request?: { name: string; host?: string; password: string; databases?: Array<{ name: string }> }; row?: [string, string, string[]]; root?: boolean; wire: unknown; deserialized?: Record<string, unknown>; create_sql?: string; grants?: string[]; drop_sql?: string }>;
  user_errors: Array<{ case: string; error: { message: string } | null }>;
  sql: Record<string, string> & { set_variable: Record<string, string> };
  ini_codec: Array<{ dict: Record<string, Record<string, string | number | boolean>>; text: string }>;
  ini_codec_parse: Record<string, Record<string, unknown>>;
  to_bytes: Array<{ value: unknown; bytes: unknown }>;
}
const v = JSON.parse(readFileSync(new URL('../fixtures/guest/mysql-vectors.json', import.meta.url), 'utf8')) as MysqlVectors;
const IGNORE_DBS = v.ignore.mysql!.dbs;
const IGNORE_USERS = v.ignore.mysql!.users;

function valueErrorOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RemoteFailure && err.pyClass === 'ValueError', `expected ValueError, got ${String(err)}`);
    return err.message;
  }
  return null;
}

describe('lab guest MariaDB: MySQLSchema / MySQLUser vs Trove 18', () => {
  for (const s of v.schemas.filter((x) => x.request)) {
    it(`schema ${JSON.stringify(s.request)}: wire shape, deserialized values, CREATE/DROP text`, () => {
      const req = s.request!;
      const db = new MySQLSchema({ name: req.name! });
      db.checkReserved(IGNORE_DBS);
      db.characterSet = req.character_set ?? '';
      db.collate = req.collate ?? '';
      assert.equal(JSON.stringify(db.serialize()), JSON.stringify(s.wire), 'key order and values');
      const back = MySQLSchema.deserialize(s.wire);
      assert.deepEqual({ name: back.name, character_set: back.characterSet, collate: back.collate }, s.deserialized);
      assert.equal(q.createDatabase(back.name, back.characterSet, back.collate), s.create_sql);
      assert.equal(q.dropDatabase(back.name), s.drop_sql);
    });
  }
  it('schemas listed from information_schema rows serialize like Trove', () => {
    for (const s of v.schemas.filter((x) => x.row)) {
      const [name, characterSet, collate] = s.row!;
      assert.equal(JSON.stringify(new MySQLSchema({ name, characterSet, collate }).serialize()), JSON.stringify(s.wire));
    }
  });
  it('schema validation errors carry Trove\'s messages', () => {
    const cases: Record<string, () => unknown> = {
      '': () => MySQLSchema.deserialize({ _name: '', _collate: null, _character_set: null }),
      x: () => new MySQLSchema({ name: 'x' }),
      ['a'.repeat(65)]: () => new MySQLSchema({ name: 'a'.repeat(65) }),
      'bad name!': () => new MySQLSchema({ name: 'bad name!' }),
      mysql: () => new MySQLSchema({ name: 'mysql' }).checkCreate(IGNORE_DBS),
      'db1 charset': () => new MySQLSchema({ name: 'db1', characterSet: 'klingon' }),
      'db1 collate': () => new MySQLSchema({ name: 'db1', collate: 'nope_ci' }),
      'db1 mismatch': () => new MySQLSchema({ name: 'db1', characterSet: 'latin1', collate: 'utf8mb4_bin' }),
    };
    for (const e of v.schema_errors) assert.equal(valueErrorOf(cases[e.case]!), e.error?.message ?? null, e.case);
  });

  for (const u of v.users.filter((x) => x.request)) {
    it(`user ${u.request!.name}@${u.request!.host ?? '%'}: wire shape, deserialized values, CREATE/GRANT/DROP text`, () => {
      const req = u.request!;
      const user = new MySQLUser({ name: req.name, host: req.host ?? '%' });
      user.checkReserved(IGNORE_USERS);
      user.password = req.password;
      for (const db of req.databases ?? []) user.databases = db.name;
      assert.equal(JSON.stringify(user.serialize()), JSON.stringify(u.wire));
      const back = MySQLUser.deserialize(u.wire);
      assert.deepEqual({ name: back.name, host: back.host, password: back.password, databases: back.databases }, u.deserialized);
      assert.equal(q.createUser(back.password).replace('?@?', ':user@:host'), u.create_sql);
      assert.deepEqual(back.databases.map((d) => q.grant({ permissions: 'ALL', database: MySQLSchema.deserialize(d).name, user: back.name, host: back.host })), u.grants);
      assert.equal(q.dropUser(back.name, back.host), u.drop_sql);
    });
  }
  it('listed users and the root user serialize like Trove', () => {
    const listed = v.users.find((x) => x.row)!;
    const u = new MySQLUser({ name: listed.row![0], host: listed.row![1] });
    for (const db of listed.row![2]) u.databases = db;
    assert.equal(JSON.stringify(u.serialize()), JSON.stringify(listed.wire));
    assert.equal(JSON.stringify(MySQLUser.root('R00tPassw0rd').serialize()), JSON.stringify(v.users.find((x) => x.root)!.wire));
  });
  it('user validation errors carry Trove\'s messages', () => {
    const cases: Record<string, () => unknown> = {
      empty: () => new MySQLUser({ name: '' }),
      'too long': () => new MySQLUser({ name: 'a'.repeat(17) }),
      quote: () => new MySQLUser({ name: "o'brien" }),
      'reserved root': () => new MySQLUser({ name: 'root' }).checkCreate(IGNORE_USERS),
      'reserved os_admin': () => new MySQLUser({ name: 'os_admin' }).checkReserved(IGNORE_USERS),
      'bad host': () => new MySQLUser({ name: 'dave', host: 'not a host' }),
      'bad password': () => new MySQLUser({ name: 'dave', password: 'semi;colon' }),
    };
    for (const e of v.user_errors) assert.equal(valueErrorOf(cases[e.case]!), e.error?.message ?? null, e.case);
  });
});

describe('lab guest MariaDB: SQL text vs trove sql_query', () => {
  it('grants, revoke, passwords, rename, drop, root checks', () => {
    const s = v.sql;
    assert.equal(q.grant({ permissions: 'ALL', database: 'db1', user: 'alice', host: '%' }), s.grant_all_db);
    assert.equal(q.grant({ permissions: ['ALL'], user: 'root', host: '%', grantOption: true }), s.grant_root);
    assert.equal(q.grant({ permissions: 'ALL', user: 'os_admin', host: 'localhost', grantOption: true }), s.grant_admin);
    assert.equal(q.revokeAll('db1', 'alice', '%'), s.revoke);
    assert.equal(q.setPassword('alice', '%', 'n3w'), s.set_password_mariadb);
    assert.equal(q.renameUser('alice', '%', 'alice2', null), s.rename_user);
    assert.equal(q.dropUser('alice', '%'), s.drop_user);
    assert.equal(q.createUser().replace('?@?', ':user@:host'), s.create_user_no_password);
    assert.equal(q.ROOT_ENABLED, s.root_enabled);
  });
  it('SET GLOBAL of to_bytes(value) for ints, strings, sizes, booleans', () => {
    const inputs: Record<string, unknown> = { max_connections: 321, wait_timeout: '300', max_allowed_packet: '32M', autocommit: true, local_infile: false, innodb_buffer_pool_size: '1G', sql_mode: 'STRICT_ALL_TABLES' };
    for (const [k, want] of Object.entries(v.sql.set_variable)) assert.equal(q.setServerVariable(k, q.toBytes(inputs[k])), want);
    for (const t of v.to_bytes) assert.deepEqual(q.toBytes(t.value), t.bytes);
  });
});

describe('lab guest MariaDB: my.cnf and override files', () => {
  const layout = mariadbLayout('/srv/vm1/mysql');
  const known = new Set(['port', 'basedir', 'datadir', 'tmpdir', 'pid_file', 'socket', 'external_locking', 'key_buffer_size', 'max_allowed_packet', 'thread_stack', 'thread_cache_size', 'myisam_recover_options', 'query_cache_type', 'query_cache_limit', 'query_cache_size', 'innodb_data_file_path', 'innodb_buffer_pool_size', 'innodb_file_per_table', 'innodb_log_file_size', 'innodb_log_buffer_size', 'connect_timeout', 'wait_timeout', 'join_buffer_size', 'read_buffer_size', 'read_rnd_buffer_size', 'sort_buffer_size', 'tmp_table_size', 'max_heap_table_size', 'table_open_cache', 'table_definition_cache', 'open_files_limit', 'max_user_connections', 'max_connections', 'default_storage_engine', 'local_infile', 'server_id', 'bind_address', 'log_error', 'secure_file_priv', 'performance_schema']);

  it('keeps the template values of a real config_contents, forces the VM paths, port and bind address', () => {
    const { text, skipped } = renderBaseCnf(v.config_contents.mariadb, { layout, bindAddress: '127.0.0.1', port: 13306, knownOptions: known });
    const cnf = parseCnf(text);
    const tmpl = v.ini_codec_parse.mysqld!;
    for (const [k, val] of Object.entries(tmpl)) {
      if (['port', 'datadir', 'socket', 'pid_file', 'innodb_log_files_in_group'].includes(k)) continue;
      assert.equal(cnf.mysqld![k], String(val), `template value ${k} kept`);
    }
    assert.equal(cnf.mysqld!.datadir, layout.dataDir);
    assert.equal(cnf.mysqld!.socket, layout.socket);
    assert.equal(cnf.mysqld!.pid_file, layout.pidFile);
    assert.equal(cnf.mysqld!.port, '13306');
    assert.equal(cnf.mysqld!['bind-address'], '127.0.0.1');
    assert.equal(cnf.mysqld!['log-error'], layout.errorLog);
    assert.deepEqual(cnf.client, { port: '13306', socket: layout.socket });
    assert.match(text, new RegExp(`^!includedir ${layout.includeDir}$`, 'm'));
    assert.doesNotMatch(text, /\/var\/run\/mysqld|\/etc\/mysql/);
    assert.deepEqual(skipped, ['innodb_log_files_in_group (not an option of this mariadbd)']);
    assert.match(text, /^# lab: not an option of this mariadbd: innodb_log_files_in_group = 2$/m);
  });
  it("the 'mysql' template: MySQL-only options and secure-file-priv = NULL are left out", () => {
    const { skipped } = renderBaseCnf(v.config_contents.mysql, { layout, bindAddress: '0.0.0.0', port: 3306, knownOptions: known });
    assert.deepEqual(skipped.sort(), ['default_authentication_plugin (not an option of this mariadbd)', 'innodb_log_files_in_group (not an option of this mariadbd)', 'secure-file-priv (NULL is MySQL-only here)']);
  });
  it('parses option names out of mariadbd --verbose --help', () => {
    const help = 'junk\nVariables (--variable-name=value)\nand boolean options {FALSE|TRUE}  Value\n------------------------------------------------------------ -------------\nallow-suspicious-udfs   FALSE\ninnodb-buffer-pool-size 134217728\n\nTo see what values';
    assert.deepEqual([...parseHelpOptions(help)], ['allow_suspicious_udfs', 'innodb_buffer_pool_size']);
  });
  it('override files are IniCodec text, named <group>-<nnn>-common.cnf, merged on update like ImportOverrideStrategy', () => {
    for (const c of v.ini_codec) assert.equal(serializeCnf(c.dict), c.text);
    const dir = mkdtempSync(join(tmpdir(), 'guest-cnf-'));
    try {
      const files = new OverrideFiles(dir);
      const first = files.plan('20-user', 'common', { mysqld: { max_connections: 321 } });
      assert.equal(first.path, join(dir, '20-user-001-common.cnf'));
      writeFileSync(first.path, first.text);
      const second = files.plan('20-user', 'common', { mysqld: { wait_timeout: '300' } });
      assert.equal(second.path, first.path, 'the same change id updates its file');
      assert.equal(second.text, '[mysqld]\nmax_connections = 321\nwait_timeout = 300\n\n');
      const sys = files.plan('50-system', 'common', { mysqld: { datadir: '/d' } });
      assert.equal(sys.path, join(dir, '50-system-001-common.cnf'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lab guest MariaDB: pagination, layout, settings, signatures', () => {
  const rows = ['a', 'b', 'c', 'd', 'e'];
  const page = (r: string[], limit: number | null) => paginate(r, limit, (x) => [x, `${x}@%`]);
  it("limit+1 rows: next_marker is the last returned item's marker only when more exist", () => {
    assert.deepEqual(page(rows.slice(0, 3), 2), [['a', 'b'], 'b@%']);
    assert.deepEqual(page(rows.slice(0, 2), 2), [['a', 'b'], null]);
    // Trove only clears next_marker when a limit was given: without one it is the last item's.
    assert.deepEqual(page(rows, null), [rows, 'e@%']);
    assert.deepEqual(page(rows, 0), [[], null]);
  });
  it('under a lab VM the mount point goes below VM_ROOT', () => {
    assert.equal(resolveMountPoint('/var/lib/mysql', '/vms/x/root'), '/vms/x/root/var/lib/mysql');
    assert.equal(resolveMountPoint('/vms/x/root/var/lib/mysql', '/vms/x/root'), '/vms/x/root/var/lib/mysql');
    assert.equal(resolveMountPoint('/var/lib/mysql', undefined), '/var/lib/mysql');
  });
  it("Trove's defaults per manager, lab options from [<manager>]", () => {
    const ini = (manager: string, extra = '') =>
      guestConfigFromIni(parseIni(`[DEFAULT]\nguest_id=g\ndatastore_manager=${manager}\ntransport_url=rabbit://u:p@h:5672/\n${extra}`), 'test');
    const maria = mariadbSettings(ini('mariadb'), {}, true);
    assert.deepEqual(maria.ignoreDbs, v.ignore.mariadb!.dbs);
    assert.deepEqual(maria.ignoreUsers, v.ignore.mariadb!.users);
    assert.deepEqual(mariadbSettings(ini('mysql'), {}, true).ignoreDbs, v.ignore.mysql!.dbs);
    assert.equal(maria.layout.dataDir, '/var/lib/mysql/data');
    assert.equal(maria.processControl, 'detached');
    assert.equal(maria.runAs, 'mysql');
    const lab = mariadbSettings(ini('mariadb', 'state_change_poll_time=1\n[mariadb]\nmount_point=/m\nlab_port=13306\nlab_bind_address=127.0.0.1\nignore_dbs=mysql,sys\n'), { SUPERVISOR_SERVER_URL: 'unix:///run/s.sock' }, false);
    assert.deepEqual([lab.port, lab.bindAddress, lab.runAs, lab.processControl, lab.supervisorSocket, lab.stateChangePollMs], [13306, '127.0.0.1', null, 'supervisor', '/run/s.sock', 1000]);
    assert.deepEqual(lab.ignoreDbs, ['mysql', 'sys']);
  });
  it('every operation has the name and keyword arguments of the real Trove 18 MariaDB manager', () => {
    const ops = mysqlOperations({ datastore: { admin: {} } as never, reporter: {} as never, conductor: {} as never, log: silentLogger() });
    assert.equal(ops.length, 33);
    for (const op of ops) {
      const sig = vectors.mariadb_manager_signatures[op.name];
      assert.ok(sig, `${op.name} exists in Trove's manager`);
      assert.deepEqual([...(op.required ?? [])], sig.required, `${op.name} required`);
      assert.deepEqual([...(op.optional ?? [])], sig.optional, `${op.name} optional`);
    }
  });
});
