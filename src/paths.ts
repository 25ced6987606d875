// Where Embly's own files are, whether run from a clone (dist/src/...) or a
// global install: everything is found relative to the package root.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
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
/** The native build in use: build/native, or the directory EMBLY_NATIVE_BUILD names
 * (relative to the package root), e.g. build/native-sanitize (docs/sanitizers.md). */
export const defaultNativeBuild = join(packageRoot, 'build', 'native');
export const nativeBuild = process.env.EMBLY_NATIVE_BUILD
  ? resolve(packageRoot, process.env.EMBLY_NATIVE_BUILD)
  : defaultNativeBuild;
export const nativeBin = join(nativeBuild, 'bin');
export const runnerBinary = join(nativeBin, 'embly-runner');
export const sdkDir = join(packageRoot, 'sdk');

const require = createRequire(import.meta.url);
export const wabtBin = (tool: string): string => require.resolve(`wabt/bin/${tool}`);
