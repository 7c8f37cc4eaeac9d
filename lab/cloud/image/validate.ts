// Checks Glance applies to writable image properties (its JSON schema plus
// the publicize policy), one property at a time so create and PATCH share them.
import type { Identity } from '../auth.ts';
import { ApiError, badRequest } from '../errors.ts';
import { CONTAINER_FORMATS, DISK_FORMATS } from './schemas.ts';
import { READ_ONLY } from './image-view.ts';

const forbiddenImage = (m: string) => new ApiError(403, m);

export function checkProperty(key: string, value: unknown, who: Identity): unknown {
  if (READ_ONLY.has(key)) throw forbiddenImage(`Attribute '${key}' is read-only.`);
  const schemaError = (what: string) => badRequest(`Provided object does not match schema 'image': ${JSON.stringify(value)} ${what}`);
  switch (key) {
    case 'name':
      if (value !== null && (typeof value !== 'string' || value.length > 255)) throw schemaError("is not of type 'null', 'string'");
      return value;
    case 'visibility':
      if (!['public', 'private', 'shared', 'community'].includes(String(value))) throw schemaError("is not one of ['community', 'public', 'private', 'shared']");
      if (value === 'public' && !who.isAdmin) throw forbiddenImage('You are not authorized to complete publicize_image action.');
      return value;
    case 'protected':
    case 'os_hidden':
      if (typeof value !== 'boolean') throw schemaError("is not of type 'boolean'");
      return value;
    case 'disk_format':
      if (value !== null && !DISK_FORMATS.includes(String(value))) throw schemaError(`is not one of ${JSON.stringify([null, ...DISK_FORMATS])}`);
      return value;
    case 'container_format':
      if (value !== null && !CONTAINER_FORMATS.includes(String(value))) throw schemaError(`is not one of ${JSON.stringify([null, ...CONTAINER_FORMATS])}`);
      return value;
    case 'min_ram':
    case 'min_disk':
      if (!Number.isInteger(value) || (value as number) < 0) throw schemaError("is not of type 'integer'");
      return value;
    case 'tags':
      if (!Array.isArray(value) || value.some((t) => typeof t !== 'string' || t.length > 255)) throw schemaError("is not of type 'array'");
      return [...new Set(value as string[])];
    case 'owner':
      if (!who.isAdmin) throw forbiddenImage("Attribute 'owner' can be only set by admins.");
      return value;
    case 'id':
      return value;
    default:
      // additionalProperties: {"type": "string"}
      if (typeof value !== 'string') throw badRequest(`Provided object does not match schema 'image': ${JSON.stringify(value)} is not of type 'string'`);
      if (key.length > 255) throw badRequest(`Provided object does not match schema 'image': property name too long`);
      return value;
  }
}
