// One AMQP connection to RabbitMQ with failover across the transport_url hosts,
// like oslo.messaging's kombu driver (kombu_failover_strategy = round-robin):
// after a loss we try the next host first; after a whole round of failures we
// wait rabbit_retry_interval + n * rabbit_retry_backoff, capped at
// rabbit_interval_max. Every setup hook (declare + consume) runs again on each
// new connection, so queues, bindings and consumers come back after failover.
// AMQP heartbeats are on (heartbeat_timeout_threshold), so a silent peer is
// noticed without TCP keepalive.
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { describeHosts, type AmqpHost } from './transport-url.ts';
import { errorText, type Logger } from '../log.ts';

export interface Session {
  conn: ChannelModel;
  /** Declarations and consumers. */
  channel: Channel;
  /** Publishes, with publisher confirms so a mandatory reply's basic.return is seen before its ack. */
  publisher: ConfirmChannel;
  host: AmqpHost;
  /** 1 for the first connection, +1 per reconnect. */
  generation: number;
}

export type SetupHook = (session: Session) => Promise<void>;

export interface TransportOptions {
  hosts: AmqpHost[];
  vhost: string;
  log: Logger;
  /** Seconds; oslo heartbeat_timeout_threshold (default 60). 0 turns AMQP heartbeats off. */
  heartbeatSeconds?: number;
  /** oslo rabbit_retry_interval / rabbit_retry_backoff / rabbit_interval_max, in ms. */
  retryIntervalMs?: number;
  retryBackoffMs?: number;
  maxIntervalMs?: number;
  /** TCP connect + AMQP handshake bound per host. */
  connectTimeoutMs?: number;
  connectionName?: string;
}

export interface PublishOptions {
  mandatory?: boolean;
  /** Per-message TTL in ms (oslo sets it to the call timeout). */
  expirationMs?: number;
  /** How long to wait for a connection and the broker's confirm. */
  timeoutMs: number;
}

export type PublishOutcome = 'delivered' | 'unroutable';

export class NotConnected extends Error {}

export class Transport {
  private readonly hooks: SetupHook[] = [];
  private session: Session | null = null;
  private waiters: Array<(s: Session) => void> = [];
  private stopped = false;
  private nextHost = 0;
  private generation = 0;
  private loop: Promise<void> | null = null;
  private wakeStop: (() => void) | null = null;
  readonly stats = { connects: 0, failedAttempts: 0 };

  constructor(private readonly opts: TransportOptions) {
    if (opts.hosts.length === 0) throw new Error('no AMQP host to connect to');
  }

  /** Registers a (re)connect hook; runs it at once when already connected. */
  async addSetup(hook: SetupHook): Promise<void> {
    this.hooks.push(hook);
    if (this.session) await hook(this.session);
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  get connected(): boolean {
    return this.session !== null;
  }

  get currentHost(): AmqpHost | null {
    return this.session?.host ?? null;
  }

  /**
   * The live session, waiting up to `timeoutMs` for one; with `newerThan`, one
   * of a later generation (the caller saw that one die, even if the close has
   * not been processed yet).
   */
  whenConnected(timeoutMs: number, newerThan = 0): Promise<Session> {
    if (this.session && this.session.generation > newerThan) return Promise.resolve(this.session);
    if (this.stopped) return Promise.reject(new NotConnected('transport is closed'));
    return new Promise((resolve, reject) => {
      const waiter = (s: Session) => {
        clearTimeout(timer);
        resolve(s);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new NotConnected(`no AMQP connection within ${timeoutMs} ms (hosts ${describeHosts(this.opts.hosts)})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Publishes one JSON message with the properties kombu gives oslo messages. */
  async publish(exchange: string, routingKey: string, body: string, opts: PublishOptions): Promise<PublishOutcome> {
    const started = Date.now();
    const session = await this.whenConnected(opts.timeoutMs);
    const ch = session.publisher;
    const content = Buffer.from(body, 'utf8');
    return new Promise<PublishOutcome>((resolve, reject) => {
      let returned = false;
      const onReturn = (msg: ConsumeMessage) => {
        if (msg.fields.routingKey === routingKey && msg.content.equals(content)) returned = true;
      };
      const onClose = () => finish(new NotConnected('channel closed before the broker confirmed the publish'));
      const timer = setTimeout(() => finish(new NotConnected(`no publish confirm within ${opts.timeoutMs} ms`)), Math.max(1, opts.timeoutMs - (Date.now() - started)));
      const finish = (err: Error | null) => {
        clearTimeout(timer);
        ch.off('return', onReturn);
        ch.off('close', onClose);
        if (err) reject(err);
        else resolve(returned ? 'unroutable' : 'delivered');
      };
      ch.on('return', onReturn);
      ch.once('close', onClose);
      try {
        ch.publish(
          exchange,
          routingKey,
          content,
          {
            contentType: 'application/json',
            contentEncoding: 'utf-8',
            headers: {},
            deliveryMode: 2,
            priority: 0,
            mandatory: opts.mandatory ?? false,
            ...(opts.expirationMs !== undefined ? { expiration: String(Math.max(0, Math.round(opts.expirationMs))) } : {}),
          },
          (err: unknown) => finish(err ? new Error(`broker refused the publish: ${errorText(err)}`) : null),
        );
      } catch (err) {
        finish(new NotConnected(`publish failed: ${errorText(err)}`));
      }
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.wakeStop?.();
    const s = this.session;
    this.session = null;
    if (s) await s.conn.close().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    const { log } = this.opts;
    let failedRounds = 0;
    while (!this.stopped) {
      let connected = false;
      for (let i = 0; i < this.opts.hosts.length && !this.stopped; i++) {
        const index = (this.nextHost + i) % this.opts.hosts.length;
        const host = this.opts.hosts[index]!;
        let session: Session;
        let closed: Promise<string>;
        try {
          ({ session, closed } = await this.open(host));
        } catch (err) {
          this.stats.failedAttempts++;
          log.warn(`AMQP ${host.hostname}:${host.port} unavailable: ${errorText(err)}`);
          continue;
        }
        if (this.stopped) {
          await session.conn.close().catch(() => undefined);
          return;
        }
        connected = true;
        failedRounds = 0;
        const reason = await closed;
        this.session = null;
        if (this.stopped) return;
        log.warn(`AMQP connection to ${host.hostname}:${host.port} lost (${reason}); failing over`);
        // round-robin: the next attempt starts with the host after the one that failed
        this.nextHost = (index + 1) % this.opts.hosts.length;
        break;
      }
      if (connected || this.stopped) continue;
      const delay = Math.min((this.opts.retryIntervalMs ?? 1000) + failedRounds * (this.opts.retryBackoffMs ?? 2000), this.opts.maxIntervalMs ?? 30_000);
      failedRounds++;
      log.warn(`no AMQP host reachable (${describeHosts(this.opts.hosts)}); retrying in ${delay} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wakeStop = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeStop = null;
    }
  }

  private async open(host: AmqpHost): Promise<{ session: Session; closed: Promise<string> }> {
    const { log } = this.opts;
    const conn = await amqp.connect(
      {
        protocol: 'amqp',
        hostname: host.hostname,
        port: host.port,
        username: host.username,
        password: host.password,
        vhost: this.opts.vhost,
        heartbeat: this.opts.heartbeatSeconds ?? 60,
      },
      { timeout: this.opts.connectTimeoutMs ?? 5000, noDelay: true, clientProperties: { connection_name: this.opts.connectionName ?? 'trove-lab-guest' } },
    );
    let reason = 'closed';
    const closed = new Promise<string>((resolve) => conn.once('close', (err?: unknown) => resolve(err ? errorText(err) : reason)));
    conn.on('error', (err: unknown) => {
      reason = errorText(err);
    });
    conn.on('blocked', (why: unknown) => log.warn(`broker blocked the connection: ${String(why)}`));
    conn.on('unblocked', () => log.info('broker unblocked the connection'));
    try {
      const channel = await conn.createChannel();
      const publisher = await conn.createConfirmChannel();
      // A channel error (e.g. 406 on a re-declare) closes only that channel; we
      // drop the whole connection so every hook runs again from a clean state.
      for (const ch of [channel, publisher] as Channel[]) {
        ch.on('error', (err: unknown) => {
          reason = `channel error: ${errorText(err)}`;
          log.error(`AMQP ${reason}`);
        });
        ch.on('close', () => void conn.close().catch(() => undefined));
      }
      const session: Session = { conn, channel, publisher, host, generation: ++this.generation };
      for (const hook of this.hooks) await hook(session);
      this.stats.connects++;
      this.session = session;
      log.info(`AMQP connected to ${host.hostname}:${host.port} (connection #${session.generation})`);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w(session);
      return { session, closed };
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }
}
