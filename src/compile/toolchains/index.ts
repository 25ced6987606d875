// Turning one function's source into a .wasm, per language (docs/sdk.md).
// The build pipeline calls compileToWasm; sourceInputs lists the files that make up a
// function's source without compiling, for cache keys.

import { readFile } from 'node:fs/promises';
import { InternalError } from '../../errors.js';
import { sdkDir as packagedSdkDir } from '../../paths.js';
import { loadWasmModule } from '../wasm-module.js';
import { assemblyscript } from './assemblyscript.js';
import { c } from './c.js';
import { rust } from './rust.js';
import { checkCommandShape } from './shape.js';
import type { CompileRequest, CompileResult, Language, Toolchain } from './types.js';
import { wasm } from './wasm.js';
import { wat } from './wat.js';

export type { CompileRequest, CompileResult, Language } from './types.js';
export { CompileError, ToolchainMissingError } from '../../errors.js';

const TOOLCHAINS: Record<Language, Toolchain> = { wat, wasm, c, rust, assemblyscript };

function toolchainFor(language: Language): Toolchain {
  const toolchain = TOOLCHAINS[language];
  if (!toolchain) throw new InternalError(`unknown language "${String(language)}"`);
  return toolchain;
}

/** Compiles `req.sourcePath` to `<outDir>/<name>.wasm`, a valid WASI command. Rejects with
 * ToolchainMissingError, CompileError or (a module wabt refuses) WasmInvalidError. */
export async function compileToWasm(req: CompileRequest): Promise<CompileResult> {
  const toolchain = toolchainFor(req.language);
  const compiled = await toolchain.compile(req);
  const module = await loadWasmModule(await readFile(compiled.wasmPath));
  checkCommandShape(req.name, compiled.toolchain, module, toolchain.shapeHint);
  return { ...compiled, module };
}

/** Absolute paths of every file that affects the output (sources, headers, manifests, SDK). */
export function sourceInputs(language: Language, sourcePath: string, sdkDir = packagedSdkDir): Promise<string[]> {
  return toolchainFor(language).inputs(sourcePath, sdkDir);
}
