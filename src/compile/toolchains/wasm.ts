// Prebuilt modules: validated with the pinned npm wabt's wasm-validate, then copied.

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompileError } from '../../errors.js';
import { wabtTool } from './npm-tools.js';
import { outputOf, runNode } from './run.js';
import { checkCommandShape } from './shape.js';
import { entryFile } from './sources.js';
import type { CompileRequest, CompileResult, Toolchain } from './types.js';

const SHAPE_HINT = 'build it as a WASI command (a program with main), not a library or reactor';

async function compile(req: CompileRequest, signal?: AbortSignal): Promise<CompileResult> {
  const source = await entryFile(req.name, req.sourcePath, '.wasm');
  const { script, toolchain } = wabtTool('wasm-validate', 'Checking a prebuilt .wasm');
  const result = await runNode(script, [source], { signal });
  if (result.code !== 0) throw new CompileError(req.name, toolchain, outputOf(result) || 'invalid module');
  const wasmPath = join(req.outDir, `${req.name}.wasm`);
  await copyFile(source, wasmPath);
  await checkCommandShape(req.name, toolchain, wasmPath, SHAPE_HINT);
  return { wasmPath, toolchain, inputs: [source] };
}

async function inputs(sourcePath: string): Promise<string[]> {
  return [await entryFile(sourcePath, sourcePath, '.wasm')];
}

export const wasm: Toolchain = { compile, inputs };
