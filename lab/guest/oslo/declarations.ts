// What oslo.messaging 14's rabbit driver declares for an RPC server on
// Target(topic, server) (amqpdriver.py listen -> impl_rabbit.py
// declare_topic_consumer x2 + declare_fanout_consumer), with the default
// options (amqp_durable_queues = amqp_auto_delete = rabbit_ha_queues =
// rabbit_quorum_queue = False, rabbit_transient_queues_ttl = 1800). The flags
// must be identical: Trove's taskmanager declares the same topic queues before
// casting prepare, and any difference is a 406 PRECONDITION_FAILED.
export interface ExchangeDecl {
  name: string;
  type: 'topic' | 'fanout' | 'direct';
  durable: boolean;
  autoDelete: boolean;
}

export interface QueueDecl {
  name: string;
  durable: boolean;
  autoDelete: boolean;
  arguments: Record<string, number>;
  exchange: string;
  routingKey: string;
}

export interface RpcServerTopology {
  exchanges: ExchangeDecl[];
  queues: QueueDecl[];
}

export function rpcServerTopology(opts: { exchange: string; topic: string; server: string; fanoutSuffix: string; transientQueuesTtlSeconds?: number }): RpcServerTopology {
  const { exchange, topic, server } = opts;
  const ttl = opts.transientQueuesTtlSeconds ?? 1800;
  const fanoutExchange = `${topic}_fanout`;
  const topicQueue = (name: string): QueueDecl => ({ name, durable: false, autoDelete: false, arguments: {}, exchange, routingKey: name });
  return {
    exchanges: [
      { name: exchange, type: 'topic', durable: false, autoDelete: false },
      { name: fanoutExchange, type: 'fanout', durable: false, autoDelete: true },
    ],
    queues: [
      topicQueue(topic),
      topicQueue(`${topic}.${server}`),
      {
        name: `${topic}_fanout_${opts.fanoutSuffix}`,
        durable: false,
        autoDelete: false,
        // _get_queue_arguments: x-expires only when the ttl is > 0
        arguments: ttl > 0 ? { 'x-expires': ttl * 1000 } : {},
        exchange: fanoutExchange,
        routingKey: topic,
      },
    ],
  };
}
