// Where Embly's own files are, whether run from a clone (dist/src/...) or a
// global install: everything is found relative to the package root.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstallationError } from './errors.js';

function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'native'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new InstallationError(`cannot find the embly package root above ${from}`);
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const nativeInclude = join(packageRoot, 'native', 'include');
export const nativeBin = join(packageRoot, 'build', 'native', 'bin');
export const runnerBinary = join(nativeBin, 'embly-runner');
export const sdkDir = join(packageRoot, 'sdk');

const require = createRequire(import.meta.url);
export const wabtBin = (tool: string): string => require.resolve(`wabt/bin/${tool}`);
