// SwiftStorage.save / load of Trove's backup image (backup/storage/swift.py)
// for the single-segment case: the stream goes up as <id>_00000000 while its
// MD5 is computed, the ETag must equal that MD5, the segment is copied onto
// <id>.xbstream.gz with the metadata headers and deleted, and the final
// object's ETag must equal the checksum reported to Trove. Restore checks the
// object's ETag against the backup's checksum before unpacking (load()).
import type { Readable } from 'node:stream';
import { backupLocation, lsnFromLog, metadataHeaders, parseLocation, segmentName } from './naming.ts';
import { Md5Tap, type RunningBackup } from './mariabackup.ts';
import { etagOf, type SwiftClient } from './swift-client.ts';

/** StreamReader's max_file_size: beyond it Trove writes a Static Large Object (the lab's Swift has no slo middleware). */
export const MAX_SEGMENT_BYTES = 2 * 1024 ** 3;

export interface SavedBackup {
  checksum: string;
  location: string;
  bytes: number;
  metadata: Record<string, string>;
}

export async function saveBackup(swift: SwiftClient, o: { container: string; objectName: string; backup: RunningBackup; metadata: Record<string, string>; maxSegmentBytes?: number }): Promise<SavedBackup> {
  const { container, objectName, backup } = o;
  await swift.putContainer(container);
  const segment = segmentName(objectName);
  const tap = new Md5Tap(o.maxSegmentBytes ?? MAX_SEGMENT_BYTES);
  backup.stream.once('error', (err) => tap.destroy(err));
  let etag: string;
  let log: string;
  try {
    [etag, log] = await Promise.all([swift.putObjectStream(container, segment, backup.stream.pipe(tap)), backup.finished]);
  } catch (err) {
    await swift.deleteObject(container, segment).catch(() => undefined);
    throw err;
  }
  const md5 = tap.digest();
  if (etag !== md5) {
    await swift.deleteObject(container, segment).catch(() => undefined);
    throw new Error(`Failed to upload data segment to swift. ETAG: ${etag} Segment MD5: ${md5}.`);
  }
  const lsn = lsnFromLog(log);
  const metadata = { ...o.metadata, ...(lsn ? { lsn } : {}) };
  await swift.copyObject(container, objectName, `${container}/${segment}`, metadataHeaders(metadata));
  await swift.deleteObject(container, segment);
  const final = etagOf((await swift.headObject(container, objectName)).headers);
  if (final !== md5) throw new Error(`Failed to upload data to swift. Manifest ETAG: ${final} Swift MD5: ${md5}`);
  return { checksum: md5, location: backupLocation(swift.storageUrl, container, objectName), bytes: tap.bytes, metadata };
}

export interface LoadedBackup {
  body: Readable;
  /** A Static Large Object's ETag is not the MD5 of its bytes. */
  largeObject: boolean;
}

/** SwiftStorage.load: GET the object; its ETag must be the expected checksum. */
export async function loadBackup(swift: SwiftClient, location: string, checksum: string | null): Promise<LoadedBackup> {
  const { container, object } = parseLocation(location);
  const { headers, body } = await swift.getObject(container, object);
  const etag = etagOf(headers);
  if (checksum && etag !== checksum) {
    body.destroy();
    throw new Error(`Checksum validation failure, actual: ${etag}, expected: ${checksum}`);
  }
  return { body, largeObject: headers['x-static-large-object'] !== undefined };
}
