// The contract between the build pipeline and the language toolchains.

import type { WasmModule } from '../wasm-module.js';

export type Language = 'wat' | 'wasm' | 'c' | 'rust' | 'assemblyscript';

export interface CompileRequest {
  /** The function's name, for messages and output file names. */
  name: string;
  language: Language;
  /** Absolute: a source file or directory (see docs/sdk.md for what each language takes). */
  sourcePath: string;
  /** Absolute, existing: the .wasm and every intermediate file go here. */
  outDir: string;
  /** Absolute path of the repository's sdk/. */
  sdkDir: string;
  /** Compile for wasm SIMD (simd128): the project file's `simd` (C and Rust). */
  simd?: boolean;
}

/** What a language's compiler made. */
export interface CompiledWasm {
  wasmPath: string;
  /** Name and version of what compiled it, e.g. "clang 14.0.6 (wasm32-wasi)". */
  toolchain: string;
}

export interface CompileResult extends CompiledWasm {
  /** The module at wasmPath, validated, read and of the right shape. */
  module: WasmModule;
}

/** What each language module provides. */
export interface Toolchain {
  compile(req: CompileRequest): Promise<CompiledWasm>;
  inputs(sourcePath: string, sdkDir: string): Promise<string[]>;
  /** How to make a module of this language a WASI command, for the shape check's message. */
  shapeHint: string;
}
