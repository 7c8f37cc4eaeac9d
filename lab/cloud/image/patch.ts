// PATCH /v2/images/{id} with application/openstack-images-v2.1-json-patch
// (what OSC/openstacksdk and glanceclient send for `image set`): add,
// replace, remove on "/<property>" paths, Glance's 409 for replace/remove of
// a missing property, 403 for read-only ones.
import type { Identity } from '../auth.ts';
import { ApiError, badRequest, conflict } from '../errors.ts';
import { isObj } from '../input.ts';
import type { ImageRecord } from '../model.ts';
import { WRITABLE } from './image-view.ts';
import { checkProperty } from './validate.ts';

export const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];

export function applyPatch(img: ImageRecord, ops: unknown, who: Identity): void {
  if (!Array.isArray(ops)) throw badRequest('Request body must be a JSON array of operation objects.');
  for (const raw of ops) {
    if (!isObj(raw)) throw badRequest('Operations must be JSON objects.');
    const op = raw.op;
    const path = typeof raw.path === 'string' ? raw.path : undefined;
    if (typeof op !== 'string' || !['add', 'replace', 'remove'].includes(op)) throw badRequest(`Invalid operation: \`${String(op)}\`: Operation "${String(op)}" is not supported.`);
    if (!path || !path.startsWith('/') || path.slice(1).includes('/')) {
      if (path?.startsWith('/locations')) throw new ApiError(403, 'It is not allowed to add locations if locations are invisible.');
      throw badRequest(`Invalid JSON pointer for this resource: '${String(path)}'`);
    }
    const key = path.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
    const base = WRITABLE.has(key) || key in img.base;
    if (op === 'remove') {
      if (base) throw new ApiError(403, `Attribute '${key}' is read-only.`);
      if (!(key in img.properties)) throw conflict(`Property ${key} does not exist.`);
      delete img.properties[key];
      continue;
    }
    if (!('value' in raw)) throw badRequest(`Operation objects must contain exactly one member named "value".`);
    const value = checkProperty(key, raw.value, who);
    if (base) {
      (img.base as Record<string, unknown>)[key] = value;
    } else {
      if (op === 'replace' && !(key in img.properties)) throw conflict(`Property ${key} does not exist.`);
      img.properties[key] = value as string;
    }
  }
}
