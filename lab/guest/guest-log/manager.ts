// The guest log part of Trove 18's datastore Manager
// (trove/guestagent/datastore/manager.py): the log cache built on the first
// request that carries a context, guest_log_list, guest_log_action and
// guest_log_enable / _apply_log_overrides (a pre-user system override per log,
// change ids enable_<log>_log / disable_<log>_log, then SET GLOBAL, or the
// "restart required" status for a log whose definition says restart).
import type { Logger } from '../log.ts';
import { troveError } from '../oslo/failure.ts';
import { GuestLog, type GuestLogDeps, type GuestLogShow, type LogType, type RequestContext } from './guest-log.ts';

export type CnfOptions = Record<string, string | number | boolean | null>;

/** One entry of get_guest_log_defs(). */
export interface LogDef {
  type: LogType;
  user: string | null;
  file: string;
  section?: string;
  enable?: CnfOptions;
  disable?: CnfOptions;
  restart?: boolean;
}

/** The datastore side the log code drives (configuration_manager, apply_overrides, status). */
export interface LogDatastore {
  /** get_datastore_log_defs(): creates the log files as a side effect, like Trove's build_log_file_name. */
  datastoreLogDefs(): Record<string, LogDef>;
  /** guestagent_log_defs: the agent's own log (SYS). */
  guestagentLogDefs(): Record<string, LogDef>;
  isLogEnabled(name: string): boolean;
  /** null: no configuration manager (Trove raises GuestError on enable/disable). */
  configurationManager: {
    removeSystemOverride(changeId: string): void;
    applySystemOverride(options: Record<string, CnfOptions>, changeId: string, preUser: boolean): void;
  } | null;
  applyOverrides(values: CnfOptions): Promise<void>;
  setRestartRequired(): Promise<void>;
}

export interface GuestLogManagerOptions {
  datastore: LogDatastore;
  /** [<manager>] guest_log_exposed_logs (mysql/mariadb default "general,slow_query"). */
  exposedLogs: string;
  logDeps: GuestLogDeps;
  log: Logger;
}

export const ENABLE_LABEL = 'enable';
export const DISABLE_LABEL = 'disable';

export class GuestLogManager {
  private context: RequestContext | null = null;
  private loadedContext: RequestContext | null = null;
  private cache: Map<string, GuestLog> | null = null;
  private defs: Record<string, LogDef> | null = null;

  constructor(private readonly o: GuestLogManagerOptions) {}

  getGuestLogDefs(): Record<string, LogDef> {
    if (!this.defs) this.defs = { ...this.o.datastore.datastoreLogDefs(), ...this.o.datastore.guestagentLogDefs() };
    return this.defs;
  }

  private getCache(): Map<string, GuestLog> {
    if (this.cache && this.cache.size > 0) {
      if (this.loadedContext !== this.context) for (const gl of this.cache.values()) gl.context = this.context!;
    } else {
      this.cache = new Map();
      if (this.context) {
        const defs = this.getGuestLogDefs();
        const exposed = this.o.exposedLogs.toLowerCase().replace(/,/g, ' ').split(/\s+/).filter(Boolean);
        this.o.log.debug(`Available log defs: ${Object.keys(defs).join(',')}`);
        this.o.log.debug(`Exposing log defs: ${exposed.join(',')}`);
        const all = exposed.includes('all');
        for (const [name, def] of Object.entries(defs)) {
          const gl = new GuestLog(this.o.logDeps, this.context, name, def.type, def.user, def.file, all || exposed.includes(name));
          if (def.type === 'USER') {
            gl.enabled = this.o.datastore.isLogEnabled(name);
            gl.status = gl.enabled ? 'Enabled' : 'Disabled';
          }
          this.cache.set(name, gl);
        }
      }
    }
    this.loadedContext = this.context;
    return this.cache;
  }

  async guestLogList(context: RequestContext): Promise<GuestLogShow[]> {
    this.o.log.info('Getting list of guest logs.');
    this.context = context;
    const out: GuestLogShow[] = [];
    for (const gl of this.getCache().values()) if (gl.exposed) out.push(await gl.show());
    return out;
  }

  async guestLogAction(context: RequestContext, logName: string, enable: unknown, disable: unknown, publish: unknown, discard: unknown): Promise<GuestLogShow> {
    if (enable && disable) throw troveError('BadRequest', `Cannot enable and disable log '${logName}'.`);
    // Enable if we are publishing, unless told to disable
    if (publish && !disable) enable = true;
    const py = (v: unknown) => (v === true ? 'True' : v === false ? 'False' : v === null || v === undefined ? 'None' : String(v));
    this.o.log.info(`Processing guest log '${logName}' (enable=${py(enable)}, disable=${py(disable)}, publish=${py(publish)}, discard=${py(discard)}).`);
    this.context = context;
    const gl = this.getCache().get(logName);
    if (!gl) throw troveError('NotFound', `Log '${logName}' is not defined.`);
    if (gl.type === 'SYS' && !publish && (enable || disable)) {
      throw troveError('BadRequest', `Cannot ${enable ? 'enable' : 'disable'} a SYSTEM log ('${logName}').`);
    }
    if (gl.type === 'USER') {
      const requiresChange = (gl.enabled && disable) || (!gl.enabled && enable);
      if (requiresChange) {
        await this.guestLogEnable(logName, Boolean(disable));
        gl.enabled = Boolean(enable);
        gl.status = enable ? 'Enabled' : 'Disabled';
      }
    }
    let details = await gl.show();
    if (discard) details = await gl.discardLog();
    if (publish) details = await gl.publishLog();
    this.o.log.info(`Details for log '${logName}': ${JSON.stringify(details)}`);
    return details;
  }

  /** Returns whether the datastore must restart for the change to take effect. */
  private async guestLogEnable(logName: string, disable: boolean): Promise<boolean> {
    const verb = disable ? 'Disabling' : 'Enabling';
    const cm = this.o.datastore.configurationManager;
    if (!cm) {
      const msg = `${verb} log '${logName}' not supported - no configuration manager defined!`;
      this.o.log.error(msg);
      throw troveError('GuestError', `An error occurred communicating with the guest: ${msg}.`, { original_message: msg });
    }
    this.o.log.debug(`${verb} log '${logName}'`);
    const def = this.getGuestLogDefs()[logName]!;
    const enableLabel = `${ENABLE_LABEL}_${logName}_log`;
    const disableLabel = `${DISABLE_LABEL}_${logName}_log`;
    const restartRequired = def.restart ?? false;
    if (disable) await this.applyLogOverrides(enableLabel, disableLabel, def.disable, def.section, restartRequired);
    else await this.applyLogOverrides(disableLabel, enableLabel, def.enable, def.section, restartRequired);
    return restartRequired;
  }

  private async applyLogOverrides(removeLabel: string, applyLabel: string, values: CnfOptions | undefined, section: string | undefined, restartRequired: boolean): Promise<void> {
    const cm = this.o.datastore.configurationManager!;
    cm.removeSystemOverride(removeLabel);
    if (values && Object.keys(values).length > 0) {
      const options = section ? { [section]: values } : (values as unknown as Record<string, CnfOptions>);
      cm.applySystemOverride(options, applyLabel, true);
    }
    if (restartRequired) await this.o.datastore.setRestartRequired();
    else await this.o.datastore.applyOverrides(values ?? {});
  }
}
