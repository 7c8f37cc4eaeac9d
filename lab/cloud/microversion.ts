// Compute (and block-storage) microversions: parse the request headers the
// way nova/api/openstack/api_version_request.py does, compare, and echo.
import { ApiError } from './errors.ts';

export interface Microversion {
  major: number;
  minor: number;
}

export const NOVA_MIN = '2.1';
// Nova Zed (Debian 12 ships Zed clients): the newest microversion we admit to.
export const NOVA_MAX = '2.93';
export const CINDER_MIN = '3.0';
export const CINDER_MAX = '3.70';

export function parseVersion(text: string): Microversion | undefined {
  const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function compare(a: Microversion, b: Microversion): number {
  return a.major - b.major || a.minor - b.minor;
}

export const format = (v: Microversion) => `${v.major}.${v.minor}`;

/** True when `v` is at least `text` (e.g. atLeast(v, '2.47')). */
export function atLeast(v: Microversion, text: string): boolean {
  return compare(v, parseVersion(text)!) >= 0;
}

/**
 * The microversion a request asks for. `OpenStack-API-Version: compute 2.60`
 * wins over the legacy `X-OpenStack-Nova-API-Version: 2.60`; absent means the
 * minimum; `latest` means the maximum. Out of range → 406, malformed → 400,
 * as Nova does.
 */
export function requestedVersion(
  headers: Record<string, string | string[] | undefined>,
  service: 'compute' | 'volume',
  range: { min: string; max: string },
  legacyHeader?: string,
): Microversion {
  const min = parseVersion(range.min)!;
  const max = parseVersion(range.max)!;
  let text: string | undefined;
  const modern = headerValue(headers['openstack-api-version']);
  if (modern) {
    for (const part of modern.split(',')) {
      const [svc, ver] = part.trim().split(/\s+/);
      if (svc?.toLowerCase() === service && ver) text = ver;
    }
  }
  if (text === undefined && legacyHeader) text = headerValue(headers[legacyHeader]);
  if (text === undefined || text === '') return min;
  if (text.toLowerCase() === 'latest') return max;
  const v = parseVersion(text);
  if (!v) throw new ApiError(400, `API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`);
  if (compare(v, min) < 0 || compare(v, max) > 0) {
    throw new ApiError(406, `Version ${text} is not supported by the API. Minimum is ${range.min} and maximum is ${range.max}.`);
  }
  return v;
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(',') : h;
}

/** Response headers Nova sends with every versioned answer. */
export function versionHeaders(service: 'compute' | 'volume', v: Microversion): Record<string, string> {
  const headers: Record<string, string> = { 'openstack-api-version': `${service} ${format(v)}`, vary: 'OpenStack-API-Version' };
  if (service === 'compute') {
    headers['x-openstack-nova-api-version'] = format(v);
    headers.vary = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version';
  }
  return headers;
}
