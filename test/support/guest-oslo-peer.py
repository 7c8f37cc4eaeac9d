#!/usr/bin/python3
"""The REAL oslo.messaging 14 + Trove 18 side of test/integration/guest-oslo.test.ts.

Plays Trove's API/taskmanager (RPCClient to guestagent.<id> with Trove's
SecureSerializer and the instance key) and Trove's conductor (an oslo RPC
server on trove-conductor with Trove's ConductorHostSerializer). Reads JSON
commands from stdin, writes JSON lines to stdout. Secrets (transport URL,
instance key) come in the environment, and are never printed.
"""
import json
import os
import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_messaging._drivers import impl_rabbit

from trove.common import context as trove_context
from trove.common.rpc import conductor_host_serializer
from trove.common.rpc import secure_serializer
from trove.common.rpc import serializer as trove_serializer

GUEST_ID = os.environ['GUEST_ID']
KEY = os.environ['GUEST_KEY']
TOPIC = 'guestagent.%s' % GUEST_ID
OUT = threading.Lock()


def emit(obj):
    with OUT:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()


# The conductor looks the key up in the instances table; here there is one instance.
def instance_key(instance_id):
    if instance_id != GUEST_ID:
        raise KeyError(instance_id)
    return KEY


conductor_host_serializer.get_instance_encryption_key = instance_key

conf = cfg.CONF
conf([], project='trove-guest-test', default_config_files=[])
messaging.set_transport_defaults('trove')
transport = messaging.get_rpc_transport(conf, url=os.environ['TRANSPORT_URL'],
                                        allowed_remote_exmods=['trove.common.exception'])


class Conductor(object):
    """trove/conductor/manager.py heartbeat signature; records what arrives."""
    target = messaging.Target(topic='trove-conductor', server='conductor-test', version='1.0')

    def heartbeat(self, context, instance_id, payload, sent=None):
        emit({'event': 'heartbeat', 'instance_id': instance_id, 'payload': payload, 'sent': sent,
              'sent_type': type(sent).__name__, 'context_instance_id': getattr(context, 'instance_id', None),
              'context_is_trove': isinstance(context, trove_context.TroveContext)})


conductor = messaging.get_rpc_server(
    transport, Conductor.target, [Conductor()], executor='threading',
    serializer=conductor_host_serializer.ConductorHostSerializer(
        trove_serializer.TroveRequestContextSerializer(None)),
    access_policy=messaging.DefaultRPCAccessPolicy)
conductor.start()

api_serializer = secure_serializer.SecureSerializer(trove_serializer.TroveRequestContextSerializer(None), KEY)
ctxt = trove_context.TroveContext(user='u1', project_id='p1', auth_token='tok', roles=['admin'])


def client(version, timeout=None):
    target = messaging.Target(topic=TOPIC, version=version)
    return messaging.get_rpc_client(transport, target, serializer=api_serializer, timeout=timeout)


def create_guest_queue():
    """trove/guestagent/api.py _create_guest_queue: start+stop a server on the guest target."""
    target = messaging.Target(topic=TOPIC, server=GUEST_ID, version='1.0')
    server = messaging.get_rpc_server(transport, target, [], executor='threading',
                                      serializer=api_serializer)
    server.start()
    server.stop()
    server.wait()


def redeclare_fanout(queue):
    """Declare the agent's fanout queue exactly as declare_fanout_consumer would (a 406 raises)."""
    conn = transport._driver._get_connection(purpose='listen')
    try:
        consumer = impl_rabbit.Consumer(
            exchange_name='%s_fanout' % TOPIC, queue_name=queue, routing_key=TOPIC, type='fanout',
            durable=False, exchange_auto_delete=True, queue_auto_delete=False, callback=None,
            rabbit_ha_queues=False, rabbit_queue_ttl=conf.oslo_messaging_rabbit.rabbit_transient_queues_ttl)
        consumer.declare(conn.connection)
    finally:
        conn.close()


def handle(cmd):
    op = cmd['op']
    if op == 'create_guest_queue':
        create_guest_queue()
        return {}
    if op == 'redeclare_fanout':
        redeclare_fanout(cmd['queue'])
        return {}
    if op == 'cast':
        client(cmd['version']).cast(ctxt, cmd['method'], **cmd.get('args', {}))
        return {}
    if op == 'call':
        started = time.monotonic()
        try:
            result = client(cmd['version'], cmd.get('timeout', 15)).call(ctxt, cmd['method'], **cmd.get('args', {}))
        except messaging.RemoteError as e:
            return {'raised': 'RemoteError', 'exc_type': e.exc_type, 'value': e.value}
        except Exception as e:
            return {'raised': type(e).__name__, 'module': type(e).__module__, 'message': str(e).split('\n')[0]}
        return {'result': result, 'ms': (time.monotonic() - started) * 1000}
    raise ValueError('unknown op %s' % op)


emit({'event': 'ready'})
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd['op'] == 'quit':
        break
    try:
        emit(dict(handle(cmd), id=cmd['id'], ok=True))
    except Exception as e:  # report, keep serving
        emit({'id': cmd['id'], 'ok': False, 'error': '%s: %s' % (type(e).__name__, e)})
conductor.stop()
conductor.wait()
transport.cleanup()
emit({'event': 'bye'})
