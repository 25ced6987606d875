// Compilers installed from npm (wabt, assemblyscript), run with this same Node.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ToolchainMissingError } from '../../errors.js';

const require = createRequire(import.meta.url);

/** The absolute path of a file inside an npm package, or a ToolchainMissingError. */
export function npmFile(pkg: string, file: string, why: string): string {
  try {
    return require.resolve(`${pkg}/${file}`);
  } catch {
    const install = `npm install ${pkg}`;
    throw new ToolchainMissingError(`${why} needs the npm package "${pkg}", which is not installed: run "${install}" in the Embly directory`, install);
  }
}

/** The installed version of an npm package, read from its package.json. */
export function npmVersion(pkg: string, someFile: string): string {
  let dir = dirname(someFile);
  while (dirname(dir) !== dir) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === pkg) return manifest.version ?? 'unknown';
    } catch {
      // not the package root yet
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

export function wabtTool(tool: string, why: string): { script: string; toolchain: string } {
  const script = npmFile('wabt', `bin/${tool}`, why);
  return { script, toolchain: `wabt ${npmVersion('wabt', script)} ${tool}` };
}
