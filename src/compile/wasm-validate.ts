// Validation with the pinned wabt, in process (its JS build): a module is
// checked before wasm2c ever sees it, so invalid or malformed input gets
// wabt's own diagnostic instead of a translator crash.
import type wabtInit from 'wabt';
import { WasmInvalidError } from '../errors.js';

/** The standardised features Embly's runtime implements, fixed-width SIMD
 * (simd128) included; no relaxed SIMD, threads, exceptions, tail calls,
 * memory64 or GC. */
const FEATURES = {
  mutable_globals: true, sat_float_to_int: true, sign_extension: true, multi_value: true,
  bulk_memory: true, reference_types: true,
  simd: true, threads: false, exceptions: false, tail_call: false, memory64: false,
  gc: false, function_references: false, extended_const: false, relaxed_simd: false,
};

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

function firstLine(message: string): string {
  return message.replace(/^readWasm failed:\s*/, '').replace(/^validate failed:\s*/, '').trim();
}

export async function validateWasm(bytes: Uint8Array): Promise<void> {
  // Loaded on first use: its JS is big, and `embly exec` of a fresh build never validates.
  wabt ??= import('wabt').then((m) => m.default());
  const w = await wabt;
  let module;
  try {
    // wabt wants a plain Uint8Array: a pooled Buffer's offset confuses it.
    module = w.readWasm(new Uint8Array(bytes), { check: true, ...FEATURES });
  } catch (e) {
    throw new WasmInvalidError(`malformed module: ${firstLine((e as Error).message)}`);
  }
  try {
    module.validate();
  } catch (e) {
    throw new WasmInvalidError(`invalid module: ${firstLine((e as Error).message)}`);
  } finally {
    module.destroy();
  }
}
