// A Glance v2 image as GET returns it: base properties, then the extra
// properties flattened beside them, plus self/file/schema.
import type { ImageRecord } from '../model.ts';

export function imageView(img: ImageRecord): Record<string, unknown> {
  const id = img.base.id;
  return { ...img.properties, ...img.base, self: `/v2/images/${id}`, file: `/v2/images/${id}/file`, schema: '/v2/schemas/image' };
}

/** Base (schema) properties a client may set. */
export const WRITABLE = new Set(['name', 'visibility', 'protected', 'os_hidden', 'container_format', 'disk_format', 'min_ram', 'min_disk', 'tags', 'owner']);
/** Base properties nobody sets through the API. */
export const READ_ONLY = new Set(['status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'stores', 'locations', 'location']);
