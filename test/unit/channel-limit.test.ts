import assert from 'node:assert/strict';
import { ChannelLimit } from '../../lib/remote/channel-limit.ts';

describe('ChannelLimit', () => {
  it('lets `max` holders in and queues the rest in order', async () => {
    const limit = new ChannelLimit(2);
    const order: string[] = [];
    const first = await limit.acquire();
    const second = await limit.acquire();
    const third = limit.acquire().then((release) => (order.push('third'), release));
    const fourth = limit.acquire().then((release) => (order.push('fourth'), release));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    first();
    first(); // a second release of the same slot must not free another
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['third']);
    second();
    (await third)();
    (await fourth)();
    assert.deepEqual(order, ['third', 'fourth']);
    // All free again: two acquire at once.
    await limit.acquire();
    await limit.acquire();
  });
});
