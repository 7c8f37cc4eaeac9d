// The guest's cast, like kombu's ensure() around oslo's publish: a connection
// lost before the broker confirmed the publish means reconnect and publish
// again (a heartbeat cast made on a connection a VIP move had just killed was
// lost before, and the instance watch saw 90 s without a heartbeat).
import assert from 'node:assert/strict';
import { RpcClient } from '../../lab/guest/oslo/rpc-client.ts';
import { SecureSerializer } from '../../lab/guest/oslo/secure.ts';
import { NotConnected, type Session, type Transport } from '../../lab/guest/oslo/transport.ts';

function fakeTransport(failures: Error[], failAlways?: Error) {
  const published: { generation: number; body: string }[] = [];
  const waitedNewerThan: number[] = [];
  let generation = 1;
  const session = (g: number) => ({ generation: g, publisher: { assertExchange: async () => ({}) } }) as unknown as Session;
  const transport = {
    whenConnected: async (_ms: number, newerThan = 0) => {
      waitedNewerThan.push(newerThan);
      if (newerThan >= generation) generation = newerThan + 1; // the reconnect
      return session(generation);
    },
    publish: async (_x: string, _k: string, body: string) => {
      const err = failures.shift() ?? failAlways;
      if (err) throw err;
      published.push({ generation, body });
      return 'delivered';
    },
  } as unknown as Transport;
  return { transport, published, waitedNewerThan };
}

const client = (transport: Transport, retries: Error[], castTimeoutMs = 5000) =>
  new RpcClient({ transport, exchange: 'trove', topic: 'trove-conductor', version: '1.0', serializer: new SecureSerializer(null), castTimeoutMs, onRetry: (e) => retries.push(e) });

describe('guest RPC cast', () => {
  it('publishes once on a healthy connection', async () => {
    const f = fakeTransport([]);
    const retries: Error[] = [];
    await client(f.transport, retries).cast({}, 'heartbeat', { instance_id: 'i1' });
    assert.equal(f.published.length, 1);
    assert.deepEqual(retries, []);
  });

  it('a connection lost before the confirm: waits for a newer connection and publishes the same message again', async () => {
    const f = fakeTransport([new NotConnected('channel closed before the broker confirmed the publish')]);
    const retries: Error[] = [];
    await client(f.transport, retries).cast({}, 'heartbeat', { instance_id: 'i1' });
    assert.equal(retries.length, 1);
    assert.deepEqual(f.waitedNewerThan, [0, 1], 'the second attempt waits for a connection newer than the dead one');
    assert.equal(f.published.length, 1);
    assert.equal(f.published[0]!.generation, 2);
  });

  it('a refusal by the broker is not retried, and the retries stop at the deadline', async () => {
    const refused = fakeTransport([new Error('broker refused the publish: NOT_FOUND')]);
    await assert.rejects(client(refused.transport, []).cast({}, 'heartbeat', {}), /broker refused/);
    const down = fakeTransport([], new NotConnected('no AMQP connection'));
    await assert.rejects(client(down.transport, [], 50).cast({}, 'heartbeat', {}), NotConnected);
  });
});
