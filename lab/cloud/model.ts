// What the lab cloud persists. Neutron and Glance resources are kept in their
// API shape (one representation, no drift); Nova servers are kept as records
// because their rendering depends on the request's microversion.

export interface ServerRecord {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  /** Nova status: BUILD, ACTIVE, SHUTOFF, REBOOT, HARD_REBOOT, ERROR. */
  status: string;
  vmState: string;
  taskState: string | null;
  /** 0 NOSTATE, 1 RUNNING, 4 SHUTDOWN. */
  powerState: number;
  imageId: string;
  flavor: FlavorRecord;
  metadata: Record<string, string>;
  /** base64, as POSTed. */
  userData: string | null;
  keyName: string | null;
  securityGroups: string[];
  configDrive: boolean;
  availabilityZone: string;
  /** Ports in attachment order; `createdPortIds` are the ones Nova made and deletes with the server. */
  portIds: string[];
  createdPortIds: string[];
  serverGroupId: string | null;
  blockDeviceMapping: unknown[];
  description: string | null;
  tags: string[];
  reservationId: string;
  launchIndex: number;
  hostname: string;
  created: string;
  updated: string;
  launchedAt: string | null;
  fault: { code: number; message: string; created: string } | null;
  /** Set while a DELETE is in progress; the record goes once the VM driver has destroyed it. */
  deleting: boolean;
}

export interface FlavorRecord {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  ephemeral: number;
  swap: number;
  rxtxFactor: number;
  isPublic: boolean;
  disabled: boolean;
  description: string | null;
  extraSpecs: Record<string, string>;
}

export interface KeypairRecord {
  name: string;
  userId: string;
  publicKey: string;
  fingerprint: string;
  type: 'ssh' | 'x509';
  created: string;
  id: number;
}

export interface ServerGroupRecord {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  policy: string;
  rules: Record<string, unknown>;
  members: string[];
}

/** A Neutron resource exactly as GET returns it. */
export type NeutronResource = Record<string, unknown> & { id: string; project_id: string; tenant_id: string };

export interface ImageRecord {
  /** Glance base properties (id, name, status, visibility, owner, …) as GET returns them. */
  base: Record<string, unknown> & { id: string; owner: string | null; status: string; visibility: string; tags: string[] };
  /** Extra properties (always strings in Glance v2). */
  properties: Record<string, string>;
}

export interface VolumeRecord {
  id: string;
  name: string | null;
  projectId: string;
  size: number;
  status: string;
  description: string | null;
  created: string;
  metadata: Record<string, string>;
}

export interface CloudState {
  version: 1;
  servers: ServerRecord[];
  flavors: FlavorRecord[];
  /** Flavor access for private flavors: flavor id → project ids. */
  flavorAccess: Record<string, string[]>;
  keypairs: KeypairRecord[];
  serverGroups: ServerGroupRecord[];
  networks: NeutronResource[];
  subnets: NeutronResource[];
  ports: NeutronResource[];
  securityGroups: NeutronResource[];
  securityGroupRules: NeutronResource[];
  images: ImageRecord[];
  volumes: VolumeRecord[];
  /** Monotonic counters (keypair ids). */
  counters: Record<string, number>;
}

export function emptyState(): CloudState {
  return {
    version: 1,
    servers: [],
    flavors: [],
    flavorAccess: {},
    keypairs: [],
    serverGroups: [],
    networks: [],
    subnets: [],
    ports: [],
    securityGroups: [],
    securityGroupRules: [],
    images: [],
    volumes: [],
    counters: {},
  };
}
