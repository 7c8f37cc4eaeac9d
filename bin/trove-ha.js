#!/usr/bin/env node
// Entry point of the `trove-ha` command. The harness is TypeScript run by tsx
// (no build step); `npm test` type-checks it with tsc.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
