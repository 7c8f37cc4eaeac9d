// What every API handler shares: the state store, the VM driver, the log and
// the URLs the APIs are reached at (for links between services).
import type { RequestLog } from './request-log.ts';
import type { Store } from './store.ts';
import type { VmDriver } from './vm-driver.ts';

export interface CloudUrls {
  compute: string;
  network: string;
  image: string;
  volume: string;
}

export interface Cloud {
  store: Store;
  driver: VmDriver;
  log: RequestLog;
  urls: CloudUrls;
  region: string;
  /** Deterministic-enough host name of the single "hypervisor". */
  host: string;
}
