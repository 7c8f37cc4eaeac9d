// Image data: PUT /file stores the bytes under <stateDir>/images/<id> (or, with
// keepImageData off, only counts and hashes them) and makes the image active
// with size, md5 checksum and sha512 os_hash_value; GET /file streams them.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { Cloud } from '../cloud.ts';
import { ApiError, badRequest, conflict } from '../errors.ts';
import { isoSeconds } from '../ids.ts';
import { empty, type Router } from '../router.ts';
import { imageWritable } from './access.ts';
import { findImage } from './images.ts';

export function imageDataFile(cloud: Cloud, id: string): string {
  return join(cloud.store.dir, 'images', id);
}

export function registerImageData(router: Router, cloud: Cloud, keepData: boolean): void {
  router.add(
    'PUT',
    '/v2/images/:id/file',
    async (ctx) => {
      const img = findImage(cloud, ctx.params.id!, ctx.identity);
      if (!imageWritable(img, ctx.identity)) throw new ApiError(403, `You are not permitted to upload data to image ${img.base.id}.`);
      if (img.base.status !== 'queued') throw conflict(`Image status transition from ${img.base.status} to saving is not allowed`);
      if (!img.base.disk_format || !img.base.container_format) throw badRequest('Properties disk_format, container_format must be set prior to saving data.');
      cloud.store.mutate(() => {
        img.base.status = 'saving';
      });
      const md5 = createHash('md5');
      const sha512 = createHash('sha512');
      let size = 0;
      const file = imageDataFile(cloud, img.base.id);
      mkdirSync(join(cloud.store.dir, 'images'), { recursive: true });
      const sink = keepData ? createWriteStream(file) : new Writable({ write: (_c, _e, cb) => cb() });
      try {
        await pipeline(
          ctx.req,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              md5.update(chunk);
              sha512.update(chunk);
              size += chunk.length;
              yield chunk;
            }
          },
          sink,
        );
      } catch (e) {
        rmSync(file, { force: true });
        cloud.store.mutate(() => {
          img.base.status = 'queued';
        });
        throw e;
      }
      cloud.store.mutate(() => {
        Object.assign(img.base, { status: 'active', size, virtual_size: null, checksum: md5.digest('hex'), os_hash_algo: 'sha512', os_hash_value: sha512.digest('hex'), updated_at: isoSeconds() });
      });
      return empty(204);
    },
    { stream: true },
  );
  router.add('GET', '/v2/images/:id/file', (ctx) => {
    const img = findImage(cloud, ctx.params.id!, ctx.identity);
    const file = imageDataFile(cloud, img.base.id);
    if (img.base.status !== 'active' || !existsSync(file)) return empty(204);
    // Small lab images: read whole; the harness never downloads big ones.
    const size = statSync(file).size;
    const chunks: Buffer[] = [];
    return new Promise((resolve, reject) => {
      createReadStream(file)
        .on('data', (c) => chunks.push(c as Buffer))
        .on('error', reject)
        .on('end', () =>
          resolve({
            status: 200,
            raw: Buffer.concat(chunks, size),
            contentType: 'application/octet-stream',
            headers: { 'content-md5': String(img.base.checksum ?? '') },
          }),
        );
    });
  });
}
