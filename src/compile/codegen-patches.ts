// Textual patches to the C that the pinned wasm2c generates, for speed
// (docs/benchmarks.md, "What each change bought"). wasm2c is pinned, so each
// patched line is known exactly: a patch that does not find its line once
// is an error, not a silent no-op. What the patches refer to is defined in
// native/include/wasm-rt.h.

import { AotCompileError } from '../errors.js';

interface Patch { why: string; find: string; replace: string; }

export const CODEGEN_PATCHES: readonly Patch[] = [
  {
    // A store through a byte pointer may alias the memory's `data` field, so
    // gcc reloads the base after every store. Embly memories never move (one
    // reservation, grown in place), so loads and stores read the base through
    // wasm_rt_memory_base, which the compiler may keep in a register. Bulk
    // memory and data segments keep MEM_ADDR: they run before the base is set.
    why: 'the memory base of loads and stores, kept in a register',
    find: '#define MEM_ADDR_MEMOP(mem, addr, n) MEM_ADDR(mem, addr, n)\n',
    replace: '#define MEM_ADDR_MEMOP(mem, addr, n) (&wasm_rt_memory_base(mem)[addr])\n',
  },
  {
    // wasm2c forces a float load's value into a general register ("r"): an
    // extra move or a second load per f32/f64.load. A vector register forces
    // the load as well and is where the value lives anyway.
    why: 'FORCE_READ of a float in a vector register',
    find: '#define FORCE_READ_FLOAT(var) __asm__("" ::"r"(var));\n',
    replace: '#define FORCE_READ_FLOAT(var) WASM_RT_FORCE_READ_FLOAT(var);\n',
  },
];

/** What the patches are, for the cache key: objects built with other patches are other objects. */
export const codegenPatchesKey = (): string => CODEGEN_PATCHES.map((p) => `${p.find}=>${p.replace}`).join('');

export function patchGeneratedC(source: string): string {
  let patched = source;
  for (const patch of CODEGEN_PATCHES) {
    const parts = patched.split(patch.find);
    if (parts.length !== 2) {
      throw new AotCompileError(`wasm2c's output has ${parts.length - 1} copies of the line to patch for ${patch.why} ` +
        `(expected one): ${patch.find.trim()}`);
    }
    patched = parts.join(patch.replace);
  }
  return patched;
}
