// The pure parts of the lab guest's replication: the GTID read from a backup's
// xtrabackup_binlog_info (format of mariabackup 10.11), get_last_txn's parsing
// of gtid_slave_pos, Trove's strategy names per manager, and Trove's own
// replica_source/replica templates turned into override files this mariadbd
// accepts (MySQL-only options left out, /var/lib/mysql paths moved into the VM).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestConfigFromIni } from '../../lab/guest/config.ts';
import { parseIni } from '../../lab/guest/ini.ts';
import { silentLogger } from '../../lab/guest/log.ts';
import { MariadbDatastore } from '../../lab/guest/mariadb/datastore.ts';
import { CNF_MASTER, CNF_SLAVE, lastMasterGtid, lastTxn } from '../../lab/guest/mariadb/replication.ts';
import { mariadbSettings, replicationStrategy } from '../../lab/guest/mariadb/settings.ts';

const TEMPLATES = '/usr/lib/python3/dist-packages/trove/templates/mysql';

describe('lab guest replication: GTIDs, strategy names, Trove\'s replication templates', () => {
  it('reads the GTID of xtrabackup_binlog_info; none without a third field', () => {
    assert.equal(lastMasterGtid('mysql-bin.000002\t1234\t0-1093-17\n'), '0-1093-17');
    assert.equal(lastMasterGtid('mysql-bin.000002\t1234\t0-1093-17,1-7-3\n'), '0-1093-17,1-7-3');
    assert.equal(lastMasterGtid('mysql-bin.000002\t1234\n'), '');
  });

  it('get_last_txn: the sequence number of the primary\'s server id in gtid_slave_pos', () => {
    assert.deepEqual(lastTxn(1093, '0-1093-42'), [1093, 42]);
    assert.deepEqual(lastTxn(7, '0-1093-42,1-7-5'), [7, 5]);
    assert.deepEqual(lastTxn(null, ''), [null, 0]);
  });

  it('strategy names as Trove 18 configures them', () => {
    assert.equal(replicationStrategy('mysql', undefined), 'MysqlGTIDReplication');
    assert.equal(replicationStrategy('mariadb', undefined), 'MariaDBGTIDReplication');
    assert.equal(replicationStrategy('mysql', 'X'), 'X');
  });

  it('Trove\'s replication templates become override files without MySQL-only options, paths under the VM', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'guest-repl-'));
    try {
      const config = guestConfigFromIni(parseIni(`[DEFAULT]\nguest_id=g\ndatastore_manager=mysql\ntransport_url=rabbit://u:p@h:5672/\n[mysql]\nmount_point=${dir}/mysql\nlab_bind_address=127.0.0.1\nlab_process_control=detached\n`), 'test');
      const ds = new MariadbDatastore(mariadbSettings(config, {}, false, {}), silentLogger());
      const skippedSource = await ds.applySystemOverride(CNF_MASTER, readFileSync(join(TEMPLATES, 'replica_source.config.template'), 'utf8'));
      const skippedReplica = await ds.applySystemOverride(CNF_SLAVE, readFileSync(join(TEMPLATES, 'replica.config.template'), 'utf8'));
      assert.deepEqual(skippedSource.sort(), ['enforce_gtid_consistency', 'gtid_mode']);
      assert.deepEqual(skippedReplica.sort(), ['enforce_gtid_consistency', 'gtid_mode', 'relay_log_info_repository']);
      const inc = join(dir, 'mysql', 'etc', 'conf.d');
      assert.deepEqual(readdirSync(inc).sort(), ['50-system-001-master-replication.cnf', '50-system-002-slave-replication.cnf']);
      const replicaCnf = readFileSync(join(inc, '50-system-002-slave-replication.cnf'), 'utf8');
      assert.match(replicaCnf, new RegExp(`log_bin = ${dir}/mysql/data/mysql-bin\\.log`));
      assert.match(replicaCnf, new RegExp(`relay_log = ${dir}/mysql/data/mysql-relay-bin\\.log`));
      assert.match(replicaCnf, /read_only = true/);
      assert.ok(ds.hasSystemOverride(CNF_SLAVE));
      ds.removeSystemOverride(CNF_SLAVE);
      assert.equal(ds.hasSystemOverride(CNF_SLAVE), false);
      assert.ok(ds.hasSystemOverride(CNF_MASTER));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
