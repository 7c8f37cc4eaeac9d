// An oslo.messaging RPC server on RabbitMQ for Target(topic, server): declares
// and consumes rpcServerTopology(), acks each request before handling it (as
// RpcAMQPListener does), drops duplicates by _unique_id, dispatches, and for
// calls replies to the default exchange with routing key _reply_q (mandatory;
// retried while the reply queue is missing, up to
// missing_destination_retry_timeout). While a call runs and the caller sent
// _timeout, call-monitor heartbeats (ending=false) go out every _timeout/2 s.
// A reply the caller can no longer want (past the request's `expiration`) is
// not sent.
import type { ConsumeMessage } from 'amqplib';
import { buildReply, deserializeEnvelope, newId, parseRequest, serializeEnvelope, type RpcRequest } from './envelope.ts';
import { dispatch, type MethodRegistry } from './dispatcher.ts';
import { rpcServerTopology, type RpcServerTopology } from './declarations.ts';
import { serializeFailure } from './failure.ts';
import type { RpcSerializer } from './secure.ts';
import type { Session, Transport } from './transport.ts';
import { errorText, type Logger } from '../log.ts';

export interface RpcServerOptions {
  transport: Transport;
  exchange: string;
  topic: string;
  server: string;
  version: string;
  registry: MethodRegistry;
  serializer: RpcSerializer;
  log: Logger;
  transientQueuesTtlSeconds?: number;
  /** oslo missing_destination_retry_timeout (s, default 60) as ms. */
  replyRetryMs?: number;
}

const DUP_CHECK_SIZE = 16;

export class RpcServer {
  readonly topology: RpcServerTopology;
  private readonly seen: string[] = [];
  private inFlight = 0;
  readonly stats = { requests: 0, replies: 0, failures: 0, duplicates: 0, lateReplies: 0, undeliverable: 0 };

  constructor(private readonly opts: RpcServerOptions) {
    // One fanout queue per server process lifetime, like oslo's uuid per listener.
    this.topology = rpcServerTopology({ ...opts, fanoutSuffix: newId(), transientQueuesTtlSeconds: opts.transientQueuesTtlSeconds });
  }

  get pending(): number {
    return this.inFlight;
  }

  async start(): Promise<void> {
    await this.opts.transport.addSetup((s) => this.declareAndConsume(s));
  }

  private async declareAndConsume(s: Session): Promise<void> {
    const ch = s.channel;
    for (const x of this.topology.exchanges) await ch.assertExchange(x.name, x.type, { durable: x.durable, autoDelete: x.autoDelete, internal: false });
    for (const q of this.topology.queues) {
      await ch.assertQueue(q.name, { durable: q.durable, autoDelete: q.autoDelete, exclusive: false, arguments: q.arguments });
      await ch.bindQueue(q.name, q.exchange, q.routingKey);
    }
    for (const q of this.topology.queues) {
      await ch.consume(q.name, (msg) => {
        if (msg) void this.onMessage(s, msg);
      });
    }
  }

  private async onMessage(s: Session, msg: ConsumeMessage): Promise<void> {
    const { log } = this.opts;
    let req: RpcRequest;
    try {
      req = parseRequest(deserializeEnvelope(msg.content));
    } catch (err) {
      // Consumer._callback: "Failed to process message ... skipping it." + reject
      log.error(`undecodable message on ${msg.fields.routingKey}, rejected: ${errorText(err)}`);
      s.channel.nack(msg, false, false);
      return;
    }
    try {
      s.channel.ack(msg);
    } catch (err) {
      log.warn(`discarding RPC request ${req.method}: ack failed (${errorText(err)})`);
      return;
    }
    if (req.uniqueId !== null) {
      if (this.seen.includes(req.uniqueId)) {
        this.stats.duplicates++;
        log.warn(`ignoring duplicate message ${req.uniqueId} (${req.method})`);
        return;
      }
      this.seen.push(req.uniqueId);
      if (this.seen.length > DUP_CHECK_SIZE) this.seen.shift();
    }
    this.stats.requests++;
    this.inFlight++;
    const receivedAt = Date.now();
    const expiration = msg.properties.expiration !== undefined ? Number(msg.properties.expiration) : null;
    const monitor = this.startCallMonitor(req);
    let result: unknown = null;
    let failure: string | null = null;
    try {
      result = await dispatch(req, this.opts);
    } catch (err) {
      this.stats.failures++;
      failure = serializeFailure(err, req.method);
      log.warn(`${req.msgId ? 'call' : 'cast'} ${req.method} (version ${req.version}) failed: ${errorText(err)}`);
    } finally {
      clearInterval(monitor);
      this.inFlight--;
    }
    if (req.msgId === null || req.replyQueue === null) return;
    if (expiration !== null && Number.isFinite(expiration) && Date.now() - receivedAt > expiration) {
      this.stats.lateReplies++;
      log.warn(`not replying to ${req.method} ${req.msgId}: the caller's ${expiration} ms timeout has passed`);
      return;
    }
    await this.reply(req, result, failure, true);
  }

  private startCallMonitor(req: RpcRequest): ReturnType<typeof setInterval> | undefined {
    // RPCDispatcher._watchdog: int(client_timeout) / 2, not below 1 s
    if (req.msgId === null || req.clientTimeout === null) return undefined;
    const interval = Math.trunc(req.clientTimeout) / 2;
    if (!(interval >= 1)) return undefined;
    return setInterval(() => void this.reply(req, null, null, false), interval * 1000);
  }

  private async reply(req: RpcRequest, result: unknown, failure: string | null, ending: boolean): Promise<void> {
    const { log } = this.opts;
    const deadline = Date.now() + (this.opts.replyRetryMs ?? 60_000);
    const body = serializeEnvelope(buildReply(req.msgId!, result, failure, ending));
    for (;;) {
      let outcome: string;
      try {
        outcome = await this.opts.transport.publish('', req.replyQueue!, body, { mandatory: true, timeoutMs: Math.max(1000, deadline - Date.now()) });
      } catch (err) {
        outcome = errorText(err);
      }
      if (outcome === 'delivered') {
        if (ending) this.stats.replies++;
        return;
      }
      // A call-monitor heartbeat is not retried (the watchdog just stops in oslo).
      if (!ending || Date.now() >= deadline) {
        this.stats.undeliverable++;
        log.error(`reply ${req.msgId} to ${req.replyQueue} abandoned: ${outcome === 'unroutable' ? 'reply queue missing' : outcome}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
