// Identifiers and timestamps in the formats the real services emit.
import { randomBytes, randomUUID } from 'node:crypto';

export const uuid = (): string => randomUUID();
/** Request ids: req-<uuid>, as oslo.middleware request_id. */
export const requestId = (): string => `req-${randomUUID()}`;
/** 2026-01-02T03:04:05Z (Nova, Neutron, Glance resource times). */
export const isoSeconds = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** 2026-01-02T03:04:05.000000 (Nova launched_at, Cinder times: naive, microseconds). */
export const isoMicros = (d = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
/** fa:16:3e:xx:xx:xx, Neutron's default base_mac. */
export const macAddress = (): string => ['fa', '16', '3e', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
export const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
