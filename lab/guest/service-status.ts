// trove/instance/service_status.py ServiceStatuses: the descriptions the
// conductor maps back (ServiceStatus.from_description); an unknown text fails there.
export const SERVICE_STATUSES = [
  'running',
  'blocked',
  'paused',
  'shutdown',
  'crashed',
  'failed to spawn',
  'building',
  'promoting replica',
  'ejecting replica source',
  'transferring guest logs',
  'unknown',
  'new',
  'deleted',
  'guestagent error',
  'instance ready',
  'restart required',
  'healthy',
  'upgrading',
  'restarting',
] as const;

export type ServiceStatus = (typeof SERVICE_STATUSES)[number];
