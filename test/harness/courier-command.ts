// The `courier` command as tests run it: apps/cli's main from source, as `npm run courier` does.
// Tests spawn the binary; they never import the app's internals.
import { fileURLToPath } from 'node:url';

/** Node arguments that run `courier`; append its own arguments (`worker`, `run script.ts`, …). */
export const courierCommand: readonly string[] = [
  '--conditions=@courier/source',
  '--import',
  'tsx',
  fileURLToPath(new URL('../../apps/cli/src/main.ts', import.meta.url)),
];
