// trove/conductor/api.py as the guest uses it: casts on topic conductor_queue,
// version "1.0", through ConductorGuestSerializer. The context is what
// TroveContext().to_dict() gives (BaseDbStatus.set_status builds a fresh one).
import { randomUUID } from 'node:crypto';
import { RpcClient } from './oslo/rpc-client.ts';
import { ConductorGuestSerializer } from './oslo/secure.ts';
import { pyFloat } from './oslo/py-json.ts';
import type { Transport } from './oslo/transport.ts';
import type { ServiceStatus } from './service-status.ts';
import type { BackupStateFields } from './backup/update-backup.ts';

export function emptyTroveContext(): Record<string, unknown> {
  return {
    user: null,
    project_id: null,
    system_scope: null,
    project: null,
    domain: null,
    user_domain: null,
    project_domain: null,
    is_admin: false,
    read_only: false,
    show_deleted: false,
    auth_token: null,
    request_id: `req-${randomUUID()}`,
    global_request_id: null,
    resource_uuid: null,
    roles: [],
    user_identity: '- - - - -',
    is_admin_project: true,
    limit: null,
    marker: null,
    service_catalog: null,
  };
}

/** timeutils.utcnow_ts(microsecond=True), forced strictly above the previous value. */
export class SentClock {
  private last = 0;
  next(): number {
    const now = Math.round((performance.timeOrigin + performance.now()) * 1000) / 1e6;
    this.last = now > this.last ? now : Math.round((this.last + 1e-6) * 1e6) / 1e6;
    return this.last;
  }
}

export class ConductorApi {
  private readonly client: RpcClient;
  private readonly clock = new SentClock();

  constructor(
    transport: Transport,
    private readonly opts: { exchange: string; topic: string; guestId: string; key: string | null; onRetry?: (error: Error) => void },
  ) {
    this.client = new RpcClient({
      transport,
      exchange: opts.exchange,
      topic: opts.topic,
      version: '1.0',
      serializer: new ConductorGuestSerializer(opts.key, opts.guestId),
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    });
  }

  /** heartbeat(instance_id, payload={'service_status': ...}, sent=<float>); returns the `sent` used. */
  async heartbeat(status: ServiceStatus): Promise<number> {
    const sent = this.clock.next();
    // conductor API order: instance_id, sent, payload
    await this.client.cast(emptyTroveContext(), 'heartbeat', { instance_id: this.opts.guestId, sent: pyFloat(sent), payload: { service_status: status } });
    return sent;
  }

  /** update_backup(instance_id, backup_id, sent, **backup_fields): the conductor copies the fields onto the backup row. */
  async updateBackup(fields: BackupStateFields): Promise<number> {
    const sent = this.clock.next();
    await this.client.cast(emptyTroveContext(), 'update_backup', { instance_id: this.opts.guestId, sent: pyFloat(sent), ...fields });
    return sent;
  }

  /** report_root(instance_id): the conductor records root as enabled (RootHistory). */
  async reportRoot(): Promise<void> {
    await this.client.cast(emptyTroveContext(), 'report_root', { instance_id: this.opts.guestId });
  }
}
