// Every function must be a WASI command: it exports `memory` and `_start` (docs/abi.md).

import { readFile } from 'node:fs/promises';
import { CompileError } from '../../errors.js';

/** Throws a CompileError naming what is missing, with a hint for the language at hand. */
export async function checkCommandShape(name: string, toolchain: string, wasmPath: string, hint: string): Promise<void> {
  const module = await WebAssembly.compile(await readFile(wasmPath));
  const exports = WebAssembly.Module.exports(module);
  const has = (want: string, kind: string) => exports.some((e) => e.name === want && e.kind === kind);
  const missing = [has('memory', 'memory') ? null : 'memory', has('_start', 'function') ? null : '_start']
    .filter((m): m is string => m !== null);
  if (missing.length === 0) return;
  throw new CompileError(name, toolchain, `the module does not export ${missing.map((m) => `"${m}"`).join(' and ')}: ${hint}`);
}
