// The casting half of oslo's RPCClient, for guest -> conductor traffic:
// RPCClient(transport, Target(topic=conductor_queue, version='1.0')).cast(...)
// publishes to the control exchange with routing key = topic. Like
// Connection.topic_send it declares the topic exchange (durable=False,
// auto_delete=False) once per connection before the first publish. Like
// kombu's ensure() around the publish, a connection lost before the broker
// confirmed it means: reconnect and publish again (at least once), so a cast
// made on a connection a VIP move has just killed is not lost.
import { buildRequest, serializeEnvelope } from './envelope.ts';
import type { Context, RpcSerializer } from './secure.ts';
import { NotConnected, type Transport } from './transport.ts';

export interface RpcClientOptions {
  transport: Transport;
  exchange: string;
  topic: string;
  version: string;
  serializer: RpcSerializer;
  /** How long a cast may wait for a connection and the broker's confirm, retries included. */
  castTimeoutMs?: number;
  /** Told about each publish that is retried on a new connection. */
  onRetry?: (error: Error) => void;
}

export class RpcClient {
  private declaredOn = 0;

  constructor(private readonly opts: RpcClientOptions) {}

  /** Casts `method(**args)`; each arg and the context go through the serializer. */
  async cast(context: Context, method: string, args: Record<string, unknown>, version = this.opts.version): Promise<void> {
    const { transport, serializer } = this.opts;
    const timeoutMs = this.opts.castTimeoutMs ?? 20_000;
    const serialized: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) serialized[k] = serializer.serializeEntity(v);
    const body = serializeEnvelope(buildRequest({ method, args: serialized, version, context: serializer.serializeContext(context) }));
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    let dead = 0;
    for (;;) {
      const session = await transport.whenConnected(left(), dead);
      try {
        if (this.declaredOn !== session.generation) {
          await session.publisher.assertExchange(this.opts.exchange, 'topic', { durable: false, autoDelete: false });
          this.declaredOn = session.generation;
        }
        await transport.publish(this.opts.exchange, this.opts.topic, body, { timeoutMs: left() });
        return;
      } catch (err) {
        const lostConnection = err instanceof NotConnected || (err as Error).message?.includes('Channel closed');
        if (!lostConnection || Date.now() >= deadline) throw err;
        this.opts.onRetry?.(err as Error);
        dead = session.generation;
      }
    }
  }
}
