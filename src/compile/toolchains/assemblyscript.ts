// AssemblyScript: asc from npm. The SDK is reachable by a relative import or, from anywhere,
// as the package "embly" (a link to sdk/assemblyscript on asc's --path).

import { mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CompileError } from '../../errors.js';
import { npmFile, npmVersion } from './npm-tools.js';
import { outputOf, runNode } from './run.js';
import { entryFile, exists, findFiles, uniqueSorted } from './sources.js';
import type { CompileRequest, CompiledWasm, Toolchain } from './types.js';

/**
 * Top-level code runs in the exported `_start` (a WASI command, as docs/abi.md wants).
 * The stub runtime (a bump allocator, no GC) suits short-lived instances and keeps modules
 * small; `abort=` turns aborts into a trap instead of importing env.abort.
 */
export const ASC_FLAGS = ['--runtime', 'stub', '--use', 'abort=', '--exportStart', '_start', '-O3s'];
const ENTRY_NAMES = ['index.ts', 'main.ts'];
const SHAPE_HINT = 'put the code that serves the request at the top level of the entry file (it runs as _start)';

function ascScript(): { script: string; toolchain: string } {
  const script = npmFile('assemblyscript', 'bin/asc.js', 'Building AssemblyScript');
  return { script, toolchain: `assemblyscript ${npmVersion('assemblyscript', script)}` };
}

/** A package directory for asc's --path holding `embly` -> sdk/assemblyscript. */
async function sdkPackageDir(req: CompileRequest): Promise<string> {
  const dir = join(req.outDir, 'as-packages');
  await mkdir(dir, { recursive: true });
  const link = join(dir, 'embly');
  await rm(link, { recursive: true, force: true });
  await symlink(join(req.sdkDir, 'assemblyscript'), link, 'dir');
  return dir;
}

async function compile(req: CompileRequest): Promise<CompiledWasm> {
  const entry = await entryFile(req.name, req.sourcePath, '.ts', ENTRY_NAMES);
  const { script, toolchain } = ascScript();
  const wasmPath = join(req.outDir, `${req.name}.wasm`);
  const args = [entry, '-o', wasmPath, ...ASC_FLAGS, '--path', await sdkPackageDir(req)];
  const result = await runNode(script, args, { cwd: dirname(entry) });
  if (result.code !== 0) throw new CompileError(req.name, toolchain, outputOf(result));
  return { wasmPath, toolchain };
}

/** Every .ts beside the entry (recursively), an asconfig.json, and the SDK's sources. */
async function inputs(sourcePath: string, sdkDir: string): Promise<string[]> {
  const entry = await entryFile(sourcePath, sourcePath, '.ts', ENTRY_NAMES);
  const dir = dirname(entry);
  const config = join(dir, 'asconfig.json');
  const sdk = await findFiles(join(sdkDir, 'assemblyscript'), ['.ts', 'package.json']);
  return uniqueSorted([entry, ...(await findFiles(dir, ['.ts'])), ...((await exists(config)) ? [config] : []), ...sdk]);
}

export const assemblyscript: Toolchain = { compile, inputs, shapeHint: SHAPE_HINT };
