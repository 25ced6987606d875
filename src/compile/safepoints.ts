// Preemption points in wasm2c's output (docs/loader.md, "Preemption"): every
// loop header and every function entry polls the object's interrupt flag
// (EMBLY_SAFEPOINT, defined by the glue). A guest that computes without a
// host call passes one of them at least once per loop iteration or call, so
// the runner can stop it at its deadline or give its thread to another
// instance there, where no host code is on the stack.

/** A loop's label as wasm2c 1.0.39 writes it: alone on its line. */
const LOOP_LABEL = /^([ \t]*var_L\d+:)[ \t]*$/gm;
/** The first statement of every function wasm2c writes. */
const FUNCTION_ENTRY = /^([ \t]*FUNC_PROLOGUE;)[ \t]*$/gm;

/**
 * Inserts a safepoint after every loop label and function prologue, and
 * counts them: a C file with function bodies but no prologue means a wasm2c
 * whose output no longer looks as expected (the caller refuses it).
 */
export function insertSafepoints(generatedC: string): { source: string; loops: number; functions: number } {
  let loops = 0;
  let functions = 0;
  const source = generatedC
    .replace(LOOP_LABEL, (_, label: string) => { loops++; return `${label} EMBLY_SAFEPOINT();`; })
    .replace(FUNCTION_ENTRY, (_, prologue: string) => { functions++; return `${prologue} EMBLY_SAFEPOINT();`; });
  return { source, loops, functions };
}
