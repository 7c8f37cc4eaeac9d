// The lab's Trove guest agent: reads the injected config, connects to
// RabbitMQ (failover across the transport_url hosts), serves the guest RPC API
// on topic guestagent.<guest_id> (server <guest_id>, version 1.1, secure RPC
// with the instance key) and reports status heartbeats to the conductor.
// Datastore operations plug into `registry`; a method that isn't registered
// answers NoSuchMethod, like a real guest that lacks it.
import { ConductorApi } from './conductor.ts';
import type { GuestConfig } from './config.ts';
import type { Datastore } from './datastore.ts';
import { createLogger, type Logger } from './log.ts';
import { instanceOperations } from './operations.ts';
import { MethodRegistry, type RpcMethod } from './oslo/dispatcher.ts';
import { RpcServer } from './oslo/rpc-server.ts';
import { SecureSerializer } from './oslo/secure.ts';
import { Transport } from './oslo/transport.ts';
import { describeHosts, parseTransportUrl } from './oslo/transport-url.ts';
import { StatusReporter } from './status-reporter.ts';

/** trove/guestagent/api.py API_LATEST_VERSION: the guest endpoint's target version. */
export const GUEST_API_VERSION = '1.1';

export interface GuestAgentOptions {
  config: GuestConfig;
  datastore: Datastore;
  log?: Logger;
  /** Datastore-specific operations, registered next to the instance ones (a factory gets the agent's parts). */
  operations?: RpcMethod[] | ((parts: AgentParts) => RpcMethod[]);
  connectTimeoutMs?: number;
}

/** What datastore operations may use of the agent. */
export interface AgentParts {
  reporter: StatusReporter;
  conductor: ConductorApi;
  log: Logger;
}

export class GuestAgent {
  readonly registry = new MethodRegistry();
  readonly transport: Transport;
  readonly server: RpcServer;
  readonly conductor: ConductorApi;
  readonly reporter: StatusReporter;
  readonly log: Logger;
  readonly topic: string;

  constructor(readonly opts: GuestAgentOptions) {
    const { config, datastore } = opts;
    this.log = opts.log ?? createLogger({ name: `trove-guest ${config.guestId}` });
    if (datastore.manager !== config.datastoreManager) {
      throw new Error(`Manager class not registered for datastore manager ${config.datastoreManager} (have ${datastore.manager})`);
    }
    const url = parseTransportUrl(config.transportUrl);
    this.log.addSecret(config.instanceRpcEncrKey);
    for (const h of url.hosts) this.log.addSecret(h.password);
    this.topic = `guestagent.${config.guestId}`;
    this.transport = new Transport({
      hosts: url.hosts,
      vhost: url.vhost,
      log: this.log,
      heartbeatSeconds: config.rabbit.heartbeatTimeoutThreshold,
      retryIntervalMs: config.rabbit.retryInterval * 1000,
      retryBackoffMs: config.rabbit.retryBackoff * 1000,
      maxIntervalMs: config.rabbit.intervalMax * 1000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
      connectionName: `trove-lab-guest ${config.guestId}`,
    });
    this.conductor = new ConductorApi(this.transport, {
      exchange: config.controlExchange,
      topic: config.conductorQueue,
      guestId: config.guestId,
      key: config.instanceRpcEncrKey,
      onRetry: (e) => this.log.warn(`a cast to the conductor lost its connection before the broker confirmed it (${e.message}); publishing it again on the next connection`),
    });
    this.reporter = new StatusReporter({ conductor: this.conductor, datastore, stateDir: config.stateDir, intervalMs: config.reportInterval * 1000, log: this.log });
    const parts: AgentParts = { reporter: this.reporter, conductor: this.conductor, log: this.log };
    const extra = typeof opts.operations === 'function' ? opts.operations(parts) : (opts.operations ?? []);
    this.registry.register(...instanceOperations({ datastore, reporter: this.reporter, log: this.log }), ...extra);
    this.server = new RpcServer({
      transport: this.transport,
      exchange: config.controlExchange,
      topic: this.topic,
      server: config.guestId,
      version: GUEST_API_VERSION,
      registry: this.registry,
      serializer: new SecureSerializer(config.instanceRpcEncrKey),
      log: this.log,
      transientQueuesTtlSeconds: config.rabbit.transientQueuesTtl,
    });
    this.log.info(
      `guest ${config.guestId} (${config.datastoreManager} ${config.datastoreVersion ?? '?'}): topic ${this.topic} on exchange ${config.controlExchange}, ` +
        `hosts ${describeHosts(url.hosts)}, secure RPC ${config.instanceRpcEncrKey ? 'on' : 'off'}, report_interval ${config.reportInterval} s`,
    );
  }

  /** Starts serving; connecting continues in the background until stop(). */
  async start(): Promise<void> {
    await this.server.start();
    this.transport.start();
    this.reporter.startPeriodic();
  }

  /** Resolves once connected with queues declared and consumers on. */
  async ready(timeoutMs: number): Promise<void> {
    await this.transport.whenConnected(timeoutMs);
  }

  async stop(): Promise<void> {
    this.reporter.stop();
    await this.transport.close();
  }
}
