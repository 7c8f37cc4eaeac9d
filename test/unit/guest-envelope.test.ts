import assert from 'node:assert/strict';
import { buildReply, buildRequest, deserializeEnvelope, newId, parseRequest, serializeEnvelope, UnsupportedEnvelopeVersion } from '../../lab/guest/oslo/envelope.ts';
import { pyJsonDumps } from '../../lab/guest/oslo/py-json.ts';
import { asPython, vectors } from '../support/guest-vectors.ts';

// Verbatim from lab-recipe-trove.md §11: what a real oslo.messaging 14.0.3 client put on the wire.
const CAPTURED_CAST =
  '{"oslo.version": "2.0", "oslo.message": "{\\"method\\": \\"prepare\\", \\"args\\": {\\"memory_mb\\": 1024, \\"packages\\": []}, \\"version\\": \\"1.0\\", \\"_unique_id\\": \\"8a90e0e1563e42e0af8bc891f92fd689\\", \\"_context_user\\": \\"u1\\", \\"_context_project_id\\": \\"p1\\", \\"_context_request_id\\": \\"req-1\\"}"}';
const CAPTURED_CALL =
  '{"oslo.version": "2.0", "oslo.message": "{\\"method\\": \\"get_filesystem_stats\\", \\"args\\": {\\"fs_path\\": null}, \\"version\\": \\"1.0\\", \\"_msg_id\\": \\"ff0dbf5ce6eb49fc9e13d1a91b24e6d9\\", \\"_reply_q\\": \\"reply_551f6ade3bfe4dd0a53d9e1709cc1b12\\", \\"_timeout\\": null, \\"_unique_id\\": \\"b3f6f24c1284474f87f654865dc560b6\\", \\"_context_user\\": \\"u1\\", \\"_context_project_id\\": \\"p1\\", \\"_context_request_id\\": \\"req-1\\"}"}';
const CAPTURED_REPLY = '{"result": {"used": 0.1, "total": 1.0}, "failure": null, "ending": true, "_msg_id": "ff0dbf5ce6eb49fc9e13d1a91b24e6d9", "_unique_id": "ffffffffffffffffffffffffffffffff"}';

const context = { user: 'u1', project_id: 'p1', request_id: 'req-1' };

describe('guest oslo envelope', () => {
  it('parses the captured cast', () => {
    const req = parseRequest(deserializeEnvelope(Buffer.from(CAPTURED_CAST)));
    assert.deepEqual(req, {
      method: 'prepare',
      args: { memory_mb: 1024, packages: [] },
      version: '1.0',
      namespace: null,
      context,
      uniqueId: '8a90e0e1563e42e0af8bc891f92fd689',
      msgId: null,
      replyQueue: null,
      clientTimeout: null,
    });
  });

  it('parses the captured call', () => {
    const req = parseRequest(deserializeEnvelope(CAPTURED_CALL));
    assert.equal(req.method, 'get_filesystem_stats');
    assert.deepEqual(req.args, { fs_path: null });
    assert.equal(req.msgId, 'ff0dbf5ce6eb49fc9e13d1a91b24e6d9');
    assert.equal(req.replyQueue, 'reply_551f6ade3bfe4dd0a53d9e1709cc1b12');
    assert.equal(req.clientTimeout, null);
    assert.deepEqual(req.context, context);
  });

  it('rebuilds the captured cast and call byte for byte', () => {
    const cast = buildRequest({ method: 'prepare', args: { memory_mb: 1024, packages: [] }, version: '1.0', context }, '8a90e0e1563e42e0af8bc891f92fd689');
    assert.equal(serializeEnvelope(cast), CAPTURED_CAST);
    const call = buildRequest(
      { method: 'get_filesystem_stats', args: { fs_path: null }, version: '1.0', context, call: { msgId: 'ff0dbf5ce6eb49fc9e13d1a91b24e6d9', replyQueue: 'reply_551f6ade3bfe4dd0a53d9e1709cc1b12', callMonitorTimeout: null } },
      'b3f6f24c1284474f87f654865dc560b6',
    );
    assert.equal(serializeEnvelope(call), CAPTURED_CALL);
  });

  it('builds the captured reply byte for byte (inner JSON of the envelope)', () => {
    const reply = buildReply('ff0dbf5ce6eb49fc9e13d1a91b24e6d9', { used: 0.1, total: asPython(1, true) }, null, true, 'ffffffffffffffffffffffffffffffff');
    assert.equal(pyJsonDumps(reply), CAPTURED_REPLY);
    const env = JSON.parse(serializeEnvelope(reply)) as Record<string, string>;
    assert.deepEqual(Object.keys(env), ['oslo.version', 'oslo.message']);
    assert.equal(env['oslo.version'], '2.0');
    assert.equal(env['oslo.message'], CAPTURED_REPLY);
  });

  it('a failure reply carries result null and the failure string', () => {
    const reply = buildReply('m', { ignored: true }, '{"class": "X"}', true, 'u');
    assert.deepEqual(reply, { result: null, failure: '{"class": "X"}', ending: true, _msg_id: 'm', _unique_id: 'u' });
  });

  it('defaults version to 1.0 and keeps namespace', () => {
    const req = parseRequest({ method: 'x', args: {}, namespace: 'ns' });
    assert.equal(req.version, '1.0');
    assert.equal(req.namespace, 'ns');
  });

  it('passes un-enveloped messages through and rejects envelope 3.0', () => {
    assert.deepEqual(deserializeEnvelope('{"method": "m", "args": {}}'), { method: 'm', args: {} });
    assert.throws(() => deserializeEnvelope('{"oslo.version": "3.0", "oslo.message": "{}"}'), UnsupportedEnvelopeVersion);
    assert.deepEqual(deserializeEnvelope('{"oslo.version": "2.0", "oslo.message": "{\\"a\\": 1}"}'), { a: 1 });
  });

  it('ids are uuid4 hex like uuid.uuid4().hex', () => {
    const id = newId();
    assert.match(id, /^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    assert.notEqual(newId(), id);
  });
});

describe('guest py-json (Python json.dumps)', () => {
  for (const v of vectors.json_dumps) {
    it(`dumps ${v.dumps.slice(0, 40)}`, () => assert.equal(pyJsonDumps(asPython(v.value, v.float)), v.dumps));
  }
});
