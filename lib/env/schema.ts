// The environment file model. One YAML file describes one site (the embedded
// lab or a real cloud); everything the harness knows about a site comes from
// here. Secrets are never literal: they are references to environment
// variables or files, resolved only when used (see secrets.ts).
import { z } from 'zod';

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name: letters, digits and dashes, starting with a letter');

// IPv4 dotted quad; the harness only speaks IPv4 to the sites it tests today.
const IPV4 = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}';
const ipv4 = z.string().regex(new RegExp(`^${IPV4}$`), 'an IPv4 address like 198.18.0.10');

const port = z.number().int().min(1).max(65535);
/** `<IPv4>:<port>` as HAProxy writes a server address, e.g. 127.0.0.1:25670. */
const ipv4Port = z
  .string()
  .regex(new RegExp(`^${IPV4}:\\d{1,5}$`), 'an address and port like 127.0.0.1:25670')
  .refine((s) => {
    // Only a well-formed value has a port to judge; the others already have their message.
    const m = /:(\d{1,5})$/.exec(s);
    return !m || (Number(m[1]) >= 1 && Number(m[1]) <= 65535);
  }, 'the port after ":" must be 1-65535');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });
const durationMs = z.number().int().positive();

/** A secret is a reference: `{ env: NAME }` or `{ file: /path }`, never a literal string. */
export const secretRef = z
  .union([
    z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }),
    z.strictObject({ file: z.string().min(1, 'a file path') }),
  ])
  .describe('A reference to a secret: { env: VAR } or { file: /path }. Literal secrets are refused.');

const credentials = z.strictObject({
  username: z.string().min(1),
  password: secretRef,
  project: z.string().min(1),
  userDomain: z.string().default('Default'),
  projectDomain: z.string().default('Default'),
});

const hostKey = z
  .union([
    z.strictObject({ knownHostsFile: z.string().min(1) }),
    z.strictObject({ fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'an OpenSSH SHA256 fingerprint') }),
  ])
  .describe('How the node host key is pinned; an unknown key is always refused.');

const sshSettings = z.strictObject({
  user: z.string().min(1).optional(),
  port: port.optional(),
  privateKey: secretRef.optional(),
  hostKey: hostKey.optional(),
  /** Reach this node through another node (a bastion), as on a real site's guest networks. */
  jumpHost: name.optional(),
});

const node = z.strictObject({
  address: ipv4,
  roles: z.array(name).default([]),
  ssh: sshSettings.default({}),
});

const controlDriver = z.enum(['systemd', 'supervisor', 'pacemaker', 'signal']);

const serviceInstance = z.strictObject({
  /** systemd unit, supervisor program, pacemaker resource, or process name for the signal driver. */
  unit: z.string().min(1),
  /** Log file of this instance on its node; used by the log checks. */
  log: z.string().min(1).optional(),
  /** For the signal driver: the pid file of the main process. */
  pidFile: z.string().min(1).optional(),
});

const service = z.strictObject({
  driver: controlDriver,
  /** node name -> the unit that runs this service there. */
  instances: z.record(name, serviceInstance),
});

const keepalivedRef = z.strictObject({
  /** vrrp_instance name in keepalived.conf on the holders. */
  instance: z.string().min(1),
  /** Logical service name (in `services`) that runs keepalived on the holders. */
  service: name,
  /** Interface the VIP lives on, on every holder. */
  interface: z.string().min(1),
  virtualRouterId: z.number().int().min(1).max(255),
  advertIntSeconds: z.number().positive().default(1),
  /** Priority of the first backup (keepalived's default 100): sets the takeover skew time. */
  backupPriority: z.number().int().min(1).max(254).default(100),
});

const vip = z.strictObject({
  address: ipv4,
  prefixLength: z.number().int().min(8).max(32).default(24),
  /** Nodes that may hold the VIP, highest keepalived priority first. */
  holders: z.array(name).min(1),
  keepalived: keepalivedRef,
  /** Name guests use for this VIP (the documents' proxy.polex.io). */
  hostname: z.string().optional(),
  /** For a trove-mgmt VIP: a node on that network from which to probe as a guest would. */
  probeFrom: name.optional(),
  /** TCP ports served on this VIP, by purpose, e.g. { swift: 8080, amqp-ctl1: 5670 }. */
  ports: z.record(z.string(), port).default({}),
});

const galera = z.strictObject({
  nodes: z.array(name).min(1),
  /** Logical service name that runs the database server on those nodes. */
  service: name,
  /** Command that runs the SQL client as an administrator on a node. */
  clientCommand: z.string().default('mysql'),
  /** Where clients reach the cluster: the load-balanced address (e.g. the API VIP on 3307). */
  endpoint: z.strictObject({ host: ipv4, port }),
  /** A SQL account for the write probe, with rights on `probeDatabase`. */
  probeUser: z.strictObject({ username: z.string().min(1), password: secretRef }),
  probeDatabase: z.string().regex(/^[A-Za-z0-9_]+$/).default('trove_ha_probe'),
  clustercheckPort: port.optional(),
  /** Group communication, IST and SST: what a Galera partition cuts (the node's other services keep talking). */
  replicationPorts: z.array(port).min(1).default([4567, 4568, 4444]),
});

const rabbitmq = z.strictObject({
  /** node name -> Erlang node name (rabbit@ctl1). */
  nodes: z.record(name, z.string().regex(/^[^@\s]+@[^@\s]+$/, 'an Erlang node name like rabbit@ctl1')),
  service: name,
  ctlCommand: z.string().default('rabbitmqctl'),
  partitionHandling: z.enum(['ignore', 'pause_minority', 'autoheal', 'pause_if_all_down']).default('pause_minority'),
  /** epmd and Erlang distribution: what a RabbitMQ partition cuts (clients and the node's other services keep their links). */
  clusterPorts: z.array(port).min(1).default([4369, 25672]),
  management: z.strictObject({ url: httpUrl, username: z.string(), password: secretRef }).optional(),
});

const haproxy = z.strictObject({
  /** node name -> path of the HAProxy stats socket on that node. */
  statsSockets: z.record(name, z.string().min(1)),
  service: name,
});

const trove = z.strictObject({
  datastore: z.string().min(1),
  datastoreVersion: z.string().min(1),
  flavor: z.string().min(1),
  /** Tenant networks a database instance is plugged into (names). */
  networks: z.array(z.string()).default([]),
  /** Trove management networks (names), one VIP each. */
  managementNetworks: z.array(z.string()).default([]),
  /**
   * How the documents' datastore registration runs on this site: trove-manage
   * over SSH on a controller (default: the first node running trove-api).
   */
  manage: z
    .strictObject({
      node: name.optional(),
      /** The trove-manage command line, config file included where it is not the default. */
      command: z.string().min(1).default('trove-manage'),
      /** Trove's templates directory; <dir>/<manager>/validation-rules.json holds the configuration parameters. */
      templatesDir: z.string().min(1).default('/usr/lib/python3/dist-packages/trove/templates'),
    })
    .default({ command: 'trove-manage', templatesDir: '/usr/lib/python3/dist-packages/trove/templates' }),
  /** Logical service names of the control plane. */
  services: z
    .strictObject({ api: name, taskmanager: name, conductor: name })
    .default({ api: 'trove-api', taskmanager: 'trove-taskmanager', conductor: 'trove-conductor' }),
});

const cidr = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/, 'an IPv4 CIDR like 198.18.10.0/24');

/**
 * What `trove-ha provision` builds through the OpenStack APIs (seed 000,
 * section 3): the admin-mgmt provider network, the trove-mgmt networks (one
 * subnet each, no gateway, pool .6-.254, VIP .5), the HAProxy nodes' security
 * group, their ports and servers, and the haproxy/keepalived configs on them.
 */
const provision = z.strictObject({
  adminNetwork: z.strictObject({
    name: z.string().min(1).default('admin-mgmt'),
    networkType: z.enum(['vlan', 'flat']).default('vlan'),
    physicalNetwork: z.string().min(1),
    segmentationId: z.number().int().min(1).max(4094).optional(),
    cidr,
    /** Gateway of the admin-mgmt subnet (to reach the controllers when they are on another subnet); omitted: none. */
    gateway: ipv4.optional(),
    /** The admin-mgmt subnet's allocation pool; the HAProxy nodes' fixed addresses are their node addresses. */
    allocationPool: z.strictObject({ start: ipv4, end: ipv4 }).optional(),
  }),
  /** One entry per trove-mgmt network, each with the VIP (a key of `vips`) keepalived holds on it. */
  managementNetworks: z
    .array(z.strictObject({ name: z.string().min(1), cidr, vip: name }))
    .min(1),
  securityGroup: z.string().min(1).default('trove-mgmt-proxy'),
  /** How the HAProxy VMs boot. The keypair must exist (its private key is the one in ssh.privateKey). */
  servers: z.strictObject({ image: z.string().min(1), flavor: z.string().min(1), keypair: z.string().min(1) }),
  /** Every three trove-mgmt networks get one cluster of HAProxy VMs (first member = MASTER of every VIP). */
  clusters: z
    .array(
      z.strictObject({
        members: z.array(z.strictObject({ node: name, addresses: z.record(z.string(), ipv4).default({}) })).min(1),
        networks: z.array(z.string().min(1)).min(1),
      }),
    )
    .min(1),
  /** Swift proxies behind the VIPs' `swift` port. */
  swift: z.strictObject({ nodes: z.array(name).min(1), port: port.default(8080) }),
  /** Port RabbitMQ listens on at each node; the VIP ports `amqp-<node>` forward to it. */
  rabbitmqPort: port.default(5672),
  haproxy: z
    .strictObject({
      configPath: z.string().default('/etc/haproxy/haproxy.cfg'),
      /** The `log` target of the global section: "stdout" or a syslog target such as "/dev/log". */
      log: z.string().default('/dev/log'),
      /** How the config is checked on the node before it replaces the old one. */
      checkCommand: z.string().default('haproxy -c -f'),
      /** Set net.ipv4.ip_nonlocal_bind=1 on the node (HAProxy binds VIPs the node may not hold). */
      nonlocalBind: z.boolean().default(true),
      /**
       * RabbitMQ node (a key of rabbitmq.nodes) -> a relay on the HAProxy node that
       * forwards to it (e.g. a toxiproxy proxy, to inject link faults on the guests'
       * path): HAProxy sends the data there and still health-checks RabbitMQ itself.
       */
      rabbitmqRelays: z.record(name, ipv4Port).optional(),
    })
    .default({ configPath: '/etc/haproxy/haproxy.cfg', log: '/dev/log', checkCommand: 'haproxy -c -f', nonlocalBind: true }),
  keepalived: z
    .strictObject({
      configPath: z.string().default('/etc/keepalived/keepalived.conf'),
      checkCommand: z.string().default('keepalived -t -f'),
      /** VRRP PASS authentication (at most 8 characters); omitted: no authentication block. */
      authPass: secretRef.optional(),
    })
    .default({ configPath: '/etc/keepalived/keepalived.conf', checkCommand: 'keepalived -t -f' }),
  /** Trove's side: the documents' cloud-init script on the controllers, and the datastore registered with trove-manage. */
  trove: z
    .strictObject({
      /** Nodes that run trove-taskmanager (they read the cloud-init at every instance create); trove-manage runs on the first. */
      controllers: z.array(name).min(1),
      /** Datastore manager (names the cloud-init file and the parameter template). */
      manager: z.string().min(1).default('mysql'),
      /** Trove's cloudinit_location. */
      cloudinitDir: z.string().min(1).default('/etc/trove/cloudinit'),
      /** Glance image of the datastore version (name). */
      image: z.string().min(1),
      packages: z.string().default(''),
      /** trove-manage as it runs on a controller (e.g. with --config-file). */
      manageCommand: z.string().min(1).default('trove-manage'),
      /** Configuration parameters to load (db_load_datastore_config_parameters); default Trove's template for the manager. */
      parametersFile: z.string().min(1).optional(),
      /** Checks a cloud-init file on the node before it replaces the old one (the path is appended). */
      cloudinitCheckCommand: z.string().default(`python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))'`),
    })
    .optional(),
  /** How long a new HAProxy VM may take to become ACTIVE. */
  serverActiveMs: durationMs.default(600_000),
  /**
   * How long after ACTIVE a new HAProxy VM may take to print its SSH host keys on
   * its console (cloud-init's keys-to-console, at the end of the first boot):
   * provisioning pins them from there.
   */
  consoleHostKeysMs: durationMs.default(600_000),
});

const timeouts = z
  .strictObject({
    sshConnectMs: durationMs.default(10_000),
    sshCommandMs: durationMs.default(60_000),
    httpRequestMs: durationMs.default(30_000),
    instanceActiveMs: durationMs.default(600_000),
    instanceDeleteMs: durationMs.default(300_000),
    backupCompleteMs: durationMs.default(600_000),
    clusterRecoveryMs: durationMs.default(180_000),
  })
  .default({
    sshConnectMs: 10_000,
    sshCommandMs: 60_000,
    httpRequestMs: 30_000,
    instanceActiveMs: 600_000,
    instanceDeleteMs: 300_000,
    backupCompleteMs: 600_000,
    clusterRecoveryMs: 180_000,
  });

/**
 * Where link faults act: toxiproxy servers on the site's links. `url` for one
 * server; `servers` (by the node each runs on) when a link runs through several,
 * e.g. one per load-balancer node of a VIP pair: a link fault then acts on the
 * proxy of that name on every server, so it holds wherever the VIP moves.
 * `proxies` names the proxies the servers carry and what each sits on; when
 * given, a link fault naming another proxy is refused before it runs.
 */
const toxiproxy = z
  .strictObject({
    url: httpUrl.optional(),
    servers: z.record(name, httpUrl).optional(),
    proxies: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a toxiproxy proxy name: letters, digits, _ . -'), z.string()).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.url && t.servers) ctx.addIssue({ code: 'custom', path: ['servers'], message: 'give either url (one toxiproxy) or servers (several), not both' });
    else if (!t.url && !t.servers) ctx.addIssue({ code: 'custom', path: ['url'], message: 'toxiproxy needs url (one server) or servers ({<node>: url} for several)' });
    else if (t.servers && Object.keys(t.servers).length === 0) ctx.addIssue({ code: 'custom', path: ['servers'], message: 'servers is empty; name at least one {<node>: url}' });
  });

export const environmentSchema = z
  .strictObject({
    name,
    description: z.string().optional(),
    /** Fault scenarios run only where this is true. */
    destructive: z.boolean(),
    keystone: z.strictObject({
      url: httpUrl,
      region: z.string().default('RegionOne'),
      interface: z.enum(['public', 'internal', 'admin']).default('public'),
      caFile: z.string().optional(),
      admin: credentials,
      tenant: credentials,
    }),
    /** Defaults for every node's SSH settings. */
    ssh: sshSettings.default({}),
    nodes: z.record(name, node),
    services: z.record(name, service).default({}),
    vips: z.record(name, vip).default({}),
    galera: galera.optional(),
    rabbitmq: rabbitmq.optional(),
    haproxy: haproxy.optional(),
    trove,
    toxiproxy: toxiproxy.optional(),
    provision: provision.optional(),
    timeouts,
  })
  .superRefine((env, ctx) => {
    // Cross references: every node a section names must exist in `nodes`,
    // every service a section names must exist in `services`.
    const nodes = new Set(Object.keys(env.nodes));
    const services = new Set(Object.keys(env.services));
    const needNode = (n: string, path: (string | number)[]) => {
      if (!nodes.has(n)) ctx.addIssue({ code: 'custom', path, message: `names node "${n}", which is not in nodes (have: ${[...nodes].join(', ') || 'none'})` });
    };
    const needService = (s: string, path: (string | number)[]) => {
      if (!services.has(s)) ctx.addIssue({ code: 'custom', path, message: `names service "${s}", which is not in services (have: ${[...services].join(', ') || 'none'})` });
    };
    for (const [n, def] of Object.entries(env.nodes)) if (def.ssh.jumpHost) needNode(def.ssh.jumpHost, ['nodes', n, 'ssh', 'jumpHost']);
    for (const [s, def] of Object.entries(env.services))
      for (const n of Object.keys(def.instances)) needNode(n, ['services', s, 'instances', n]);
    for (const [v, def] of Object.entries(env.vips)) {
      def.holders.forEach((h, i) => needNode(h, ['vips', v, 'holders', i]));
      needService(def.keepalived.service, ['vips', v, 'keepalived', 'service']);
      if (def.probeFrom) needNode(def.probeFrom, ['vips', v, 'probeFrom']);
    }
    if (env.galera) {
      env.galera.nodes.forEach((n, i) => needNode(n, ['galera', 'nodes', i]));
      needService(env.galera.service, ['galera', 'service']);
    }
    if (env.rabbitmq) {
      for (const n of Object.keys(env.rabbitmq.nodes)) needNode(n, ['rabbitmq', 'nodes', n]);
      needService(env.rabbitmq.service, ['rabbitmq', 'service']);
    }
    if (env.haproxy) {
      for (const n of Object.keys(env.haproxy.statsSockets)) needNode(n, ['haproxy', 'statsSockets', n]);
      needService(env.haproxy.service, ['haproxy', 'service']);
    }
    for (const n of Object.keys(env.toxiproxy?.servers ?? {})) needNode(n, ['toxiproxy', 'servers', n]);
    if (env.trove.manage.node) needNode(env.trove.manage.node, ['trove', 'manage', 'node']);
    for (const role of ['api', 'taskmanager', 'conductor'] as const) needService(env.trove.services[role], ['trove', 'services', role]);
    if (env.provision) checkProvisionRefs(env, ctx);
    // Two VRRP instances on one segment with the same router id fight over
    // one virtual MAC: the documents' sample makes exactly this mistake.
    const seen = new Map<string, string>();
    for (const [v, def] of Object.entries(env.vips)) {
      const key = `${def.keepalived.interface}/${def.keepalived.virtualRouterId}/${[...def.holders].sort().join(',')}`;
      const other = seen.get(key);
      if (other) ctx.addIssue({ code: 'custom', path: ['vips', v, 'keepalived', 'virtualRouterId'], message: `virtual_router_id ${def.keepalived.virtualRouterId} is already used by VIP "${other}" on the same holders and interface; give each vrrp_instance its own id` });
      else seen.set(key, v);
    }
  });

type RawEnvironment = {
  nodes: Record<string, unknown>;
  vips: Record<string, unknown>;
  rabbitmq?: { nodes: Record<string, string> };
  provision?: z.infer<typeof provision>;
};

function checkProvisionRefs(env: RawEnvironment, ctx: z.RefinementCtx): void {
  const p = env.provision!;
  const nets = new Set(p.managementNetworks.map((n) => n.name));
  p.managementNetworks.forEach((n, i) => {
    if (!(n.vip in env.vips)) ctx.addIssue({ code: 'custom', path: ['provision', 'managementNetworks', i, 'vip'], message: `names VIP "${n.vip}", which is not in vips (have: ${Object.keys(env.vips).join(', ') || 'none'})` });
  });
  p.clusters.forEach((c, i) => {
    c.members.forEach((m, j) => {
      if (!(m.node in env.nodes)) ctx.addIssue({ code: 'custom', path: ['provision', 'clusters', i, 'members', j, 'node'], message: `names node "${m.node}", which is not in nodes` });
      for (const net of Object.keys(m.addresses)) {
        if (!c.networks.includes(net)) ctx.addIssue({ code: 'custom', path: ['provision', 'clusters', i, 'members', j, 'addresses', net], message: `network "${net}" is not one of this cluster's networks (${c.networks.join(', ')})` });
      }
    });
    c.networks.forEach((n, j) => {
      if (!nets.has(n)) ctx.addIssue({ code: 'custom', path: ['provision', 'clusters', i, 'networks', j], message: `names network "${n}", which is not in provision.managementNetworks (have: ${[...nets].join(', ')})` });
    });
  });
  p.trove?.controllers.forEach((n, i) => {
    if (!(n in env.nodes)) ctx.addIssue({ code: 'custom', path: ['provision', 'trove', 'controllers', i], message: `names node "${n}", which is not in nodes` });
  });
  p.swift.nodes.forEach((n, i) => {
    if (!(n in env.nodes)) ctx.addIssue({ code: 'custom', path: ['provision', 'swift', 'nodes', i], message: `names node "${n}", which is not in nodes` });
  });
  const rabbitNodes = Object.keys(env.rabbitmq?.nodes ?? {});
  for (const n of Object.keys(p.haproxy.rabbitmqRelays ?? {})) {
    if (!rabbitNodes.includes(n)) {
      ctx.addIssue({ code: 'custom', path: ['provision', 'haproxy', 'rabbitmqRelays', n], message: `names RabbitMQ node "${n}", which is not in rabbitmq.nodes (have: ${rabbitNodes.join(', ') || 'none: add the rabbitmq section'})` });
    }
  }
}

export type Environment = z.infer<typeof environmentSchema>;
export type ProvisionDef = NonNullable<Environment['provision']>;
export type SecretRef = z.infer<typeof secretRef>;
export type NodeDef = Environment['nodes'][string];
export type ServiceDef = Environment['services'][string];
export type VipDef = Environment['vips'][string];
export type ControlDriver = z.infer<typeof controlDriver>;
export type ToxiproxyDef = NonNullable<Environment['toxiproxy']>;
