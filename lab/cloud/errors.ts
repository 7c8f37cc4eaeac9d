// API errors and how each OpenStack service spells them on the wire. Clients
// parse these bodies (novaclient reads the single top-level key, neutronclient
// the NeutronError type, glanceclient the webob text), so they follow the
// real services, not a common format of ours.
export type ApiKind = 'compute' | 'network' | 'image' | 'volume';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Neutron exception class name (NetworkNotFound, IpAddressAlreadyAllocated, …). */
    readonly neutronType?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, neutronType = 'HTTPBadRequest') => new ApiError(400, message, neutronType);
export const notFound = (message: string, neutronType = 'HTTPNotFound') => new ApiError(404, message, neutronType);
export const conflict = (message: string, neutronType = 'HTTPConflict') => new ApiError(409, message, neutronType);
export const forbidden = (message: string, neutronType = 'HTTPForbidden') => new ApiError(403, message, neutronType);

// nova/api/openstack/wsgi.py Fault._fault_names (cinder uses the same table).
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

export interface RenderedError {
  status: number;
  contentType: string;
  body: string;
}

export function renderError(kind: ApiKind, err: ApiError, accept = 'application/json'): RenderedError {
  const { status, message } = err;
  const json = (body: unknown): RenderedError => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
  switch (kind) {
    case 'compute':
    case 'volume':
      return json({ [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } });
    case 'network':
      return json({ NeutronError: { type: err.neutronType ?? 'HTTPError', message, detail: '' } });
    case 'image': {
      // Glance raises webob.exc.HTTP*; webob renders by Accept (json formatter or plain text).
      const reason = REASONS[status] ?? 'Error';
      if (accept.includes('json')) return json({ message: `${message}<br /><br />\n\n\n`, code: `${status} ${reason}`, title: reason });
      return { status, contentType: 'text/plain; charset=UTF-8', body: `${status} ${reason}\n\n${message}\n\n   ` };
    }
  }
}

/** keystonemiddleware's answer to a missing or invalid token, the same for every service. */
export function unauthorizedBody(): string {
  return JSON.stringify({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
}
