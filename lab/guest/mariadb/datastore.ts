// The MariaDB Datastore: Trove 18's MySqlManager.do_prepare and BaseMySqlApp
// (mysql_common/service.py) with mariadbd run by a ProcessControl instead of
// Docker. Prepare: stop, datadir + system override, my.cnf from
// config_contents, user overrides, start (a fresh datadir is initialised
// first, like the image's entrypoint; root@localhost gets root.cnf's or a
// random password), wait for HEALTHY three checks in a row, secure (os_admin),
// secure_root (no remote root). Databases, users and root_password follow in
// postPrepare, failures only logged, as Manager._prepare does.
// With snapshot (a replica), attach_replica follows (mariadb/replication.ts).
// With backup_info, the datadir is restored from Swift before the first start
// (perform_restore + reset_password_for_restore, mariadb/backup.ts); a restored
// root@'%' is reported to the conductor (report_root) instead of removed.
// Prepare's mount_point argument (the controller's default) is not used: the
// lab VM's own [<manager>] mount_point is (see settings.ts, layout.ts).
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Connection } from 'mysql2/promise';
import type { Datastore, PrepareRequest } from '../datastore.ts';
import { errorText, type Logger } from '../log.ts';
import { troveError } from '../oslo/failure.ts';
import type { ServiceStatus } from '../service-status.ts';
import { MariadbAdmin, randomPassword, type WithSql } from './admin.ts';
import { MAX_SOCKET_PATH } from './layout.ts';
import { baseOptionName, DEFAULT_CHANGE_ID, optionKey, OverrideFiles, parseCnf, parseHelpOptions, renderBaseCnf, SYSTEM_POST_USER_GROUP, USER_GROUP, type CnfValue } from './my-cnf.ts';
import { DetachedProcessControl, SupervisorProcessControl, type ProcessControl } from './process-control.ts';
import type { MariadbSettings } from './settings.ts';
import type { Context } from '../oslo/secure.ts';
import { createMariadbBackup, restoreMariadbBackup, writeInitFile, type BackupInfo, type RestoreInfo } from './backup.ts';
import type { SavedBackup } from '../backup/swift-storage.ts';
import { MariadbReplication, type ReplicaInfo } from './replication.ts';
import * as q from './sql.ts';
import { pymysqlClass, query, readPassword, savePassword, SqlClient, type Credentials } from './sql-client.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const ADMIN_USER = 'os_admin';

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no OS user ${name} for mariadbd`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export class MariadbDatastore implements Datastore {
  readonly manager: string;
  readonly admin: MariadbAdmin;
  readonly processControl: ProcessControl;
  private readonly client: SqlClient;
  private readonly overrides: OverrideFiles;
  private readonly withSql: WithSql;
  private knownOptions: Set<string> | null = null;
  readonly replication: MariadbReplication;
  /** Status.report_root: set by the operations, which hold the conductor. */
  reportRoot: (() => Promise<void>) | null = null;

  constructor(
    readonly settings: MariadbSettings,
    private readonly log: Logger,
    processControl?: ProcessControl,
  ) {
    this.manager = settings.manager;
    const { layout } = settings;
    this.client = new SqlClient(layout.socket);
    this.overrides = new OverrideFiles(layout.includeDir);
    this.processControl =
      processControl ??
      (settings.processControl === 'supervisor'
        ? new SupervisorProcessControl({ socket: settings.supervisorSocket!, confDir: settings.supervisorConfDir, stopWaitSecs: settings.stateChangeWaitMs / 1000 })
        : new DetachedProcessControl(layout.pidFile));
    this.withSql = (fn) => this.client.with(this.engineCredentials(), fn);
    this.admin = new MariadbAdmin(this.withSql, settings, log);
    this.replication = new MariadbReplication(this, log, settings.replicationStrategy);
    for (const user of ['root', ADMIN_USER]) log.addSecret(readPassword(layout.credentialsDir, user));
  }

  /** get_filesystem_stats reports on the mount point. */
  dataDir(): string {
    return this.settings.layout.mountPoint;
  }

  /** get_engine: os_admin once secure() made it, root before. */
  private engineCredentials(): Credentials {
    const dir = this.settings.layout.credentialsDir;
    const admin = readPassword(dir, ADMIN_USER);
    if (admin !== null) return { user: ADMIN_USER, password: admin };
    const root = readPassword(dir, 'root');
    if (root === null) throw troveError('UnprocessableEntity', 'no database credentials yet: prepare has not started the database');
    return { user: 'root', password: root };
  }

  // ---- prepare ------------------------------------------------------------

  async prepare(req: PrepareRequest, context: Context = {}): Promise<void> {
    const { layout } = this.settings;
    if (layout.socket.length > MAX_SOCKET_PATH) throw new Error(`socket path ${layout.socket} is longer than ${MAX_SOCKET_PATH} bytes: use a shorter mount_point`);
    await this.stopDb();
    this.ensureDirectories();
    this.setDataDir();
    this.log.info('preparing database configuration');
    await this.resetConfiguration(req.config_contents ?? '');
    this.updateOverrides(req.overrides);
    const restoring = Boolean(req.backup_info);
    if (restoring) {
      const info = req.backup_info as RestoreInfo;
      this.log.info(`starting to restore database from backup ${info.id}`);
      await restoreMariadbBackup({ settings: this.settings, info, context, owner: this.owner(), log: this.log });
      await this.resetPasswordForRestore();
      this.log.info(`finished restore data from backup ${info.id}`);
    }
    await this.startDb();
    await this.secure();
    if (restoring && (await this.admin.isRootEnabled())) {
      if (this.reportRoot) await this.reportRoot();
    } else {
      await this.secureRoot();
    }
    if (req.snapshot) {
      // This instance is a replica: the primary's snapshot, config = Trove's rendered replica.config.template.
      const snapshot = req.snapshot as ReplicaInfo;
      await this.replication.attachReplica(snapshot, snapshot.config);
    }
  }

  /** create_backup's work: mariabackup of the running server to Swift; checksum and location. */
  async createBackup(info: BackupInfo, context: Context): Promise<SavedBackup> {
    const adminPassword = readPassword(this.settings.layout.credentialsDir, ADMIN_USER);
    if (adminPassword === null) throw troveError('UnprocessableEntity', 'no os_admin credentials: the datastore was never prepared');
    return createMariadbBackup({ settings: this.settings, info, context, adminPassword, log: this.log });
  }

  private owner(): { uid: number; gid: number } | null {
    return this.settings.runAs ? userIds(this.settings.runAs) : null;
  }

  /**
   * reset_password_for_restore: one start of the restored datadir with an
   * init file that gives root@localhost this instance's root password (root.cnf's,
   * or a new random one), then stop; the normal start follows.
   */
  private async resetPasswordForRestore(): Promise<void> {
    const { layout } = this.settings;
    this.log.info('starting to reset password for restore');
    let rootPass = readPassword(layout.credentialsDir, 'root');
    if (rootPass === null) {
      rootPass = randomPassword(this.settings.passwordLength);
      savePassword(layout.credentialsDir, { user: 'root', password: rootPass });
    }
    this.log.addSecret(rootPass);
    const initFile = join(layout.runDir, 'restore-init.sql');
    writeInitFile(initFile, rootPass, this.owner());
    try {
      await this.processControl.start({ command: [...this.command(), `--init-file=${initFile}`], outputLog: `${layout.logDir}/mariadbd.out`, pidFile: layout.pidFile });
      if (!(await this.waitForStatus('healthy'))) throw troveError('TroveError', `the restored database did not start; see ${layout.errorLog}`);
      await this.stopDb();
    } finally {
      rmSync(initFile, { force: true });
    }
    this.log.info('finished to reset password for restore');
  }

  async postPrepare(req: PrepareRequest): Promise<void> {
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        this.log.info(`${what}: done`);
      } catch (err) {
        this.log.warn(`an error occurred ${what}: ${errorText(err)}`);
      }
    };
    const dbs = req.databases as unknown[] | null;
    const users = req.users as unknown[] | null;
    if (dbs?.length) await step('creating databases', () => this.admin.createDatabases(dbs));
    if (users?.length) await step('creating users', () => this.admin.createUsers(users));
    if (req.root_password && !req.backup_info) await step('enabling root user (with password)', () => this.admin.enableRoot(req.root_password!));
  }

  private ensureDirectories(): void {
    const l = this.settings.layout;
    for (const d of [l.mountPoint, l.dataDir, l.etcDir, l.includeDir, l.runDir, l.logDir]) mkdirSync(d, { recursive: true });
    mkdirSync(l.credentialsDir, { recursive: true, mode: 0o700 });
    if (this.settings.runAs) {
      const { uid, gid } = userIds(this.settings.runAs);
      for (const d of [l.mountPoint, l.dataDir, l.runDir, l.logDir]) chownSync(d, uid, gid);
    }
  }

  /** set_data_dir: a 50-system override, so it wins over the user's. */
  private setDataDir(): void {
    this.applyOverride(SYSTEM_POST_USER_GROUP, { datadir: this.settings.layout.dataDir });
  }

  private applyOverride(group: string, options: Record<string, CnfValue>, changeId = DEFAULT_CHANGE_ID): void {
    mkdirSync(this.settings.layout.includeDir, { recursive: true });
    const { path, text } = this.overrides.plan(group, changeId, { mysqld: options });
    writeFileSync(path, text, { mode: 0o644 });
  }

  /** reset_configuration: my.cnf from config_contents (see my-cnf.ts for what the lab forces). */
  async resetConfiguration(configContents: string): Promise<void> {
    await this.loadKnownOptions();
    const { layout, bindAddress, port } = this.settings;
    mkdirSync(layout.includeDir, { recursive: true });
    const cnf = renderBaseCnf(configContents, { layout, bindAddress, port, knownOptions: this.knownOptions });
    if (cnf.skipped.length) this.log.info(`my.cnf: left out ${cnf.skipped.join(', ')}`);
    writeFileSync(layout.myCnf, cnf.text, { mode: 0o644 });
  }

  /** update_overrides(overrides, remove): the user's configuration group in 20-user-001-common.cnf. */
  updateOverrides(overrides: unknown, remove = false): void {
    if (remove) for (const f of this.overrides.existing(USER_GROUP, DEFAULT_CHANGE_ID)) rmSync(f, { force: true });
    if (overrides && typeof overrides === 'object' && Object.keys(overrides).length > 0) this.applyOverride(USER_GROUP, overrides as Record<string, CnfValue>);
  }

  /**
   * apply_system_override(contents, change_id) for Trove's replication
   * templates (replica_source / replica .config.template): parsed, [mysqld]
   * options this mariadbd does not know (MySQL's gtid_mode, ...) left out, and
   * Trove's /var/lib/mysql paths moved under this VM's mount point.
   */
  async applySystemOverride(changeId: string, contents: string): Promise<string[]> {
    await this.loadKnownOptions();
    const parsed = parseCnf(contents);
    const skipped: string[] = [];
    const options: Record<string, CnfValue> = {};
    for (const [section, opts] of Object.entries(parsed)) {
      if (!['mysqld', 'server', 'mariadb', 'mariadbd'].includes(section)) continue;
      for (const [k, v] of Object.entries(opts)) {
        const key = optionKey(k);
        if (this.knownOptions && !this.knownOptions.has(baseOptionName(key)) && !this.knownOptions.has(key)) {
          skipped.push(k);
          continue;
        }
        options[k] = typeof v === 'string' && v.startsWith('/var/lib/mysql/') ? join(this.settings.layout.mountPoint, v.slice('/var/lib/mysql/'.length)) : v;
      }
    }
    this.removeSystemOverride(changeId);
    this.applyOverride(SYSTEM_POST_USER_GROUP, options, changeId);
    if (skipped.length) this.log.info(`system override ${changeId}: left out ${skipped.join(', ')} (not options of this mariadbd)`);
    return skipped;
  }

  hasSystemOverride(changeId: string): boolean {
    return this.overrides.existing(SYSTEM_POST_USER_GROUP, changeId).length > 0;
  }

  removeSystemOverride(changeId: string): void {
    for (const f of this.overrides.existing(SYSTEM_POST_USER_GROUP, changeId)) rmSync(f, { force: true });
  }

  /** SQL as os_admin (get_engine). */
  sql<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    return this.withSql(fn);
  }

  /** apply_overrides: SET GLOBAL each; a value the server refuses (OperationalError) is logged and skipped. */
  async applyOverrides(overrides: Record<string, unknown>): Promise<void> {
    await this.withSql(async (c) => {
      for (const [k, v] of Object.entries(overrides ?? {})) {
        const value = q.toBytes(v);
        try {
          await query(c, q.setServerVariable(k, value));
        } catch (err) {
          if (pymysqlClass(err) !== 'OperationalError') throw err;
          this.log.error(`Unable to set ${k} with value ${String(value)}: ${errorText(err)}`);
        }
      }
    });
  }

  // ---- start / stop -------------------------------------------------------

  private async loadKnownOptions(): Promise<void> {
    if (this.knownOptions) return;
    try {
      const { stdout } = await run(this.settings.mariadbd, ['--no-defaults', '--verbose', '--help'], { maxBuffer: 8 << 20, timeout: 30_000 });
      const names = parseHelpOptions(stdout);
      if (names.size > 100) this.knownOptions = names;
    } catch (err) {
      this.log.warn(`could not list mariadbd's options, my.cnf is not filtered: ${errorText(err)}`);
    }
  }

  private command(): string[] {
    const s = this.settings;
    return [s.mariadbd, `--defaults-file=${s.layout.myCnf}`, ...(s.runAs ? [`--user=${s.runAs}`] : [])];
  }

  /** start_db: initialise an empty datadir, start, set root's password on first boot, wait for HEALTHY. */
  async startDb(): Promise<void> {
    const { layout, runAs } = this.settings;
    const fresh = !existsSync(layout.dataDir) || !readdirSync(layout.dataDir).includes('mysql');
    if (fresh) {
      this.log.info(`initialising a new datadir in ${layout.dataDir}`);
      await run(this.settings.installDb, [`--defaults-file=${layout.myCnf}`, ...(runAs ? [`--user=${runAs}`] : []), '--skip-test-db', '--auth-root-authentication-method=normal'], { timeout: 120_000 });
    }
    let rootPass = readPassword(layout.credentialsDir, 'root');
    await this.processControl.start({ command: this.command(), outputLog: `${layout.logDir}/mariadbd.out`, pidFile: layout.pidFile });
    if (fresh || rootPass === null) {
      // Docker's entrypoint sets MYSQL_ROOT_PASSWORD (root.cnf's or a random one) on first boot.
      rootPass ??= randomPassword(this.settings.passwordLength);
      this.log.addSecret(rootPass);
      await this.firstBootRoot(rootPass);
      savePassword(layout.credentialsDir, { user: 'root', password: rootPass });
    }
    if (!(await this.waitForStatus('healthy'))) throw troveError('TroveError', 'Failed to start mysql');
  }

  private async firstBootRoot(password: string): Promise<void> {
    const until = Date.now() + this.settings.stateChangeWaitMs;
    for (;;) {
      try {
        await this.client.with({ user: 'root', password: '' }, (c) => query(c, "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(?);", [password]), 5000);
        return;
      } catch (err) {
        if ((await this.processControl.pid()) === null) throw new Error(`mariadbd exited during first boot; see ${this.settings.layout.errorLog}`);
        if (Date.now() > until) throw new Error(`could not set root's password on first boot: ${errorText(err)}`);
        await sleep(250);
      }
    }
  }

  /** stop_db: stop and wait for SHUTDOWN. */
  async stopDb(): Promise<void> {
    if ((await this.processControl.pid()) === null) return;
    this.log.info('stopping database');
    await this.processControl.stop(this.settings.stateChangeWaitMs);
    if (!(await this.waitForStatus('shutdown'))) throw troveError('TroveError', 'Failed to stop database');
  }

  stop(): Promise<void> {
    return this.stopDb();
  }

  async restart(): Promise<void> {
    this.log.info('restarting mysql');
    await this.stopDb();
    await this.processControl.start({ command: this.command(), outputLog: `${this.settings.layout.logDir}/mariadbd.out`, pidFile: this.settings.layout.pidFile });
    if (!(await this.waitForStatus('healthy'))) throw troveError('TroveError', 'Failed to start mysql');
    this.log.info('finished restarting mysql');
  }

  /** start_db_with_conf_changes (after a resize): stop if running, new my.cnf, start. */
  async startWithConfChanges(configContents: string): Promise<void> {
    this.log.info('starting database service with new configuration');
    await this.stopDb();
    await this.resetConfiguration(configContents);
    await this.processControl.start({ command: this.command(), outputLog: `${this.settings.layout.logDir}/mariadbd.out`, pidFile: this.settings.layout.pidFile });
    if (!(await this.waitForStatus('healthy'))) throw troveError('TroveError', 'Failed to start mysql');
  }

  // ---- status -------------------------------------------------------------

  /** get_service_status: SELECT 1 answers -> healthy; process up but not answering -> running; gone -> shutdown. */
  async status(): Promise<ServiceStatus> {
    if ((await this.processControl.pid()) === null) return 'shutdown';
    try {
      await this.client.with(this.engineCredentials(), (c) => query(c, 'SELECT 1;'), 5000);
      return 'healthy';
    } catch {
      return 'running';
    }
  }

  /** wait_for_status: HEALTHY needs three good checks in a row, state_change_poll_time apart. */
  async waitForStatus(target: ServiceStatus): Promise<boolean> {
    const { stateChangeWaitMs, stateChangePollMs } = this.settings;
    const end = Date.now() + stateChangeWaitMs;
    let healthy = 0;
    for (;;) {
      const status = await this.status();
      if (status === target) {
        if (target === 'healthy' && healthy < 2) {
          healthy++;
          await sleep(stateChangePollMs);
          continue;
        }
        return true;
      }
      if (Date.now() >= end) {
        this.log.error(`timeout while waiting for database status to change: expected ${target}, current ${status}`);
        return false;
      }
      await sleep(stateChangePollMs);
    }
  }

  // ---- secure -------------------------------------------------------------

  /** secure(): os_admin@localhost with ALL WITH GRANT OPTION and a random password; no anonymous users. */
  private async secure(): Promise<void> {
    this.log.info('securing MariaDB now');
    const { credentialsDir } = this.settings.layout;
    const root = readPassword(credentialsDir, 'root')!;
    const adminPassword = randomPassword(this.settings.passwordLength);
    this.log.addSecret(adminPassword);
    await this.client.with({ user: 'root', password: root }, async (c) => {
      try {
        await query(c, q.createUser(adminPassword), [ADMIN_USER, 'localhost']);
      } catch {
        await query(c, q.setPassword(ADMIN_USER, 'localhost', adminPassword)); // restored datadir: it exists
      }
      await query(c, q.grant({ permissions: 'ALL', user: ADMIN_USER, host: 'localhost', grantOption: true }));
      // REMOVE_ANON is a DELETE on mysql.user, a read-only view since MariaDB 10.4: drop them instead.
      for (const u of await query<{ User: string; Host: string }>(c, "SELECT User, Host FROM mysql.user WHERE User = '';")) await query(c, 'DROP USER ?@?;', [u.User, u.Host]);
    });
    savePassword(credentialsDir, { user: ADMIN_USER, password: adminPassword });
    this.log.info('MariaDB secure complete');
  }

  /** secure_root(): root only from localhost (REMOVE_ROOT, as DROP USER for the same reason). */
  private async secureRoot(): Promise<void> {
    await this.withSql(async (c) => {
      for (const u of await query<{ User: string; Host: string }>(c, "SELECT User, Host FROM mysql.user WHERE User = 'root' AND Host != 'localhost';")) await query(c, 'DROP USER ?@?;', [u.User, u.Host]);
    });
  }
}
