// Pacemaker via pcs and crm_resource, per node: "stop on node X" bans the
// resource from X (a -INFINITY location constraint), "start" clears that ban.
// Both return once the constraint is set, not when the cluster has acted:
// poll status to wait. Assumes the environment's node names are the
// Pacemaker node names. Pacemaker knows no pids: mainPid comes only from the
// instance's pidFile (through kill), and status reports it as null.
import { shellQuote } from '../../remote/shell-quote.ts';
import { excerpt, ServiceStatusError, UnsupportedOperationError, type CommandOutput, type ServiceDriver, type ServiceInstanceRef, type ServiceStatus, type Signal } from '../service-driver.ts';
import { killPid, readPidFile } from './pid-commands.ts';

export class PacemakerDriver implements ServiceDriver {
  readonly name = 'pacemaker' as const;

  start(i: ServiceInstanceRef): string {
    return `pcs resource clear ${shellQuote(i.unit)} ${shellQuote(i.node)}`;
  }

  stop(i: ServiceInstanceRef): string {
    return `pcs resource ban ${shellQuote(i.unit)} ${shellQuote(i.node)}`;
  }

  restart(i: ServiceInstanceRef): string {
    // For clones and bundles pcs restarts only the copy on that node; a primitive restarts wherever it runs.
    return `pcs resource restart ${shellQuote(i.unit)} ${shellQuote(i.node)}`;
  }

  kill(i: ServiceInstanceRef, signal: Signal): string {
    if (!i.pidFile) {
      throw new UnsupportedOperationError(`the pacemaker driver can signal ${i.unit} on ${i.node} only through a pid file: set pidFile on this instance in the environment file`);
    }
    return killPid(readPidFile(i.pidFile), `pacemaker resource ${i.unit} (pid file ${i.pidFile})`, signal);
  }

  status(i: ServiceInstanceRef): string {
    return `crm_resource --resource ${shellQuote(i.unit)} --locate`;
  }

  parseStatus(i: ServiceInstanceRef, output: CommandOutput): ServiceStatus {
    return parseCrmResourceLocate(i.unit, i.node, output);
  }
}

/**
 * Reads `crm_resource --resource R --locate`: one `resource R is running on: NODE [Promoted|Master]`
 * line per node, or `resource R is NOT running`; pacemaker prints these on stdout or stderr by version.
 */
export function parseCrmResourceLocate(resource: string, node: string, output: CommandOutput): ServiceStatus {
  const text = `${output.stdout}\n${output.stderr}`;
  const nodes = [...text.matchAll(/resource \S+ is running on: (\S+)(?: (\S+))?/g)].map((m) => ({ node: m[1], role: m[2] }));
  const here = nodes.find((n) => n.node === node);
  if (here) return { running: true, mainPid: null, state: here.role ? `running (${here.role})` : 'running' };
  if (nodes.length > 0) return { running: false, mainPid: null, state: `not on ${node} (running on ${nodes.map((n) => n.node).join(', ')})` };
  if (/is NOT running/.test(text)) return { running: false, mainPid: null, state: 'stopped' };
  if (/not found|No such/i.test(text)) throw new ServiceStatusError(`pacemaker has no resource ${resource}`);
  throw new ServiceStatusError(`cannot read crm_resource --locate for ${resource}: ${excerpt(output)}`);
}
