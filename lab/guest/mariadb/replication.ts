// MariaDB GTID replication as Trove 18 drives it (guestagent/strategies/
// replication/mysql_base.py + mariadb_gtid.py, mysql_common/service.py and
// mariadb/service.py): the primary takes a full backup (the replica is
// restored from it), gets Trove's replica_source overrides (binary log) and a
// replication user slave_<8 hex> with REPLICATION SLAVE; the replica gets the
// replica overrides (relay log, read_only), sets gtid_slave_pos from the
// backup's xtrabackup_binlog_info and runs CHANGE MASTER ... MASTER_USE_GTID =
// slave_pos, START SLAVE. The engine is MariaDB whichever MySQL-family manager
// Trove names, so this is the MariaDB strategy under the name Trove's
// configuration gives ([<manager>] replication_strategy).
//
// Lab difference: the primary's address is its MariaDB bind address (the
// tenant network), not netutils.get_my_ipv4() (the address of the default
// route, which a lab VM does not have).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { filesystemStats, volumeUsedGb } from '../filesystem-stats.ts';
import type { Logger } from '../log.ts';
import { troveError } from '../oslo/failure.ts';
import { randomPassword } from './admin.ts';
import type { MariadbDatastore } from './datastore.ts';
import { MySQLUser } from './models.ts';
import { query } from './sql-client.ts';

export const CNF_MASTER = 'master-replication';
export const CNF_SLAVE = 'slave-replication';

export interface ReplicationUser {
  name: string;
  /** Secret. */
  password: string;
}

export interface MasterRef {
  host: string;
  port: number;
}

export interface ReplicaInfo {
  master: MasterRef;
  replica_conf: { log_position: Record<string, unknown>; replication_user: ReplicationUser };
  dataset?: { datastore_manager: string; dataset_size: unknown; volume_size: unknown; snapshot_id: string | null };
  replication_strategy?: string;
  config?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** xtrabackup_binlog_info: "<file>\t<position>\t<gtid>"; the GTID, or '' without one. */
export function lastMasterGtid(content: string): string {
  const parts = content.trim().split('\t');
  return parts.length === 3 ? parts[2]! : '';
}

/** get_last_txn: [Master_Server_Id, the sequence number of that server's domain in gtid_slave_pos]. */
export function lastTxn(masterServerId: string | number | null, gtidSlavePos: string): [string | number | null, number] {
  for (const set of gtidSlavePos.split(',')) {
    const parts = set.split('-');
    if (parts.length === 3 && String(parts[1]) === String(masterServerId)) return [masterServerId, Number(parts[2])];
  }
  return [masterServerId, 0];
}

export class MariadbReplication {
  constructor(
    private readonly ds: MariadbDatastore,
    private readonly log: Logger,
    readonly strategy: string,
  ) {}

  private sql<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    return this.ds.sql(fn);
  }

  /** get_master_ref. */
  async masterRef(): Promise<MasterRef> {
    const [row] = await this.sql((c) => query<{ port: number }>(c, 'SELECT @@port AS port;'));
    return { host: this.ds.settings.bindAddress, port: Number(row!.port) };
  }

  /** enable_as_master: the replica_source overrides once, then a restart. */
  async enableAsMaster(replicaSourceConfig: string | null | undefined): Promise<void> {
    if (this.ds.hasSystemOverride(CNF_MASTER)) return;
    await this.ds.applySystemOverride(CNF_MASTER, replicaSourceConfig ?? '');
    await this.ds.restart();
  }

  /** _create_replication_user + grant_replication_privilege. */
  async createReplicationUser(): Promise<ReplicationUser> {
    const password = randomPassword(16);
    this.log.addSecret(password);
    for (let attempt = 0; ; attempt++) {
      const name = `slave_${randomUUID().slice(0, 8)}`;
      try {
        await this.ds.admin.createUsers([new MySQLUser({ name, password }).serialize()]);
        this.log.info(`granting replication slave privilege for ${name}`);
        await this.sql(async (c) => {
          await query(c, 'GRANT REPLICATION SLAVE ON *.* TO ?@?;', [name, '%']);
          await query(c, 'FLUSH PRIVILEGES;');
        });
        return { name, password };
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }

  /** get_replication_snapshot: master overrides, a full backup (snapshot_info = backup_info), a replication user. */
  async replicationSnapshot(snapshotInfo: { id: string | null }, replicaSourceConfig: string | null | undefined, createBackup: () => Promise<void>): Promise<ReplicaInfo> {
    await this.enableAsMaster(replicaSourceConfig);
    this.log.info('enabled as replication master');
    this.log.info('creating backup for replication');
    await createBackup();
    const user = await this.createReplicationUser();
    const stats = await filesystemStats(this.ds.dataDir());
    return {
      dataset: { datastore_manager: this.ds.manager, dataset_size: await volumeUsedGb(this.ds.dataDir()), volume_size: stats.total, snapshot_id: snapshotInfo.id },
      replication_strategy: this.strategy,
      master: await this.masterRef(),
      replica_conf: { log_position: {}, replication_user: user },
    };
  }

  /** get_replica_context (MariaDB): a new replication user and the primary's gtid_binlog_pos. */
  async replicaContext(): Promise<ReplicaInfo> {
    const user = await this.createReplicationUser();
    const [row] = await this.sql((c) => query<{ pos: string }>(c, 'SELECT @@global.gtid_binlog_pos AS pos;'));
    return { master: await this.masterRef(), replica_conf: { log_position: { gtid_pos: row!.pos }, replication_user: user } };
  }

  /** attach_replica: strategy and space checks, replica overrides, restart, connect. */
  async attachReplica(info: ReplicaInfo, slaveConfig: string | null | undefined): Promise<void> {
    this.log.info('attaching replica');
    if (info.replication_strategy !== undefined) {
      if (info.replication_strategy !== this.strategy) {
        throw troveError('IncompatibleReplicationStrategy', `Instance with replication strategy ${this.strategy} cannot replicate from instance with replication strategy ${info.replication_strategy}.`);
      }
      const stats = await filesystemStats(this.ds.dataDir());
      if (stats.total.value < Number(info.dataset?.dataset_size ?? 0)) throw troveError('InsufficientSpaceForReplica', 'Insufficient space for the replica');
    }
    await this.ds.applySystemOverride(CNF_SLAVE, slaveConfig ?? '');
    await this.ds.restart();
    await this.connectToMaster(info);
  }

  private async connectToMaster(info: ReplicaInfo): Promise<void> {
    const user = info.replica_conf.replication_user;
    this.log.addSecret(user.password);
    await this.sql(async (c) => {
      if (info.dataset) {
        const file = join(this.ds.settings.layout.dataDir, 'xtrabackup_binlog_info');
        let gtid: string;
        try {
          gtid = lastMasterGtid(readFileSync(file, 'utf8'));
        } catch {
          throw troveError('UnableToDetermineLastMasterGTID', `Unable to determine last GTID executed on master (from file ${file}).`);
        }
        this.log.info(`replica starts after the backup's GTID position '${gtid}'`);
        await query(c, 'SET GLOBAL gtid_slave_pos = ?;', [gtid]);
      }
      await query(c, 'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_CONNECT_RETRY = 15, MASTER_USE_GTID = slave_pos;', [info.master.host, Number(info.master.port), user.name, user.password]);
      this.log.info('starting slave replication');
      await query(c, 'START SLAVE;');
    });
    await this.waitForSlaveRunning('ON', 180_000);
  }

  /** MariaDBApp.wait_for_slave_status: SHOW GLOBAL STATUS Slave_running, every 3 s. */
  private async waitForSlaveRunning(status: 'ON' | 'OFF', maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    for (;;) {
      const [row] = await this.sql((c) => query<{ Value: string }>(c, "SHOW GLOBAL STATUS LIKE 'Slave_running';"));
      if (String(row?.Value ?? '').toUpperCase() === status) {
        this.log.info(`replication status: ${status}`);
        return;
      }
      if (Date.now() > until) throw new Error(`Replication is not ${status.toLowerCase()} after ${maxMs / 1000} seconds.`);
      await sleep(3000);
    }
  }

  /** detach_slave: stop, forget the primary, drop its replication user (unless failover), drop the overrides, restart. */
  async detachReplica(forFailover: boolean): Promise<{ replication_user: string | null }> {
    this.log.info('detaching replica');
    let replicationUser: string | null = null;
    await this.sql(async (c) => {
      const [status] = await query<{ Master_User?: string }>(c, 'SHOW SLAVE STATUS;');
      replicationUser = status?.Master_User ?? null;
      await query(c, 'STOP SLAVE;');
      await query(c, 'RESET SLAVE ALL;');
    });
    await this.waitForSlaveRunning('OFF', 180_000);
    if (!forFailover && replicationUser) await this.sql((c) => query(c, 'DROP USER IF EXISTS ?@?;', [replicationUser, '%']));
    this.ds.removeSystemOverride(CNF_SLAVE);
    await this.ds.restart();
    return { replication_user: replicationUser };
  }

  /** demote_master: drop the replica_source overrides, restart. */
  async demoteMaster(): Promise<void> {
    this.ds.removeSystemOverride(CNF_MASTER);
    await this.ds.restart();
  }

  async makeReadOnly(readOnly: boolean): Promise<void> {
    await this.sql((c) => query(c, `SET GLOBAL read_only = ${readOnly ? 'ON' : 'OFF'};`));
  }

  /** get_latest_txn_id: @@global.gtid_binlog_pos. */
  async latestTxnId(): Promise<string> {
    const [row] = await this.sql((c) => query<{ pos: string }>(c, 'SELECT @@global.gtid_binlog_pos AS pos;'));
    return row!.pos;
  }

  /** wait_for_txn: MASTER_GTID_WAIT(txn) (the caller's RPC timeout bounds it). */
  async waitForTxn(txn: string): Promise<void> {
    await this.sql((c) => query(c, 'SELECT MASTER_GTID_WAIT(?);', [txn], 24 * 3600_000));
  }

  async lastTxn(): Promise<[string | number | null, number]> {
    return this.sql(async (c) => {
      const [status] = await query<{ Master_Server_Id?: number }>(c, 'SHOW SLAVE STATUS;');
      const [pos] = await query<{ pos: string }>(c, 'SELECT @@global.gtid_slave_pos AS pos;');
      return lastTxn(status?.Master_Server_Id || null, pos!.pos);
    });
  }
}
