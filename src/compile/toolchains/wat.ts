// WebAssembly text: the pinned npm wabt's wat2wasm (which also validates the module).

import { join } from 'node:path';
import { CompileError } from '../../errors.js';
import { wabtTool } from './npm-tools.js';
import { outputOf, runNode } from './run.js';
import { entryFile } from './sources.js';
import type { CompileRequest, CompiledWasm, Toolchain } from './types.js';

const SHAPE_HINT = 'add (memory (export "memory") 1) and (func (export "_start") ...)';

async function compile(req: CompileRequest): Promise<CompiledWasm> {
  const source = await entryFile(req.name, req.sourcePath, '.wat');
  const { script, toolchain } = wabtTool('wat2wasm', 'Building WebAssembly text (wat)');
  const wasmPath = join(req.outDir, `${req.name}.wasm`);
  // --debug-names keeps $names in the name section: traps then name the function.
  const result = await runNode(script, [source, '--debug-names', '-o', wasmPath]);
  if (result.code !== 0) throw new CompileError(req.name, toolchain, outputOf(result));
  return { wasmPath, toolchain };
}

async function inputs(sourcePath: string): Promise<string[]> {
  return [await entryFile(sourcePath, sourcePath, '.wat')];
}

export const wat: Toolchain = { compile, inputs, shapeHint: SHAPE_HINT };
