// /v2/schemas/image and /v2/schemas/images, after glance/api/v2/images.py
// (get_base_properties, get_schema, get_collection_schema): glanceclient
// builds its warlock model from them and validates creates/updates with it.
import { json, type Router } from '../router.ts';

export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
export const STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'];

const ro = (description: string, type: unknown, extra: Record<string, unknown> = {}) => ({ type, readOnly: true, description, ...extra });

export function imageSchema(): Record<string, unknown> {
  return {
    name: 'image',
    properties: {
      id: { type: 'string', description: 'An identifier for the image', pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$' },
      name: { type: ['null', 'string'], description: 'Descriptive name for the image', maxLength: 255 },
      status: ro('Status of the image', 'string', { enum: STATUSES }),
      visibility: { type: 'string', description: 'Scope of image accessibility', enum: ['community', 'public', 'private', 'shared'] },
      protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
      os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
      checksum: ro('md5 hash of image contents.', ['null', 'string'], { maxLength: 32 }),
      os_hash_algo: ro('Algorithm to calculate the os_hash_value', ['null', 'string'], { maxLength: 64 }),
      os_hash_value: ro('Hexdigest of the image contents using the algorithm specified by the os_hash_algo', ['null', 'string'], { maxLength: 128 }),
      owner: { type: ['null', 'string'], description: 'Owner of the image', maxLength: 255 },
      size: ro('Size of image file in bytes', ['null', 'integer']),
      virtual_size: ro('Virtual size of image in bytes', ['null', 'integer']),
      container_format: { type: ['null', 'string'], description: 'Format of the container', enum: [null, ...CONTAINER_FORMATS] },
      disk_format: { type: ['null', 'string'], description: 'Format of the disk', enum: [null, ...DISK_FORMATS] },
      created_at: ro('Date and time of image registration', 'string'),
      updated_at: ro('Date and time of the last image modification', 'string'),
      tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
      direct_url: ro('URL to access the image file kept in external store', 'string'),
      min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
      min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
      self: ro('An image self url', 'string'),
      file: ro('An image file url', 'string'),
      stores: ro('Store in which image data resides.  Only present when the operator has enabled multiple stores.', 'string'),
      schema: ro('An image schema url', 'string'),
      locations: {
        type: 'array',
        description: 'A set of URLs to access the image file kept in external store',
        items: { type: 'object', properties: { url: { type: 'string', maxLength: 255 }, metadata: { type: 'object' }, validation_data: { type: 'object' } }, required: ['url', 'metadata'] },
      },
      // A few of Glance's schema-image.json properties (is_base false), so clients see them as known.
      kernel_id: { type: ['null', 'string'], pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$', description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.', is_base: false },
      ramdisk_id: { type: ['null', 'string'], pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$', description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.', is_base: false },
      instance_uuid: { type: 'string', description: 'Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)', is_base: false },
      architecture: { type: 'string', description: 'Operating system architecture as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html', is_base: false },
      os_distro: { type: 'string', description: 'Common name of operating system distribution as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html', is_base: false },
      os_version: { type: 'string', description: 'Operating system version as specified by the distributor.', is_base: false },
      description: { type: 'string', description: 'A human-readable string describing this image.', is_base: false },
      cinder_encryption_key_id: { type: 'string', description: 'Identifier in the OpenStack Key Management Service for the encryption key for the Block Storage volume when this image is created from an encrypted volume.', is_base: false },
      cinder_encryption_key_deletion_policy: { type: 'string', enum: ['on_image_deletion', 'do_not_delete'], description: 'States the condition under which the Image Service will delete the object associated with the \'cinder_encryption_key_id\' image property.', is_base: false },
    },
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function imagesSchema(): Record<string, unknown> {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema() },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function registerImageSchemas(router: Router): void {
  router.add('GET', '/v2/schemas/image', () => json(200, imageSchema()));
  router.add('GET', '/v2/schemas/images', () => json(200, imagesSchema()));
}
