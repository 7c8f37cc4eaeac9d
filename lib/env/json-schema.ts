// JSON Schema of the environment file, for editors (yaml-language-server reads
// the `$schema` comment at the top of each environment file).
import { z } from 'zod';
import { environmentSchema } from './schema.ts';

export function environmentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(environmentSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'trove-ha-harness environment', description: 'One site under test: endpoints, nodes, services, VIPs, clusters. Secrets are references ({ env } or { file }), never literals.' };
}
