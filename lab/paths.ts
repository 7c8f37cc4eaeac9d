// Where the lab keeps its state. Fixed, because environments/lab.yaml refers to
// files under it (secrets, SSH keys, logs) the way a real site's file refers to
// its own paths.
import { join } from 'node:path';

export const LAB_DIR = '/var/lib/trove-ha-lab';

export const labPaths = {
  root: LAB_DIR,
  secrets: join(LAB_DIR, 'secrets'),
  ssh: join(LAB_DIR, 'ssh'),
  logs: join(LAB_DIR, 'logs'),          // lab up/down step logs
  uts: join(LAB_DIR, 'uts'),            // persistent UTS namespaces (hostname per node)
  stateFile: join(LAB_DIR, 'state.json'),
  node: (n: string) => join(LAB_DIR, 'nodes', n),
  nodeLog: (n: string) => join(LAB_DIR, 'nodes', n, 'log'),
  nodeRun: (n: string) => join(LAB_DIR, 'nodes', n, 'run'),
  /** Files here are bind-mounted over /etc/<entry> inside node n by `ip netns exec`. */
  nodeEtc: (n: string) => join('/etc/netns', n),
} as const;
