// Lab cloud state store: atomic JSON persistence that survives a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATE_FILE, Store } from '../../lab/cloud/store.ts';

describe('lab cloud store', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-cloud-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty and persists every change to one JSON file', () => {
    const store = new Store(dir);
    assert.equal(store.state.servers.length, 0);
    store.mutate((s) => s.volumes.push({ id: 'v1', name: 'a', projectId: 'p', size: 1, status: 'available', description: null, created: 'now', metadata: {} }));
    const onDisk = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as { version: number; volumes: { id: string }[] };
    assert.equal(onDisk.version, 1);
    assert.deepEqual(onDisk.volumes.map((v) => v.id), ['v1']);
  });

  it('a new Store on the same directory (a restart) sees the state', () => {
    const first = new Store(dir);
    first.mutate((s) => {
      s.counters.keypair = 7;
      s.flavorAccess.f1 = ['p1'];
    });
    const second = new Store(dir);
    assert.equal(second.state.counters.keypair, 7);
    assert.deepEqual(second.state.flavorAccess, { f1: ['p1'] });
  });

  it('writes through a temporary file and a rename: no partial file, no leftovers', () => {
    const store = new Store(dir);
    for (let i = 0; i < 20; i++) store.mutate((s) => (s.counters.n = i));
    assert.deepEqual(readdirSync(dir), [STATE_FILE]);
    assert.equal(new Store(dir).state.counters.n, 19);
  });

  it('a change that throws is rolled back in memory and not written', () => {
    const store = new Store(dir);
    store.mutate((s) => (s.counters.a = 1));
    assert.throws(() =>
      store.mutate((s) => {
        s.counters.a = 2;
        throw new Error('refused');
      }),
    );
    assert.equal(store.state.counters.a, 1);
    assert.equal(new Store(dir).state.counters.a, 1);
  });

  it('refuses a state file of an unknown version instead of guessing', () => {
    writeFileSync(join(dir, STATE_FILE), JSON.stringify({ version: 99 }));
    assert.throws(() => new Store(dir), /unknown lab cloud state version 99/);
  });
});
