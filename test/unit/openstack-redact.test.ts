import assert from 'node:assert/strict';
import { Redactor, REDACTED, isSensitiveField, isSensitiveHeader } from '../../lib/openstack/redact.ts';
import { renderBody } from '../../lib/openstack/exchange.ts';

describe('openstack redaction', () => {
  describe('headers', () => {
    it('masks Keystone and HTTP credentials whatever their case', () => {
      const r = new Redactor();
      const out = r.redactHeaders({
        'X-Auth-Token': 'gAAAAABtoken',
        'x-subject-token': 'gAAAAABsubject',
        Authorization: 'Bearer abc',
        'X-Service-Token': 'svc',
        cookie: 'session=1',
        'content-type': 'application/json',
        'x-openstack-request-id': 'req-1',
      });
      assert.deepEqual(out, {
        'X-Auth-Token': REDACTED,
        'x-subject-token': REDACTED,
        Authorization: REDACTED,
        'X-Service-Token': REDACTED,
        cookie: REDACTED,
        'content-type': 'application/json',
        'x-openstack-request-id': 'req-1',
      });
    });

    it('masks known secrets inside other headers, including multi-valued ones', () => {
      const r = new Redactor(['s3cr3t-value']);
      assert.deepEqual(r.redactHeaders({ 'x-debug': 'pw=s3cr3t-value', 'x-list': ['a', 's3cr3t-value'] }), {
        'x-debug': `pw=${REDACTED}`,
        'x-list': ['a', REDACTED],
      });
    });

    it('knows which header names are sensitive', () => {
      for (const h of ['X-Auth-Token', 'X-SUBJECT-TOKEN', 'authorization']) assert.ok(isSensitiveHeader(h), h);
      for (const h of ['x-openstack-request-id', 'content-type', 'x-compute-request-id']) assert.ok(!isSensitiveHeader(h), h);
    });
  });

  describe('JSON fields', () => {
    it('masks every secret field of a Keystone password auth body and keeps its structure', () => {
      const r = new Redactor();
      const body = {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'adminpw' } } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        },
      };
      assert.deepEqual(r.redactJson(body), {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: REDACTED } } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        },
      });
    });

    it('masks Nova, Trove and guest-context secrets, in arrays too', () => {
      const r = new Redactor();
      const out = r.redactJson({
        server: { id: 'x', adminPass: 'nova-generated' },
        instance: { name: 'db1', password: 'rootpw', users: [{ name: 'u1', password: 'u1pw', host: '%' }] },
        root_password: 'r',
        _context_auth_token: 'gAAAA',
        auth_token: 't',
        token: 'plain-token-string',
        secret: 's',
        private_key: 'PEM',
        encrypted_key: 'k',
        instance_rpc_encr_key: 'k2',
        apiKey: 'k3',
        key: 'k4',
        client_secret: 'cs',
        passwd: 'p',
        credentials: 'c',
      }) as Record<string, unknown>;
      assert.deepEqual(out, {
        server: { id: 'x', adminPass: REDACTED },
        instance: { name: 'db1', password: REDACTED, users: [{ name: 'u1', password: REDACTED, host: '%' }] },
        root_password: REDACTED,
        _context_auth_token: REDACTED,
        auth_token: REDACTED,
        token: REDACTED,
        secret: REDACTED,
        private_key: REDACTED,
        encrypted_key: REDACTED,
        instance_rpc_encr_key: REDACTED,
        apiKey: REDACTED,
        key: REDACTED,
        client_secret: REDACTED,
        passwd: REDACTED,
        credentials: REDACTED,
      });
    });

    it('keeps a Keystone token body readable: {"token": {...}} is a container, not a secret', () => {
      const r = new Redactor();
      const out = r.redactJson({ token: { expires_at: '2025-01-01T00:00:00.000000Z', catalog: [{ type: 'database' }] } });
      assert.deepEqual(out, { token: { expires_at: '2025-01-01T00:00:00.000000Z', catalog: [{ type: 'database' }] } });
    });

    it('leaves harmless look-alikes alone (key_name, keystone, keys of a config group, booleans)', () => {
      const r = new Redactor();
      const body = { key_name: 'lab-keypair', keystone: 'http://ks', values: { max_connections: 100 }, token_required: true, name: 'password-free' };
      assert.deepEqual(r.redactJson(body), body);
      for (const f of ['key_name', 'keystone', 'monkeys', 'name', 'host', 'databases']) assert.ok(!isSensitiveField(f), f);
    });

    it('masks numbers under a secret name and leaves nulls', () => {
      const r = new Redactor();
      assert.deepEqual(r.redactJson({ password: 1234, token: null }), { password: REDACTED, token: null });
    });

    it('does not modify its input', () => {
      const r = new Redactor();
      const body = { password: 'x', nested: { adminPass: 'y' } };
      r.redactJson(body);
      assert.deepEqual(body, { password: 'x', nested: { adminPass: 'y' } });
    });
  });

  describe('known secret values', () => {
    it('masks a string equal to a known secret under any field name', () => {
      const r = new Redactor(['trovepw']);
      assert.deepEqual(r.redactJson({ note: 'trovepw', list: ['trovepw', 'other'] }), { note: REDACTED, list: [REDACTED, 'other'] });
    });

    it('masks a known secret embedded in a longer string (a connection URL)', () => {
      const r = new Redactor(['trovepw']);
      assert.equal(r.redactText('rabbit://trove:trovepw@127.0.0.1:5672/'), `rabbit://trove:${REDACTED}@127.0.0.1:5672/`);
    });

    it('masks the longest secret whole when one secret contains another', () => {
      const r = new Redactor(['abcd', 'abcdefgh']);
      assert.equal(r.redactText('x abcdefgh y abcd'), `x ${REDACTED} y ${REDACTED}`);
    });

    it('masks a very short secret only where a whole string equals it', () => {
      const r = new Redactor(['pw']);
      assert.equal(r.redactText('pw'), REDACTED);
      assert.equal(r.redactText('upwards'), 'upwards');
    });

    it('learns secrets after construction (tokens issued later)', () => {
      const r = new Redactor();
      r.addSecret('gAAAAABnewtoken');
      r.addSecret('');
      assert.equal(r.redactText('token gAAAAABnewtoken'), `token ${REDACTED}`);
      assert.equal(r.redactText('nothing here'), 'nothing here');
    });
  });

  describe('bodies as text', () => {
    it('redacts a JSON body through the JSON rules', () => {
      const r = new Redactor();
      assert.equal(r.redactBodyText('{"users":[{"name":"a","password":"p"}]}'), `{"users":[{"name":"a","password":"${REDACTED}"}]}`);
    });

    it('masks "password": "..." pairs in text that does not parse, even when cut off', () => {
      const r = new Redactor();
      assert.equal(r.redactBodyText('{"user": {"password": "hunter2", "name": "x"'), `{"user": {"password": "${REDACTED}", "name": "x"`);
      assert.equal(r.redactBodyText('... "adminPass": "cut-in-the-mid'), `... "adminPass": "${REDACTED}"`);
      assert.equal(r.redactBodyText('log: {"root_password": 12345, "n": 1'), `log: {"root_password": "${REDACTED}", "n": 1`);
      assert.equal(r.redactBodyText('{"name": "a\\"b", "secret": "x\\"y"}x'), `{"name": "a\\"b", "secret": "${REDACTED}"}x`);
    });

    it('redacts before truncating, so a secret cut in half cannot leak its first part', () => {
      const r = new Redactor(['SECRETSECRETSECRET']);
      const text = `${'a'.repeat(10)}SECRETSECRETSECRET${'b'.repeat(10)}`;
      const out = renderBody(text, 'text/plain', r, 15)!;
      assert.ok(!out.includes('SECRET'), out);
      assert.ok(out.startsWith(`${'a'.repeat(10)}${REDACTED}`), out);
    });

    it('renders binary bodies by size only', () => {
      const r = new Redactor();
      assert.equal(renderBody(Buffer.alloc(2048), 'application/octet-stream', r, 100), '<2048 bytes of application/octet-stream>');
      assert.equal(renderBody(Buffer.alloc(0), 'application/json', r, 100), undefined);
    });
  });
});
