// Lab step "trove": the OpenStack Trove 18 control plane (Debian python3-trove,
// /usr/bin/trove-*) on every controller, as the documents deploy it (seed 000):
// trove-api, trove-taskmanager and trove-conductor x3 under the node supervisors,
// trove-api behind the API VIP (HAProxy `trove-api` listener, lab/steps/haproxy.ts),
// RPC over the RabbitMQ cluster (transport_url lists all three nodes), the
// database through the Galera VIP (198.18.0.10:3307).
//
// The step also provisions what Trove needs in the lab cloud (lab/steps/cloud.ts)
// and Keystone: the `trove` service user and the `database` catalog entry; the
// shared networks trove-mgmt1..3 (no gateway, pool .6-.254) and `tenant`, flavor
// `lab.small` (ephemeral 1), the datastore image (property trove_role=database);
// then the datastore mysql 5.7.29 on that image, with its configuration parameters.
//
// Known breakages of Debian's Trove 18, handled here (recipe lab-recipe-trove.md):
//  * /usr/bin/trove-manage fails on Python 3.11 (inspect.getargspec is gone):
//    the lab runs trove.cmd.manage through a shim under <lab>/bin that puts a
//    getargspec back; no installed file is touched.
//  * api-paste.ini ships only in trove-common, whose install pulls in dbconfig:
//    the lab fetches the .deb (`apt-get download`, cached under <lab>/cache) and
//    takes the file out with `dpkg-deb -x`; the package is never installed.
//  * Instance delete always calls Cinder (volumes/detail) even with volumes off,
//    and every instance call needs compute/network/image: the lab cloud's
//    endpoints are in the catalog (cloud step) before any Trove service starts,
//    because Trove caches token and catalog per process.
//  * `instance create --replica-of` without volumes fails with HTTP 500 (a
//    TypeError comparing the two volume sizes, both None): the lab sets
//    verify_replica_volume_size = False.
//  * management_networks: "Currently only one management network is allowed"
//    (Trove 18 cfg.py). trove-api appends every listed id to the NICs and the
//    taskmanager turns only the last into a port; the others reach novaclient as
//    {"network_id": ...}, which it sends as an empty uuid: Nova answers 400 "Bad
//    networks format" and the build fails (seen in this lab with all three listed).
//    Giving each controller a different one (ctlN -> trove-mgmtN) would spread VMs
//    over the three networks, but trove-api hides only ITS management network from
//    an instance's addresses, so `instance show` would differ by the API node that
//    answers. So every controller names the same one, TROVE_MGMT_NETWORK
//    (trove-mgmt1); trove-mgmt2/3 exist in the lab cloud for other VMs (the
//    documents' HAProxy VMs, probes) and for a site that patches Neutron to choose.
//
// Guests: the controllers' guest_config (/etc/trove/trove-guestagent.conf, which
// the taskmanager writes into every VM as /etc/trove/conf.d/trove-guestagent.conf)
// points RabbitMQ and Swift at proxy.polex.io (5670-5672, 8080), and the datastore's
// cloud-init (/etc/trove/cloudinit/mysql.cloudinit, the documents' percona.cloudinit)
// writes that name into the VM's /etc/hosts as the VIP of its own trove-mgmt
// network. Secure RPC stays at Trove's default (on), with lab-generated keys.
// The lab cloud's namespace driver boots each server as a micro-VM whose database
// role runs the lab guest agent (lab/guest) on those injected files: the files
// are owned by root (injected_config_owner; the lab VM has no user ubuntu), and the
// guest config's [mysql] lab_bind_address (a lab-only option) puts MariaDB on the
// VM's tenant address.
import { appendFileSync, existsSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { API_VIP, controllers, GUEST_PROXY_HOSTNAME, mgmtVips, networks, primaryAddress } from '../plan.ts';
import { labPaths } from '../paths.ts';
import { ensureSecret } from '../secrets.ts';
import { run, waitFor, type RunOptions } from '../sh.ts';
import type { LabStep, StepContext } from '../step.ts';
import type { ProgramSpec } from '../supervisor.ts';
import { serviceInstance } from '../contract.ts';
import { convergeProgram, guardedCommand, http, httpOk, labRuntime, markerLine, writeIfChanged, type NodeAddr } from '../service-kit.ts';
import { catalogProblems, getToken, keystoneCredentials, KeystoneAdmin, labKeystoneLayout, type CatalogEntry, type Token } from './keystone.ts';
import { labCloudUrls } from './cloud.ts';
import { rabbitmqctl } from './rabbitmq.ts';

export const TROVE_SECRET = {
  db: 'trove-db-password',
  service: 'trove-service-password',
  /** The RabbitMQ user `trove` (created by the rabbitmq step). */
  rabbit: 'rabbitmq-trove-password',
  instRpcKey: 'trove-inst-rpc-key-encr-key',
  taskmanagerRpcKey: 'trove-taskmanager-rpc-encr-key',
} as const;

export const TROVE_SERVICES = ['trove-api', 'trove-taskmanager', 'trove-conductor'] as const;
export type TroveService = (typeof TROVE_SERVICES)[number];

const REGION = 'RegionOne';
const IDENTITY_URL = `http://${API_VIP}:5000/v3`;
export const TROVE_PORT = 8779;
export const TROVE_URL = `http://${API_VIP}:${TROVE_PORT}`;
const DB = { host: API_VIP, port: 3307, name: 'trove', user: 'trove', userHost: '198.18.%' };
const ETC = '/etc/trove';
const hostEtc = (node: string): string => join(labPaths.nodeEtc(node), 'trove');
const CACHE_DIR = join(labPaths.root, 'cache', 'trove-common');
const MANAGE_SHIM = join(labPaths.root, 'bin', 'trove-manage');
const PY = '/usr/bin/python3'; // not a python3 earlier on PATH (no pymysql there)
const TEMPLATES = '/usr/lib/python3/dist-packages/trove/templates';

export const DATASTORE = { name: 'mysql', version: '5.7.29', manager: 'mysql', image: 'trove-mysql-5.7.29' };
/** The tenant network (lab plan): where a guest's MariaDB listens (lab_bind_address, a CIDR = the VM's address in it). */
export const TENANT_CIDR = networks.find((n) => n.name === 'tenant')!.cidr;
export const FLAVOR = { name: 'lab.small', ram: 1024, vcpus: 1, disk: 5, ephemeral: 1 };
/** Lab cloud networks: the three trove-mgmt ones (VIP .5, pool .6-.254, no gateway) and the tenants'. */
export const CLOUD_NETWORKS = [
  ...mgmtVips.map((v) => {
    const net = networks.find((n) => n.name === v.network)!;
    const base = net.cidr.replace(/\.0\/24$/, '');
    return { name: v.network, cidr: net.cidr, pool: { start: `${base}.6`, end: `${base}.254` }, management: true };
  }),
  { name: 'tenant', cidr: TENANT_CIDR, pool: { start: '198.18.20.100', end: '198.18.20.250' }, management: false },
];

/** The one management network Trove 18 allows (see the header). */
export const TROVE_MGMT_NETWORK = 'trove-mgmt1';

const ctlNodes: NodeAddr[] = controllers.map((n) => ({ name: n.name, address: primaryAddress(n) }));
const tenantLayout = { secretsDir: labPaths.secrets, tenant: { user: 'trove-ha-tenant', project: 'trove-ha-tenant' } };

// ---------------------------------------------------------------- generated files

export function troveDbUrl(password: string): string {
  return `mysql+pymysql://${DB.user}:${encodeURIComponent(password)}@${DB.host}:${DB.port}/${DB.name}?charset=utf8mb4`;
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function troveDbSql(password: string): string {
  const account = `${sqlString(DB.user)}@${sqlString(DB.userHost)}`;
  return [
    `CREATE DATABASE IF NOT EXISTS \`${DB.name}\` CHARACTER SET utf8mb4;`,
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${sqlString(password)};`,
    `ALTER USER ${account} IDENTIFIED BY ${sqlString(password)};`,
    `GRANT ALL PRIVILEGES ON \`${DB.name}\`.* TO ${account};`,
    '',
  ].join('\n');
}

/** oslo.messaging wants credentials on every host of a multi-host URL (else it warns and drops them). */
export function rabbitUrl(hosts: { host: string; port: number }[], user: string, password: string, vhost: string): string {
  const cred = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `rabbit://${hosts.map((h) => `${cred}@${h.host}:${h.port}`).join(',')}/${encodeURIComponent(vhost)}`;
}

export interface TroveConfInput {
  marker: string;
  node: NodeAddr;
  dbUrl: string;
  transportUrl: string;
  servicePassword: string;
  managementNetworks: string[];
  instRpcKey: string;
  taskmanagerRpcKey: string;
  lockPath: string;
}

export function troveConf(c: TroveConfInput): string {
  return `${c.marker}
[DEFAULT]
debug = false
# oslo.log's defaults plus the conductor's per-instance messages, which it logs at
# DEBUG only ("Instance <id> sent heartbeat at ..."): the documents' HA test finds
# the conductor that handled an instance in its log, and so does the harness.
default_log_levels = amqp=WARN,amqplib=WARN,boto=WARN,qpid=WARN,sqlalchemy=WARN,suds=INFO,oslo.messaging=INFO,oslo_messaging=INFO,iso8601=WARN,requests.packages.urllib3.connectionpool=WARN,urllib3.connectionpool=WARN,websocket=WARN,requests.packages.urllib3.util.retry=WARN,urllib3.util.retry=WARN,keystonemiddleware=WARN,routes.middleware=WARN,stevedore=WARN,taskflow=WARN,keystoneauth=WARN,oslo.cache=INFO,oslo_policy=INFO,dogpile.core.dogpile=INFO,trove.conductor.manager=DEBUG
# logs go to stderr, which supervisor writes to the node's trove-<service>.log (lab.yaml)
use_stderr = true
bind_host = ${c.node.address}
bind_port = ${TROVE_PORT}
# RPC server name of this controller's taskmanager/conductor (queues <topic>.<host>);
# an IP address option in Trove 18 (a name fails at start-up)
host = ${c.node.address}
api_paste_config = ${ETC}/api-paste.ini
trove_api_workers = 1
trove_conductor_workers = 1
transport_url = ${c.transportUrl}
control_exchange = trove
taskmanager_queue = taskmanager
conductor_queue = trove-conductor
region = ${REGION}
os_region_name = ${REGION}
template_path = ${TEMPLATES}/
network_driver = trove.network.neutron.NeutronDriver
# Lab cloud Neutron id of ${TROVE_MGMT_NETWORK}: Trove 18 allows ONE management network
# (more fail every build; see lab/steps/trove.ts)
management_networks = ${c.managementNetworks.join(',')}
trove_volume_support = False
trove_dns_support = False
trove_security_groups_support = False
# No nova_keypair: Trove needs none, the lab reaches guests through their agent.
# What the taskmanager writes into every VM (cloud-init write_files):
guest_config = ${ETC}/trove-guestagent.conf
injected_config_location = /etc/trove/conf.d
# Owner of those files (Trove's default ubuntu:root). Lab VMs have no user ubuntu
# and run the agent as root; real cloud-init's write_files fails on an unknown
# owner and stops writing, so the default would cost a guest its config.
injected_config_owner = root
injected_config_group = root
cloudinit_location = ${ETC}/cloudinit
# Guest liveness: heartbeat every report_interval; older than agent_heartbeat_expiry = "guestagent error".
report_interval = 30
agent_heartbeat_time = 10
agent_heartbeat_expiry = 90
# A build without a heartbeat turns into BUILDING_ERROR after this long.
usage_timeout = 900
# Trove 18 compares the replica's and the primary's volume sizes even without
# volumes (instance/models.py: None > None, TypeError, HTTP 500 on every
# --replica-of); there are no volumes here to compare.
verify_replica_volume_size = False
# Secure RPC: Trove's default (on), with the lab's keys instead of the published defaults.
enable_secure_rpc_messaging = True
inst_rpc_key_encr_key = ${c.instRpcKey}
taskmanager_rpc_encr_key = ${c.taskmanagerRpcKey}

[network]
# provider networks: no router behind the user's subnet
enable_access_check = False

[database]
connection = ${c.dbUrl}
connection_recycle_time = 600
max_pool_size = 5
max_overflow = 10

[keystone_authtoken]
www_authenticate_uri = ${IDENTITY_URL}
auth_url = ${IDENTITY_URL}
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = trove
password = ${c.servicePassword}
region_name = ${REGION}
service_token_roles_required = true

[service_credentials]
auth_url = ${IDENTITY_URL}
username = trove
password = ${c.servicePassword}
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = ${REGION}

[oslo_messaging_rabbit]
heartbeat_timeout_threshold = 60

[oslo_messaging_notifications]
driver = noop

[oslo_concurrency]
lock_path = ${c.lockPath}

[mysql]
volume_support = False
# No block device in a lab VM: the guest gets no device to format and mount.
# (lab.small has ephemeral 1 all the same, see recipe section 5.)
device_path =

[mariadb]
volume_support = False
device_path =
`;
}

/** The controllers' guest_config: what every guest agent reads as trove-guestagent.conf. */
export function guestAgentConf(rabbitPassword: string): string {
  const mq = rabbitUrl([5670, 5671, 5672].map((port) => ({ host: GUEST_PROXY_HOSTNAME, port })), 'trove', rabbitPassword, 'trove');
  return `# trove-ha-lab guest agent configuration (Trove's guest_config, injected into
# every database VM). RabbitMQ and Swift only through ${GUEST_PROXY_HOSTNAME}, the
# HAProxy VIP of the VM's own trove-mgmt network (ports 5670-5672 -> ctl1-3 :5672).
[DEFAULT]
transport_url = ${mq}
control_exchange = trove
conductor_queue = trove-conductor
report_interval = 30
swift_url = http://${GUEST_PROXY_HOSTNAME}:8080/v1/AUTH_
swift_service_type = object-store
os_region_name = ${REGION}

[oslo_messaging_rabbit]
heartbeat_timeout_threshold = 60
rabbit_retry_interval = 1
rabbit_retry_backoff = 2
rabbit_interval_max = 10

[${DATASTORE.manager}]
# Lab guest agent only (lab/guest/mariadb/settings.ts; Trove's agent ignores it):
# MariaDB listens on the VM's tenant address only, not on its trove-mgmt leg.
# mount_point stays Trove's /var/lib/mysql, which a lab VM keeps under its own
# directory ($VM_ROOT/var/lib/mysql).
lab_bind_address = ${TENANT_CIDR}
`;
}

/**
 * <datastore_manager>.cloudinit: the documents' percona.cloudinit (seed 000,
 * 3.4.3) with the lab's management pattern 198.18.1N.y for 10.50.x.y, same
 * logic: the first address on a trove-mgmt network, last octet 5 = the VIP, as
 * proxy.polex.io in /etc/hosts (unless already there).
 */
export function mysqlCloudinit(): string {
  return `#cloud-config
# trove-ha-lab: Trove's cloud-init for datastore manager "mysql"
# (<cloudinit_location>/mysql.cloudinit, read by the taskmanager at create).
# The documents' percona.cloudinit (seed 000), addresses adapted: 10.50.x.y -> 198.18.1N.y.
# Trove 18 APPENDS its own "#cloud-config" + "write_files:" (guest_info.conf,
# trove-guestagent.conf) to this text, so this must be a cloud-config document
# without write_files of its own; a bare shell script would make cloud-init run
# the whole user_data as a script and never write the guest's files. The seed's
# script therefore runs unchanged as a bootcmd (early, before the guest agent).
bootcmd:
  - - bash
    - -c
    - |
      ips=$(hostname -I)
      prefix="198.18.1"
      get_netprefix(){
        ip=$1
        if [[ $ip =~ ^198\\.18\\.1[0-9]\\..* ]];then
           grep ${GUEST_PROXY_HOSTNAME} /etc/hosts || echo $ip | awk -F '.' '{print $1"."$2"."$3".5   ${GUEST_PROXY_HOSTNAME}"}' >>/etc/hosts
           exit 0
        fi
      }
      for ip in \${ips};do
        get_netprefix $ip
      done
`;
}

/** trove-manage on Python 3.11: trove/cmd/manage.py:49 calls inspect.getargspec, removed in 3.11. */
export const MANAGE_SHIM_SOURCE = `#!/usr/bin/python3
# trove-ha-lab: /usr/bin/trove-manage for Python 3.11, without editing the package.
# trove/cmd/manage.py uses inspect.getargspec (removed in Python 3.11); give it
# back, built on getfullargspec, then run Trove's own main().
import inspect
import sys
from collections import namedtuple

if not hasattr(inspect, 'getargspec'):
    ArgSpec = namedtuple('ArgSpec', 'args varargs keywords defaults')

    def getargspec(func):
        s = inspect.getfullargspec(func)
        return ArgSpec(list(s.args), s.varargs, s.varkw, s.defaults)

    inspect.getargspec = getargspec

from trove.cmd.manage import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
`;

export function troveProgram(service: TroveService, node: string): ProgramSpec {
  const inst = serviceInstance(service, node);
  return {
    name: inst.unit,
    command: guardedCommand(`${ETC}/trove.conf`, markerLine('trove', node), [`/usr/bin/${service}`, '--config-file', `${ETC}/trove.conf`]),
    environment: { PYTHONUNBUFFERED: '1' },
    stopSignal: 'TERM',
    stopWaitSecs: 15,
    logFile: inst.log,
  };
}

export function troveCatalog(): CatalogEntry[] {
  const url = `${TROVE_URL}/v1.0/%(tenant_id)s`;
  return [{ type: 'database', name: 'trove', description: 'OpenStack Database (Trove)', endpoints: (['public', 'internal', 'admin'] as const).map((i) => ({ interface: i, url })) }];
}

// ---------------------------------------------------------------- lab cloud objects

async function call(token: string, method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<any> {
  const r = await http(url, {
    method,
    headers: { 'x-auth-token': token, 'content-type': contentType, accept: 'application/json' },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    timeoutMs: 20_000,
  });
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${url}: HTTP ${r.status || 'unreachable'} ${r.body.slice(0, 300)}`);
  return r.body ? JSON.parse(r.body) : undefined;
}

export interface CloudIds {
  networks: Record<string, string>;
  flavor: string;
  image: string;
}

/** Lookup only: the ids when every object exists (and the image is active), else undefined. */
async function findCloudObjects(token: string): Promise<CloudIds | undefined> {
  const u = labCloudUrls();
  const nets: Record<string, string> = {};
  for (const n of CLOUD_NETWORKS) {
    const found = (await call(token, 'GET', `${u.network}/v2.0/networks?name=${encodeURIComponent(n.name)}`)).networks as { id: string }[];
    if (found.length !== 1) return undefined;
    const subs = (await call(token, 'GET', `${u.network}/v2.0/subnets?network_id=${found[0]!.id}`)).subnets as unknown[];
    if (!subs.length) return undefined;
    nets[n.name] = found[0]!.id;
  }
  const flavors = (await call(token, 'GET', `${u.compute}/flavors/detail?is_public=None`)).flavors as { id: string; name: string }[];
  const flavor = flavors.find((f) => f.name === FLAVOR.name);
  const images = (await call(token, 'GET', `${u.image}/v2/images?name=${encodeURIComponent(DATASTORE.image)}`)).images as { id: string; status: string }[];
  if (!flavor || images.length !== 1 || images[0]!.status !== 'active') return undefined;
  return { networks: nets, flavor: flavor.id, image: images[0]!.id };
}

async function ensureCloudObjects(token: string, ctx: StepContext): Promise<CloudIds> {
  const u = labCloudUrls();
  const nets: Record<string, string> = {};
  for (const n of CLOUD_NETWORKS) {
    let [net] = (await call(token, 'GET', `${u.network}/v2.0/networks?name=${encodeURIComponent(n.name)}`)).networks as { id: string }[];
    if (!net) {
      net = (await call(token, 'POST', `${u.network}/v2.0/networks`, { network: { name: n.name, shared: true, admin_state_up: true } })).network as { id: string };
      ctx.progress(`trove: lab cloud network ${n.name} ${net.id}`);
    }
    const subs = (await call(token, 'GET', `${u.network}/v2.0/subnets?network_id=${net.id}`)).subnets as unknown[];
    if (!subs.length) {
      await call(token, 'POST', `${u.network}/v2.0/subnets`, {
        subnet: { name: `${n.name}-subnet`, network_id: net.id, ip_version: 4, cidr: n.cidr, gateway_ip: null, allocation_pools: [n.pool], enable_dhcp: true },
      });
    }
    nets[n.name] = net.id;
  }
  const flavors = (await call(token, 'GET', `${u.compute}/flavors/detail?is_public=None`)).flavors as { id: string; name: string }[];
  let flavor = flavors.find((f) => f.name === FLAVOR.name);
  if (!flavor) {
    flavor = (
      await call(token, 'POST', `${u.compute}/flavors`, {
        flavor: { name: FLAVOR.name, ram: FLAVOR.ram, vcpus: FLAVOR.vcpus, disk: FLAVOR.disk, 'OS-FLV-EXT-DATA:ephemeral': FLAVOR.ephemeral, 'os-flavor-access:is_public': true },
      })
    ).flavor as { id: string; name: string };
  }
  let [image] = (await call(token, 'GET', `${u.image}/v2/images?name=${encodeURIComponent(DATASTORE.image)}`)).images as { id: string; status: string }[];
  if (!image) {
    image = await call(token, 'POST', `${u.image}/v2/images`, {
      name: DATASTORE.image,
      disk_format: 'raw',
      container_format: 'bare',
      visibility: 'public',
      tags: ['trove', DATASTORE.manager],
      trove_role: 'database',
      trove_datastore: DATASTORE.name,
      trove_datastore_version: DATASTORE.version,
    });
  }
  if (image!.status !== 'active') {
    // The namespace micro-VMs boot no disk image: a few bytes make the image `active`.
    await call(token, 'PUT', `${u.image}/v2/images/${image!.id}/file`, Buffer.from('trove-ha-lab placeholder datastore image (mysql 5.7.29)\n'), 'application/octet-stream');
  }
  return { networks: nets, flavor: flavor.id, image: image!.id };
}

// ---------------------------------------------------------------- Trove API checks

interface DatastoreView {
  name: string;
  versions: { name: string; id: string; image?: string }[];
}

async function tenantToken(): Promise<Token | undefined> {
  return getToken(IDENTITY_URL, keystoneCredentials(tenantLayout, 'tenant')).catch(() => undefined);
}

/** What is wrong with datastore mysql 5.7.29 as the Trove API shows it (empty = registered, on `imageId`, with parameters). */
async function datastoreProblems(imageId: string | undefined, adminToken?: Token): Promise<string[]> {
  const admin = adminToken ?? (await getToken(IDENTITY_URL, keystoneCredentials(tenantLayout, 'admin')).catch(() => undefined));
  if (!admin) return ['admin: no token'];
  const base = `${TROVE_URL}/v1.0/${admin.projectId}`;
  const r = await http(`${base}/datastores`, { headers: { 'x-auth-token': admin.id }, timeoutMs: 20_000 });
  if (r.status !== 200) return [`GET ${TROVE_URL}/v1.0/<admin>/datastores: HTTP ${r.status || 'unreachable'}`];
  const ds = (JSON.parse(r.body).datastores as DatastoreView[]).find((d) => d.name === DATASTORE.name);
  const v = ds?.versions.find((x) => x.name === DATASTORE.version);
  if (!v) return [`datastore ${DATASTORE.name} ${DATASTORE.version} not registered`];
  const out: string[] = [];
  const mv = await http(`${base}/mgmt/datastore-versions/${v.id}`, { headers: { 'x-auth-token': admin.id }, timeoutMs: 20_000 });
  const image = mv.status === 200 ? JSON.parse(mv.body).version?.image : undefined;
  if (imageId && image !== imageId) out.push(`datastore version image ${image ?? '?'} is not the lab image ${imageId}`);
  const p = await http(`${base}/datastores/versions/${v.id}/parameters`, { headers: { 'x-auth-token': admin.id }, timeoutMs: 20_000 });
  const params = p.status === 200 ? (JSON.parse(p.body)['configuration-parameters'] as unknown[]) : [];
  if (!params.length) out.push(`datastore ${DATASTORE.name} ${DATASTORE.version} has no configuration parameters`);
  return out;
}

/** Consumers per queue in vhost trove (rabbitmqctl on the first controller that answers). */
export async function troveConsumers(): Promise<Map<string, number> | undefined> {
  for (const n of controllers) {
    const r = await rabbitmqctl(n.name, ['-q', 'list_consumers', '-p', 'trove', 'queue_name'], undefined, 30_000);
    if (r.code !== 0) continue;
    const counts = new Map<string, number>();
    for (const line of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) if (line !== 'queue_name') counts.set(line, (counts.get(line) ?? 0) + 1);
    return counts;
  }
  return undefined;
}

function consumerProblems(c: Map<string, number> | undefined): string[] {
  if (!c) return ['rabbitmqctl list_consumers -p trove: no answer'];
  const out: string[] = [];
  for (const q of ['taskmanager', 'trove-conductor']) if ((c.get(q) ?? 0) < ctlNodes.length) out.push(`queue ${q}: ${c.get(q) ?? 0} consumers, want ${ctlNodes.length}`);
  return out;
}

// ---------------------------------------------------------------- the step

interface Secrets {
  db: string;
  service: string;
  rabbit: string;
  instRpcKey: string;
  taskmanagerRpcKey: string;
}

function secrets(): Secrets {
  return {
    db: ensureSecret(TROVE_SECRET.db),
    service: ensureSecret(TROVE_SECRET.service),
    rabbit: ensureSecret(TROVE_SECRET.rabbit),
    instRpcKey: ensureSecret(TROVE_SECRET.instRpcKey),
    taskmanagerRpcKey: ensureSecret(TROVE_SECRET.taskmanagerRpcKey),
  };
}

function nodeFiles(n: NodeAddr, s: Secrets, ids: CloudIds, apiPaste: string): Record<string, { content: string; mode: number }> {
  const rabbitPort = 5672;
  const conf = troveConf({
    marker: markerLine('trove', n.name),
    node: n,
    dbUrl: troveDbUrl(s.db),
    transportUrl: rabbitUrl(ctlNodes.map((c) => ({ host: c.address, port: rabbitPort })), 'trove', s.rabbit, 'trove'),
    servicePassword: s.service,
    managementNetworks: [ids.networks[TROVE_MGMT_NETWORK]!],
    instRpcKey: s.instRpcKey,
    taskmanagerRpcKey: s.taskmanagerRpcKey,
    lockPath: join(labPaths.node(n.name), 'trove', 'locks'),
  });
  return {
    'trove.conf': { content: conf, mode: 0o600 },
    'api-paste.ini': { content: apiPaste, mode: 0o644 },
    'trove-guestagent.conf': { content: guestAgentConf(s.rabbit), mode: 0o600 },
    [`cloudinit/${DATASTORE.manager}.cloudinit`]: { content: mysqlCloudinit(), mode: 0o644 },
  };
}

function writeNodeFiles(n: NodeAddr, files: ReturnType<typeof nodeFiles>): boolean {
  let changed = false;
  for (const [rel, f] of Object.entries(files)) changed = writeIfChanged(join(hostEtc(n.name), rel), f.content, f.mode) || changed;
  writeIfChanged(join(labPaths.node(n.name), 'trove', 'locks', '.keep'), '', 0o644);
  return changed;
}

function filesCurrent(n: NodeAddr, files: ReturnType<typeof nodeFiles>): boolean {
  return Object.entries(files).every(([rel, f]) => {
    const p = join(hostEtc(n.name), rel);
    return existsSync(p) && readFileSync(p, 'utf8') === f.content;
  });
}

/** api-paste.ini from the trove-common .deb (downloaded once, never installed). */
async function apiPasteIni(ctx: StepContext): Promise<string> {
  const file = join(CACHE_DIR, 'api-paste.ini');
  if (!existsSync(file)) {
    const t0 = Date.now();
    const work = join(CACHE_DIR, 'work');
    rmSync(work, { recursive: true, force: true });
    writeIfChanged(join(work, '.keep'), '');
    // apt-get download writes into the current directory; as root it warns that _apt cannot write there.
    const script = 'cd "$1" && apt-get download trove-common && dpkg-deb -x trove-common_*.deb x && cp x/usr/share/trove-common/api-paste.ini "$2"';
    await run(['bash', '-c', script, 'get-api-paste', work, file], { log: ctx.logFile, timeoutMs: 120_000 }).catch((e: Error) => {
      throw new Error(`trove: cannot get api-paste.ini from the trove-common .deb: ${e.message}`);
    });
    rmSync(work, { recursive: true, force: true });
    ctx.progress(`trove: api-paste.ini from trove-common (${((Date.now() - t0) / 1000).toFixed(1)} s, cached in ${CACHE_DIR})`);
  }
  return readFileSync(file, 'utf8');
}

/** trove-manage (through the shim) on the first controller. Its output goes to the
 * step log with the secrets blanked: db_sync logs the database URL, password included. */
async function manage(args: string[], ctx: StepContext, opts: RunOptions = {}): Promise<string> {
  const first = ctlNodes[0]!;
  const argv = [PY, MANAGE_SHIM, '--config-file', `${ETC}/trove.conf`, ...args];
  const r = await labRuntime.exec(first.name, argv, { timeoutMs: 180_000, ...opts, allowFail: true });
  const values = Object.values(secrets());
  const redact = (text: string) => values.reduce((t, v) => t.split(v).join('<secret>'), text).replace(/(:\/\/[^:\s/]+:)[^@\s]+@/g, '$1<secret>@');
  appendFileSync(ctx.logFile, `$ trove-manage ${args.join(' ')}\n${redact(r.stdout)}${redact(r.stderr)}`);
  if (r.code !== 0) throw new Error(`trove-manage ${args.join(' ')} failed (exit ${r.code}); see ${ctx.logFile}`);
  return r.stdout;
}

async function programProblems(): Promise<string[]> {
  const out: string[] = [];
  await Promise.all(
    ctlNodes.flatMap((n) =>
      TROVE_SERVICES.map(async (svc) => {
        const st = await labRuntime.programStatus(n.name, serviceInstance(svc, n.name).unit);
        if (st !== 'RUNNING') out.push(`${n.name}: ${svc} ${st}`);
      }),
    ),
  );
  return out;
}

async function problems(): Promise<string[]> {
  const out = await programProblems();
  if (out.length) return out;
  const admin = await getToken(IDENTITY_URL, keystoneCredentials(tenantLayout, 'admin')).catch(() => undefined);
  if (!admin) return ['admin: no token'];
  const ids = await findCloudObjects(admin.id).catch(() => undefined);
  if (!ids) return ['lab cloud: trove networks, flavor or image missing'];
  const s = secrets();
  const apiPaste = existsSync(join(CACHE_DIR, 'api-paste.ini')) ? readFileSync(join(CACHE_DIR, 'api-paste.ini'), 'utf8') : '';
  for (const n of ctlNodes) if (!apiPaste || !filesCurrent(n, nodeFiles(n, s, ids, apiPaste))) out.push(`${n.name}: /etc/trove files`);
  if (!existsSync(MANAGE_SHIM) || readFileSync(MANAGE_SHIM, 'utf8') !== MANAGE_SHIM_SOURCE) out.push('trove-manage shim');
  for (const n of ctlNodes) if (!(await httpOk(`http://${n.address}:${TROVE_PORT}/`))) out.push(`${n.name}: GET / on :${TROVE_PORT}`);
  if (!(await httpOk(`${TROVE_URL}/`))) out.push(`GET ${TROVE_URL}/ (API VIP)`);
  const tenant = await tenantToken();
  if (!tenant) out.push('tenant: no token');
  else out.push(...catalogProblems(tenant, troveCatalog(), REGION));
  if (out.length) return out;
  const [ds, consumers] = await Promise.all([datastoreProblems(ids.image, admin), troveConsumers()]);
  out.push(...ds, ...consumerProblems(consumers));
  return out;
}

async function apply(ctx: StepContext): Promise<void> {
  const t0 = Date.now();
  const mark = (what: string, since: number) => ctx.progress(`trove: ${what} (${((Date.now() - since) / 1000).toFixed(1)} s)`);
  const s = secrets();
  const admin = await getToken(IDENTITY_URL, keystoneCredentials(tenantLayout, 'admin'));
  if (!admin) throw new Error('trove: the Keystone admin gets no token (is the keystone step done?)');
  const ks = new KeystoneAdmin(IDENTITY_URL, admin.id, (line) => ctx.progress(line));
  const layout = labKeystoneLayout();

  // 1. Independent preparations, at the same time.
  const [ids, apiPaste] = await Promise.all([
    ensureCloudObjects(admin.id, ctx),
    apiPasteIni(ctx),
    layout.dbAdmin(troveDbSql(s.db), { log: ctx.logFile }),
    (async () => {
      const [service, adminRole] = await Promise.all([ks.project('service', 'Service users'), ks.role('admin')]);
      const user = await ks.user('trove', s.service, service, async () => !!(await getToken(IDENTITY_URL, { username: 'trove', password: s.service, project: 'service' }).catch(() => undefined)));
      await ks.grant(service, user, adminRole);
      await Promise.all(troveCatalog().map((entry) => ks.service(entry, REGION)));
    })(),
  ]);
  mark('Keystone user and catalog, database, lab cloud networks/flavor/image', t0);

  // 2. Files: /etc/trove on every controller, the trove-manage shim.
  const changed = new Map(ctlNodes.map((n) => [n.name, writeNodeFiles(n, nodeFiles(n, s, ids, apiPaste))]));
  writeIfChanged(MANAGE_SHIM, MANAGE_SHIM_SOURCE, 0o755);

  // 3. Schema (sqlalchemy-migrate; idempotent).
  const t1 = Date.now();
  await manage(['db_sync'], ctx);
  mark('trove-manage db_sync', t1);

  // 4. Daemons on every controller while the datastore is registered.
  const t2 = Date.now();
  const datastore = (async () => {
    // Already registered on this image with parameters (a re-apply): nothing to do.
    if ((await datastoreProblems(ids.image, admin).catch(() => ['?'])).length === 0) return;
    const t = Date.now();
    const d = DATASTORE;
    await manage(['datastore_update', d.name, ''], ctx);
    await manage(['datastore_version_update', d.name, d.version, d.manager, ids.image, '', '1'], ctx);
    await manage(['datastore_update', d.name, d.version], ctx);
    await manage(['db_load_datastore_config_parameters', d.name, d.version, `${TEMPLATES}/${d.manager}/validation-rules.json`], ctx);
    mark(`datastore ${d.name} ${d.version} on image ${ids.image}, parameters loaded`, t);
  })();
  const daemons = Promise.all(
    ctlNodes.map(async (n) => {
      const did: string[] = [];
      for (const svc of TROVE_SERVICES) {
        const r = await convergeProgram(labRuntime, n.name, troveProgram(svc, n.name), changed.get(n.name)!, ctx.logFile);
        if (r !== 'unchanged') did.push(`${svc} ${r}`);
      }
      if (did.length) ctx.progress(`trove: ${n.name}: ${did.join(', ')}`);
    }),
  );
  // trove-api answers GET / on the API VIP only once datastores can be listed too.
  await Promise.all([datastore, daemons]);
  // Fail fast on a daemon that crashes (supervisor's startsecs is shorter than Trove's imports).
  const crashed = async (): Promise<void> => {
    const bad = (await programProblems()).filter((p) => /FATAL|BACKOFF|EXITED|STOPPED/.test(p));
    if (bad.length) throw new Error(`trove daemons not running: ${bad.join(', ')} (logs: ${labPaths.nodeLog('<ctl>')}/trove-*.log)`);
  };
  for (const n of ctlNodes) {
    const url = `http://${n.address}:${TROVE_PORT}/`;
    await waitFor(`trove-api on ${n.name} (GET ${url}; log ${serviceInstance('trove-api', n.name).log})`, async () => (await httpOk(url)) || (await crashed(), false), 90_000, 250);
  }
  await waitFor(`trove-api at the API VIP (${TROVE_URL}/)`, () => httpOk(`${TROVE_URL}/`), 30_000, 250);
  let last: string[] = [];
  await waitFor(
    'taskmanager and trove-conductor consumers on every controller (rabbitmqctl list_consumers -p trove)',
    async () => (last = consumerProblems(await troveConsumers())).length === 0 || (await crashed(), false),
    90_000,
    500,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last.join('; ')}`);
  });
  mark(`9 daemons up, API answering through the VIP, RPC consumers ready`, t2);
  // `lab up` runs check() (problems()) again right after apply.
}

async function teardown(ctx: StepContext): Promise<void> {
  await Promise.all(
    ctlNodes.map(async (n) => {
      for (const svc of [...TROVE_SERVICES].reverse()) {
        await labRuntime.stopProgram(n.name, serviceInstance(svc, n.name).unit, ctx.logFile).catch((e: Error) => ctx.progress(`trove: ${n.name}: stop ${svc}: ${e.message}`));
      }
      // Empty /etc/netns/<node>/trove but keep it: a bind-mount source of the running node.
      const dir = hostEtc(n.name);
      if (existsSync(dir)) for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
    }),
  );
  rmSync(MANAGE_SHIM, { force: true });
  await labKeystoneLayout()
    .dbAdmin(`DROP DATABASE IF EXISTS \`${DB.name}\`;\nDROP USER IF EXISTS ${sqlString(DB.user)}@${sqlString(DB.userHost)};\n`, { log: ctx.logFile })
    .catch((e: Error) => ctx.progress(`trove: database not dropped: ${e.message.split('\n')[0]}`));
}

async function status(): Promise<string[]> {
  const lines: string[] = [];
  for (const n of ctlNodes) {
    const states = await Promise.all(TROVE_SERVICES.map(async (svc) => `${svc} ${await labRuntime.programStatus(n.name, serviceInstance(svc, n.name).unit).catch(() => 'unknown')}`));
    const r = await http(`http://${n.address}:${TROVE_PORT}/`, { timeoutMs: 3_000 });
    lines.push(`trove ${n.name}: ${states.join(', ')}; GET / ${r.status || 'unreachable'}`);
  }
  return lines;
}

export const troveStep: LabStep = {
  name: 'trove',
  async check(ctx) {
    const p = await problems().catch((e: Error) => [e.message]);
    if (p.length) ctx.progress(`trove: ${p.slice(0, 5).join(', ')}${p.length > 5 ? ` (+${p.length - 5})` : ''}`);
    return p.length === 0;
  },
  apply,
  teardown,
  status,
};

