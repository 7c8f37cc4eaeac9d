// How a config file pushed to an HAProxy node is put into effect. A fresh VM
// runs neither daemon until provisioning has configured it (Debian's
// keepalived.service has ConditionFileNotEmpty on its config; the lab's image
// starts both only once configured), and a signal or a restart cannot act on a
// stopped service: a stopped one is started, a running one reloaded.
import type { ServiceStatus } from '../topology/service-driver.ts';
import type { ServiceControl } from '../topology/service-control.ts';

export interface FileService {
  /** As the report names it: "service haproxy on ha1". */
  object: string;
  status(): Promise<ServiceStatus>;
  start(): Promise<void>;
  /** Puts a new config into effect and says how: "restarted", "reloaded (SIGHUP)" or "started". */
  apply(): Promise<string>;
}

/** `reload`: how a running instance takes a new config: a restart (HAProxy) or SIGHUP (keepalived keeps its VIP). */
export function fileService(control: ServiceControl, service: string, node: string, reload: 'restart' | 'hup'): FileService {
  const start = () => control.start(service, node);
  return {
    object: `service ${service} on ${node}`,
    status: () => control.status(service, node),
    start,
    async apply() {
      const { running, state } = await control.status(service, node);
      if (!running) {
        await start();
        return `started (was ${state})`;
      }
      if (reload === 'hup') {
        await control.kill(service, node, 'HUP');
        return 'reloaded (SIGHUP)';
      }
      await control.restart(service, node);
      return 'restarted';
    },
  };
}
