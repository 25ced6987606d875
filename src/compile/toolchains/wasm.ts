// Prebuilt modules: copied as they are. compileToWasm validates them (the
// pinned wabt, in process) like the output of every other language.

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { npmFile, npmVersion } from './npm-tools.js';
import { entryFile } from './sources.js';
import type { CompileRequest, CompiledWasm, Toolchain } from './types.js';

const SHAPE_HINT = 'build it as a WASI command (a program with main), not a library or reactor';

function validator(): string {
  const manifest = npmFile('wabt', 'package.json', 'Checking a prebuilt .wasm');
  return `wabt ${npmVersion('wabt', manifest)} (validation)`;
}

async function compile(req: CompileRequest): Promise<CompiledWasm> {
  const source = await entryFile(req.name, req.sourcePath, '.wasm');
  const wasmPath = join(req.outDir, `${req.name}.wasm`);
  await copyFile(source, wasmPath);
  return { wasmPath, toolchain: validator() };
}

async function inputs(sourcePath: string): Promise<string[]> {
  return [await entryFile(sourcePath, sourcePath, '.wasm')];
}

export const wasm: Toolchain = { compile, inputs, shapeHint: SHAPE_HINT };
