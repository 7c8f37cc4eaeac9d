import assert from 'node:assert/strict';
import { checkArguments, dispatch, MethodRegistry, resolveMethod, type RpcMethod } from '../../lab/guest/oslo/dispatcher.ts';
import { parseRequest } from '../../lab/guest/oslo/envelope.ts';
import { noSuchMethod, RemoteFailure, serializeFailure, toRemoteFailure, unsupportedVersion } from '../../lab/guest/oslo/failure.ts';
import { SecureSerializer, decryptJson, encryptJson } from '../../lab/guest/oslo/secure.ts';
import { versionIsCompatible } from '../../lab/guest/oslo/version.ts';
import { instanceOperations } from '../../lab/guest/operations.ts';
import { silentLogger } from '../../lab/guest/log.ts';
import { vectors } from '../support/guest-vectors.ts';

describe('guest RPC dispatch', () => {
  for (const v of vectors.version_is_compatible) {
    it(`version_is_compatible(${v.implemented}, ${v.requested}) = ${v.compatible}`, () => assert.equal(versionIsCompatible(v.implemented, v.requested), v.compatible));
  }

  const registry = new MethodRegistry().register({ name: 'rpc_ping', handler: () => true }, { name: 'get_filesystem_stats', required: ['fs_path'], handler: ({ fs_path }) => ({ fs_path }) });
  const opts = { version: '1.1', registry };
  const req = (method: string, version = '1.0', namespace: string | null = null) => ({ method, version, namespace });

  it('serves 1.0 and 1.1 on a 1.1 endpoint, refuses 1.2 and 2.0 with UnsupportedVersion', () => {
    assert.equal(resolveMethod(req('rpc_ping', '1.0'), opts).name, 'rpc_ping');
    assert.equal(resolveMethod(req('rpc_ping', '1.1'), opts).name, 'rpc_ping');
    for (const v of ['1.2', '2.0']) assert.throws(() => resolveMethod(req('rpc_ping', v), opts), { name: 'UnsupportedVersion' });
    assert.throws(() => resolveMethod(req('rpc_ping', '1.0', 'other'), opts), { name: 'UnsupportedVersion' }, 'a namespace the endpoint does not accept');
  });

  it('unknown and private methods are NoSuchMethod', () => {
    assert.throws(() => resolveMethod(req('list_databases'), opts), { name: 'NoSuchMethod', message: 'Endpoint does not support RPC method list_databases' });
    assert.throws(() => resolveMethod(req('_secret'), opts), { name: 'NoSuchMethod' });
  });

  it('binds keyword arguments like CPython', () => {
    const m: RpcMethod = { name: 'prepare', required: ['packages', 'databases', 'memory_mb', 'users'], optional: ['ds_version'], handler: () => null };
    assert.throws(() => checkArguments(m, { packages: [], databases: [], memory_mb: 1, users: [], bogus: 1 }), { name: 'TypeError', message: "prepare() got an unexpected keyword argument 'bogus'" });
    assert.throws(() => checkArguments(m, { packages: [] }), { message: "prepare() missing 3 required positional arguments: 'databases', 'memory_mb', and 'users'" });
    assert.throws(() => checkArguments(m, { packages: [], databases: [], memory_mb: 1 }), { message: "prepare() missing 1 required positional argument: 'users'" });
  });

  it('decrypts args and context and encrypts the result with the instance key', async () => {
    const key = vectors.key;
    const request = parseRequest({ method: 'get_filesystem_stats', args: { fs_path: encryptJson(null, key) }, version: '1.0', _msg_id: 'm', _reply_q: 'r', _timeout: null, _context_context: encryptJson({ user: 'u' }, key) });
    const out = await dispatch(request, { ...opts, serializer: new SecureSerializer(key) });
    assert.deepEqual(decryptJson(out, key), { fs_path: null });
  });

  it('our operation signatures match the real Trove 18 MariaDB manager', () => {
    const ops = instanceOperations({ datastore: {} as never, reporter: {} as never, log: silentLogger() });
    for (const op of ops) {
      const sig = vectors.mariadb_manager_signatures[op.name];
      assert.ok(sig, `${op.name} exists on the real manager`);
      assert.deepEqual(op.required ?? [], sig.required, `${op.name} required`);
      assert.deepEqual(op.optional ?? [], sig.optional, `${op.name} optional`);
    }
  });
});

describe('guest RPC failures (oslo serialize_remote_exception)', () => {
  const cases: Array<[string, RemoteFailure]> = [
    ['NoSuchMethod', noSuchMethod('no_such')],
    ['UnsupportedVersion', unsupportedVersion('2.0', 'prepare')],
    ['UnsupportedVersion_no_method', unsupportedVersion('1.7')],
    ['RuntimeError', toRemoteFailure(new Error('Filesystem not found (/nope)'))],
  ];
  for (const [name, failure] of cases) {
    it(`${name} has the fields, order and values Python produces`, () => {
      const expected = vectors.remote_exceptions[name]!;
      const text = serializeFailure(failure, 'test');
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), ['class', 'module', 'message', 'tb', 'args', 'kwargs']);
      assert.deepEqual({ ...parsed, tb: undefined }, { ...expected, tb: undefined });
      const tb = parsed.tb as string[];
      assert.equal(tb[0], 'Traceback (most recent call last):\n');
      const qualified = expected.module === 'builtins' ? expected.class : `${expected.module}.${expected.class}`;
      assert.equal(tb[tb.length - 1], `${qualified}: ${expected.message}\n`);
    });
  }
});
