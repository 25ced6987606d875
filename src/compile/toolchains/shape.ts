// Every function must be a WASI command: it exports `memory` and `_start` (docs/abi.md).

import type { WasmModule } from '../wasm-module.js';
import { CompileError } from '../../errors.js';

const exportsOf = (module: WasmModule) => module.info.exports.map((e) => ({ name: new TextDecoder().decode(e.name), kind: e.type.kind }));

/** Throws a CompileError naming what is missing, with a hint for the language at hand. */
export function checkCommandShape(name: string, toolchain: string, module: WasmModule, hint: string): void {
  const exports = exportsOf(module);
  const has = (want: string, kind: string) => exports.some((e) => e.name === want && e.kind === kind);
  const missing = [has('memory', 'memory') ? null : 'memory', has('_start', 'func') ? null : '_start']
    .filter((m): m is string => m !== null);
  if (missing.length === 0) return;
  throw new CompileError(name, toolchain, `the module does not export ${missing.map((m) => `"${m}"`).join(' and ')}: ${hint}`);
}
