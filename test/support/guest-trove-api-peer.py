#!/usr/bin/python3
"""The REAL Trove 18 caller side of test/integration/guest-mariadb.test.ts.

Calls the guest through trove.guestagent.api.API itself (so method names,
versions, call vs cast, timeouts and argument names are Trove's), over
trove.rpc with secure RPC (the instance key), and reads results the way
trove-api's extensions/mysql/models.py does (MySQLSchema/MySQLUser
deserialize). Also plays the conductor (ConductorHostSerializer): heartbeat
and report_root arrive as events. JSON commands on stdin, JSON lines out.
Secrets come in the environment and are never printed.
"""
import json
import os
import sys
import threading

from oslo_config import cfg as oslo_cfg  # noqa: F401  (registers oslo options first)
import oslo_messaging as messaging

from trove.common import cfg
from trove.common import context as trove_context
from trove.common import exception
from trove.common.db.mysql import models as guest_models
from trove.common.rpc import conductor_host_serializer
from trove.common.rpc import serializer as trove_serializer
from trove import rpc
from trove.guestagent import api as guest_api
import trove.instance.models as instance_models

GUEST_ID = os.environ['GUEST_ID']
KEY = os.environ['GUEST_KEY']
OUT = threading.Lock()
CONF = cfg.CONF


def emit(obj):
    with OUT:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()


def instance_key(instance_id):
    """The instances table of this one-instance cloud."""
    if instance_id != GUEST_ID:
        raise KeyError(instance_id)
    return KEY


conductor_host_serializer.get_instance_encryption_key = instance_key
instance_models.get_instance_encryption_key = instance_key

CONF([], project='trove', default_config_files=[])
rpc.set_defaults('trove')
# rpc.init(CONF) with the URL given directly (the secret stays out of any file)
rpc.TRANSPORT = messaging.get_rpc_transport(CONF, url=os.environ['TRANSPORT_URL'], allowed_remote_exmods=rpc.get_allowed_exmods())


class Conductor(object):
    """trove/conductor/manager.py signatures for what a guest casts."""
    target = messaging.Target(topic='trove-conductor', server='conductor-test', version='1.0')

    def heartbeat(self, context, instance_id, payload, sent=None):
        emit({'event': 'heartbeat', 'instance_id': instance_id, 'payload': payload, 'sent': sent})

    def report_root(self, context, instance_id, user=None):
        emit({'event': 'report_root', 'instance_id': instance_id})


conductor = messaging.get_rpc_server(
    rpc.TRANSPORT, Conductor.target, [Conductor()], executor='threading',
    serializer=conductor_host_serializer.ConductorHostSerializer(trove_serializer.TroveRequestContextSerializer(None)),
    access_policy=messaging.DefaultRPCAccessPolicy)
conductor.start()


def create_guest_queue(self):
    """API._create_guest_queue without the instances table (and with a threading executor)."""
    target = messaging.Target(topic=self._get_routing_key(), server=self.id, version=self.API_BASE_VERSION)
    server = messaging.get_rpc_server(rpc.TRANSPORT, target, [], executor='threading',
                                      serializer=rpc.ssz.SecureSerializer(trove_serializer.TroveRequestContextSerializer(None), KEY))
    server.start()
    server.stop()
    server.wait()


guest_api.API._create_guest_queue = create_guest_queue
ctxt = trove_context.TroveContext(user='u1', project_id='p1', auth_token='tok', roles=['admin'])
api = guest_api.API(ctxt, GUEST_ID)


def trove_api_view(method, result):
    """What trove-api builds from the result (extensions/mysql/models.py load_with_client & co.)."""
    if method == 'list_databases':
        schemas, marker = result
        return {'names': [guest_models.MySQLSchema.deserialize(s).name for s in schemas], 'next_marker': marker}
    if method == 'list_users':
        users, marker = result
        view = []
        for u in users:
            user = guest_models.MySQLUser.deserialize(u, verify=False)
            view.append({'name': user.name, 'host': user.host, 'databases': [d['_name'] for d in user.databases]})
        return {'users': view, 'next_marker': marker}
    if method == 'list_access':
        return [guest_models.MySQLSchema(name=db['_name'], collate=db['_collate'], character_set=db['_character_set']).name for db in result]
    if method == 'get_user' and result is not None:
        user = guest_models.MySQLUser.deserialize(result, verify=False)
        return {'name': user.name, 'host': user.host, 'databases': [d['_name'] for d in user.databases]}
    return None


def handle(cmd):
    op = cmd['op']
    if op == 'create_guest_queue':
        create_guest_queue(api)
        return {}
    if op == 'api':
        method = cmd['method']
        try:
            result = getattr(api, method)(**cmd.get('kwargs', {}))
        except exception.GuestError as e:
            return {'raised': 'GuestError', 'message': str(e)}
        except Exception as e:
            return {'raised': type(e).__name__, 'message': str(e).split('\n')[0]}
        return {'result': result, 'view': trove_api_view(method, result)}
    if op == 'serialize':
        # what trove-api sends: extensions/mysql/common.py populate_* for the given request bodies
        from trove.extensions.mysql import common
        return {'databases': common.populate_validated_databases(cmd.get('databases', [])),
                'users': common.populate_users(cmd.get('users', []))}
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
rpc.TRANSPORT.cleanup()
emit({'event': 'bye'})
