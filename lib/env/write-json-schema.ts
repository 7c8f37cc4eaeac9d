// `npm run schema`: regenerate environments/environment.schema.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS_DIR } from './load.ts';
import { environmentJsonSchema } from './json-schema.ts';

const out = join(ENVIRONMENTS_DIR, 'environment.schema.json');
writeFileSync(out, `${JSON.stringify(environmentJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out}`);
