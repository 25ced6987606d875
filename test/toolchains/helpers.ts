// Shared by the toolchain tests: fresh output directories, source fixtures, module shape.

import type { ExecutionContext } from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compileToWasm, type CompileResult, type Language } from '../../src/compile/toolchains/index.js';
import { packageRoot, sdkDir } from '../../src/paths.js';

export { packageRoot, sdkDir };
export const examples = join(packageRoot, 'examples');

/** A temporary directory removed when the test ends. */
export async function tempDir(t: ExecutionContext, prefix = 'embly-toolchain-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (relative path -> text) under a fresh directory and returns it. */
export async function writeSources(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const dir = await tempDir(t, 'embly-source-');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

export async function compile(t: ExecutionContext, name: string, language: Language, sourcePath: string): Promise<CompileResult> {
  return compileToWasm({ name, language, sourcePath, outDir: await tempDir(t), sdkDir });
}

/** Asserts a WASI command that imports only from `embly` and `wasi_snapshot_preview1`. */
export async function assertFunctionShape(t: ExecutionContext, wasmPath: string): Promise<void> {
  const module = await WebAssembly.compile(await readFile(wasmPath));
  const exports = WebAssembly.Module.exports(module);
  t.true(exports.some((e) => e.name === 'memory' && e.kind === 'memory'), 'exports memory');
  t.true(exports.some((e) => e.name === '_start' && e.kind === 'function'), 'exports _start');
  const modules = new Set(WebAssembly.Module.imports(module).map((i) => i.module));
  t.deepEqual([...modules].filter((m) => m !== 'embly' && m !== 'wasi_snapshot_preview1'), []);
  t.true(modules.has('embly'), 'uses the embly imports');
}

/** The embly imports a module uses, sorted. */
export async function emblyImports(wasmPath: string): Promise<string[]> {
  const module = await WebAssembly.compile(await readFile(wasmPath));
  return WebAssembly.Module.imports(module).filter((i) => i.module === 'embly').map((i) => i.name).sort();
}
