// The contract between the build pipeline and the language toolchains.

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
}

export interface CompileResult {
  wasmPath: string;
  /** Name and version of what compiled it, e.g. "clang 14.0.6 (wasm32-wasi)". */
  toolchain: string;
  /** Absolute paths of every source file that affects the output, for cache keys. */
  inputs: string[];
}

/** What each language module provides. */
export interface Toolchain {
  compile(req: CompileRequest, signal?: AbortSignal): Promise<CompileResult>;
  inputs(sourcePath: string, sdkDir: string): Promise<string[]>;
}
