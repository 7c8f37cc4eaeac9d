// BaseDbStatus (trove/guestagent/datastore/service.py) + the manager's
// periodic update_status: "building" when prepare starts, the real status when
// it ends, then the real status every report_interval — but only once prepare
// has completed (marker file, so an agent restart resumes reporting without a
// new prepare). Extra for the lab (recipe §12): after stop_db the periodic
// reports pause, so a guest of a deleted instance can't flip Trove back to
// healthy; restart resumes them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConductorApi } from './conductor.ts';
import type { Datastore } from './datastore.ts';
import type { ServiceStatus } from './service-status.ts';
import { errorText, type Logger } from './log.ts';

const PREPARE_START = '.guestagent.prepare.start';
const PREPARE_END = '.guestagent.prepare.end';

export interface SentHeartbeat {
  status: ServiceStatus;
  sent: number;
}

export class StatusReporter {
  private timer: ReturnType<typeof setInterval> | null = null;
  private paused = false;
  private ticking = false;
  status: ServiceStatus | null = null;
  readonly sentLog: SentHeartbeat[] = [];

  constructor(
    private readonly opts: { conductor: ConductorApi; datastore: Datastore; stateDir: string; intervalMs: number; log: Logger },
  ) {}

  get isInstalled(): boolean {
    return existsSync(join(this.opts.stateDir, PREPARE_END));
  }

  async beginInstall(): Promise<void> {
    this.touch(PREPARE_START);
    await this.setStatus('building', true);
  }

  /** end_install: FAILED on error, INSTANCE_READY with post-processing (clusters), else ready + the real status. */
  async endInstall(errorOccurred: boolean, postProcessing: boolean): Promise<void> {
    if (!(errorOccurred || postProcessing)) this.touch(PREPARE_END);
    if (errorOccurred) await this.setStatus('failed to spawn', true);
    else if (postProcessing) await this.setStatus('instance ready', true);
    else await this.setStatus(await this.opts.datastore.status(), true);
  }

  /** set_status: a heartbeat when forced or installed. */
  async setStatus(status: ServiceStatus, force = false): Promise<void> {
    if (!(force || this.isInstalled)) {
      this.opts.log.debug('prepare has not completed yet, skipping heartbeat');
      return;
    }
    const sent = await this.opts.conductor.heartbeat(status);
    this.status = status;
    this.sentLog.push({ status, sent });
    if (this.sentLog.length > 100) this.sentLog.shift();
    this.opts.log.debug(`heartbeat ${status} sent=${sent}`);
  }

  /** FixedIntervalLoopingCall(update_status, interval=initial_delay=report_interval). */
  startPeriodic(): void {
    if (this.timer || this.opts.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.paused || this.ticking || !this.isInstalled) return;
    this.ticking = true; // a slow status check must not stack up ticks
    try {
      await this.setStatus(await this.opts.datastore.status());
    } catch (err) {
      this.opts.log.warn(`periodic status report failed: ${errorText(err)}`);
    } finally {
      this.ticking = false;
    }
  }

  private touch(name: string): void {
    mkdirSync(this.opts.stateDir, { recursive: true });
    writeFileSync(join(this.opts.stateDir, name), '');
  }
}
