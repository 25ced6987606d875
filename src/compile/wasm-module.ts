// One module on its way through `embly build`: validated once (the pinned
// wabt, wasm-validate.ts), parsed once (wasm-info.ts) and hashed once. The
// shape check (toolchains/shape.ts), the import check (imports.ts) and the
// AOT step (aot.ts) all take this instead of bytes.

import { createHash } from 'node:crypto';
import { readWasmInfo, type WasmInfo } from './wasm-info.js';
import { validateWasm } from './wasm-validate.js';

export interface WasmModule {
  readonly bytes: Uint8Array;
  /** hex: what the sidecar, the object and the build record name it by */
  readonly sha256: string;
  readonly info: WasmInfo;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Validates `bytes` (a WasmInvalidError says why not) and reads them once. */
export async function loadWasmModule(bytes: Uint8Array): Promise<WasmModule> {
  await validateWasm(bytes);
  return { bytes, sha256: sha256(bytes), info: readWasmInfo(bytes) };
}
