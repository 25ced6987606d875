// Generates the glue C file that turns wasm2c's output into an Embly AOT
// object (native/include/embly/module.h): an `embly_module_v1` descriptor, a
// trampoline per export and a stub per import that forwards to the
// instance's import slots. The glue #includes the wasm2c output, so the C
// compiler checks every name and signature here against the generated ones.

import { VALUE_TYPE_NAMES, type ExternType, type ValueCode, type WasmInfo } from './wasm-info.js';

/** The wasm2c module name every object is built with (`wasm2c -n`). */
export const GUEST_MODULE = 'guest';

const C_TYPES: Record<ValueCode, string> = {
  i: 'u32', j: 'u64', f: 'f32', d: 'f64', o: 'v128', r: 'wasm_rt_funcref_t', e: 'wasm_rt_externref_t',
};
/** embly_value's fields are named after the value types (embly/module.h). */
const UNION_FIELDS = VALUE_TYPE_NAMES;

/** An embly_value as a C value of its type. v128 is held as 16 bytes in
 * embly_value (the runner needs no SIMD types), so it is copied in and out. */
const readValue = (code: ValueCode, value: string) =>
  code === 'o' ? `embly_v128_get(&${value})` : `${value}.${UNION_FIELDS[code]}`;
const writeValue = (code: ValueCode, target: string, value: string) =>
  code === 'o' ? `embly_v128_set(&${target}, ${value});` : `${target}.${UNION_FIELDS[code]} = ${value};`;

const V128_HELPERS = [
  '/* v128 values travel as bytes in embly_value (embly/module.h). */',
  'static inline v128 embly_v128_get(const embly_value* value) { v128 v; memcpy(&v, value->v128, sizeof v); return v; }',
  'static inline void embly_v128_set(embly_value* value, v128 v) { memcpy(value->v128, &v, sizeof v); }',
  '',
];

function usesV128(info: WasmInfo): boolean {
  const types = [...info.imports, ...info.exports].map((x) => x.type);
  return types.some((t) => t.params.includes('o') || t.results.includes('o'));
}
const KINDS = { func: 'EMBLY_EXTERN_FUNC', table: 'EMBLY_EXTERN_TABLE', memory: 'EMBLY_EXTERN_MEMORY', global: 'EMBLY_EXTERN_GLOBAL' };

const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isHexDigit = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const UNDERSCORE = 0x5f;

/**
 * wasm2c 1.0.39's name mangling: letters and digits stay; other bytes become
 * `0xHH`; an underscore stays unless it is first, last or follows a kept
 * underscore; a hex digit right after a literal "0x" is escaped so escapes stay
 * unambiguous. Module names double their kept underscores, which makes `_`
 * free to separate module from field.
 */
export function mangle(name: Uint8Array, isModuleName = false): string {
  let out = '';
  let lastWasUnderscore = false;
  let state: 'any' | 'zero' | 'zerox' = 'any';
  const escape = (c: number) => { out += `0x${c.toString(16).toUpperCase().padStart(2, '0')}`; lastWasUnderscore = false; };
  const keep = (c: number) => { out += String.fromCharCode(c); lastWasUnderscore = c === UNDERSCORE; };
  name.forEach((c, i) => {
    if (state === 'zerox' && isHexDigit(c)) { state = 'any'; return escape(c); }
    if (state === 'any') state = c === 0x30 ? 'zero' : 'any';
    else if (state === 'zero') state = c === 0x78 ? 'zerox' : 'any';
    else state = 'any';
    if (c === UNDERSCORE && (i === 0 || i === name.length - 1 || lastWasUnderscore)) return escape(c);
    if (c === UNDERSCORE && isModuleName) { out += '__'; lastWasUnderscore = true; return; }
    if (isAlnum(c) || c === UNDERSCORE) return keep(c);
    escape(c);
  });
  return out;
}

/** A C string literal holding exactly these bytes. */
function cString(bytes: Uint8Array | string): string {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  let out = '"';
  for (const c of data) {
    const printable = c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c && c !== 0x3f;
    out += printable ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

function limit(value: bigint | null | undefined, absent: string): string {
  return value === null || value === undefined ? absent : `${value}ull`;
}

function externTypeInit(type: ExternType): string {
  const codes = (list: ValueCode[]) => cString(list.join(''));
  return `{${KINDS[type.kind]}, ${codes(type.params)}, ${codes(type.results)}, ${type.mutable}, ` +
    `${limit(type.limits?.min, '0')}, ${limit(type.limits?.max, 'UINT64_MAX')}}`;
}

function resultType(results: ValueCode[]): string {
  if (results.length === 0) return 'void';
  if (results.length === 1) return C_TYPES[results[0]!];
  return `struct wasm_multi_${results.join('')}`;
}

/** C statements storing a call's result(s) into `results[]`. */
function storeResults(results: ValueCode[], call: string): string {
  if (results.length === 0) return `  ${call};`;
  if (results.length === 1) return `  ${writeValue(results[0]!, 'results[0]', call)}`;
  const lines = [`  ${resultType(results)} out = ${call};`];
  results.forEach((code, i) => lines.push(`  ${writeValue(code, `results[${i}]`, `out.${code}${i}`)}`));
  return lines.join('\n');
}

function exportTrampoline(index: number, symbol: string, type: ExternType): string {
  if (type.kind !== 'func') {
    return `static void* export_${index}(void* instance) {\n  return (void*)${symbol}((w2c_${GUEST_MODULE}*)instance);\n}`;
  }
  const args = type.params.map((code, i) => readValue(code, `args[${i}]`));
  const call = `${symbol}(${[`(w2c_${GUEST_MODULE}*)instance`, ...args].join(', ')})`;
  return `static void export_${index}(void* instance, const embly_value* args, embly_value* results) {\n` +
    `  (void)args; (void)results;\n${storeResults(type.results, call)}\n}`;
}

function importStub(index: number, symbol: string, moduleStruct: string, type: ExternType): string {
  const slot = `embly_slots(ctx)[${index}]`;
  if (type.kind === 'global') return `${C_TYPES[type.params[0]!]}* ${symbol}(struct ${moduleStruct}* ctx) {\n  return ${slot}.address;\n}`;
  if (type.kind === 'memory') return `wasm_rt_memory_t* ${symbol}(struct ${moduleStruct}* ctx) {\n  return ${slot}.address;\n}`;
  if (type.kind === 'table') {
    const table = type.params[0] === 'e' ? 'wasm_rt_externref_table_t' : 'wasm_rt_funcref_table_t';
    return `${table}* ${symbol}(struct ${moduleStruct}* ctx) {\n  return ${slot}.address;\n}`;
  }
  const params = type.params.map((code, i) => `${C_TYPES[code]} p${i}`);
  const lines = [`${resultType(type.results)} ${symbol}(${[`struct ${moduleStruct}* ctx`, ...params].join(', ')}) {`];
  lines.push(`  embly_slot* slot = &${slot};`);
  lines.push(`  embly_value args[${Math.max(type.params.length, 1)}], results[${Math.max(type.results.length, 1)}];`);
  type.params.forEach((code, i) => lines.push(`  ${writeValue(code, `args[${i}]`, `p${i}`)}`));
  lines.push('  slot->invoke(slot->ctx, args, results);');
  if (type.results.length === 1) lines.push(`  return ${readValue(type.results[0]!, 'results[0]')};`);
  if (type.results.length > 1) {
    const fields = type.results.map((code, i) => readValue(code, `results[${i}]`));
    lines.push(`  return (${resultType(type.results)}){${fields.join(', ')}};`);
  }
  lines.push('}');
  return lines.join('\n');
}

export interface GlueOptions {
  /** what the glue includes of wasm2c's output: all of it (guest.c), or its header when the guest is in compile units */
  guestSource: string; wasmSha256: string; abiVersion: number;
  /** how the object is preempted (aot.ts, Preemption) */
  preemption: 'inject' | 'poll' | 'none';
  /** the module uses SIMD (wasm2c's output includes simde): our SIMD header goes first */
  simd?: boolean;
}

/** What every compile unit declares before wasm2c's part (compile-units.ts) and the glue before the guest. */
/** simde, with our fixes for wasm semantics (docs/loader.md, "SIMD"): before wasm2c's header includes simde. */
export const SIMD_INCLUDE = '#include "wasm-rt-simd.h"';

export const UNIT_PRELUDE = [
  '#include <stdint.h>',
  'extern volatile uint32_t embly_interrupt;',
  'void embly_safepoint(void);',
  '#define EMBLY_SAFEPOINT() do { if (__builtin_expect(embly_interrupt != 0, 0)) embly_safepoint(); } while (0)',
].join('\n');

const PREEMPTION_MODES = { inject: 'EMBLY_PREEMPT_INJECT', poll: 'EMBLY_PREEMPT_POLL', none: 'EMBLY_PREEMPT_NONE' };

/** The glue translation unit for a module whose wasm2c output is guestSource. */
export function generateGlue(info: WasmInfo, options: GlueOptions): string {
  const parts = [
    '/* Generated by embly build: the AOT object glue (native/include/embly/module.h). */',
    '#include <stdint.h>',
    '/* Preemption by polling (docs/loader.md): the runner sets this flag on a',
    ' * timer tick; where safepoints.ts put EMBLY_SAFEPOINT (every loop header',
    ' * and function entry) the code polls it. Not static: the compile units',
    ' * (compile-units.ts) poll it too; -fvisibility=hidden keeps it in the object. */',
    'volatile uint32_t embly_interrupt;',
    UNIT_PRELUDE,
    ...(options.simd ? [SIMD_INCLUDE] : []),
    `#include ${cString(options.guestSource)}`,
    '#include "embly/module.h"',
    '',
    '/* What wasm2c is given as the instance of every import module: a cell',
    ' * whose first word points to itself. Direct calls pass the cell; calls',
    ' * through a table entry made by an element segment pass the address of the',
    ' * guest field that holds the cell pointer. Either way, one dereference finds',
    ' * the cell, and in it the slots. */',
    'typedef struct embly_imports { struct embly_imports* self; embly_slot* slots; } embly_imports;',
    `typedef struct { w2c_${GUEST_MODULE} guest; embly_imports imports; } embly_state;`,
    'static inline embly_slot* embly_slots(void* ctx) { return (*(embly_imports**)ctx)->slots; }',
    '',
    ...(usesV128(info) ? V128_HELPERS : []),
  ];
  const stubbed = new Set<string>();
  const importModules = new Set<string>();
  info.imports.forEach((imp, i) => {
    const moduleName = mangle(imp.module, true);
    importModules.add(moduleName);
    const symbol = `w2c_${moduleName}_${mangle(imp.name)}`;
    if (stubbed.has(symbol)) return; // the same import twice: wasm2c declares it once
    stubbed.add(symbol);
    parts.push(importStub(i, symbol, `w2c_${moduleName}`, imp.type), '');
  });
  info.exports.forEach((exp, i) => {
    parts.push(exportTrampoline(i, `w2c_${GUEST_MODULE}_${mangle(exp.name)}`, exp.type), '');
  });
  parts.push(
    `static const embly_import imports[] = {`,
    ...info.imports.map((imp) =>
      `  {${cString(imp.module)}, ${imp.module.length}, ${cString(imp.name)}, ${imp.name.length}, ${externTypeInit(imp.type)}},`),
    '  {0}',
    '};',
    '',
    `static const embly_export exports[] = {`,
    ...info.exports.map((exp, i) => {
      const fn = exp.type.kind === 'func';
      return `  {${cString(exp.name)}, ${exp.name.length}, ${externTypeInit(exp.type)}, ` +
        `${fn ? `export_${i}` : 'NULL'}, ${fn ? 'NULL' : `export_${i}`}},`;
    }),
    '  {0}',
    '};',
    '',
    '/* Every import module gets the same cell: each stub knows its own slot. */',
    'static void instantiate(void* instance, embly_slot* slots) {',
    '  embly_state* state = instance;',
    '  state->imports.self = &state->imports;',
    '  state->imports.slots = slots;',
    `  wasm2c_${GUEST_MODULE}_instantiate(${['&state->guest', ...[...importModules].map(() => '(void*)&state->imports')].join(', ')});`,
    '}',
    '',
    'static void free_instance(void* instance) {',
    `  wasm2c_${GUEST_MODULE}_free(&((embly_state*)instance)->guest);`,
    '}',
    '',
    '__attribute__((visibility("default"))) const embly_module embly_module_v1 = {',
    `  ${options.abiVersion}, ${cString(options.wasmSha256)}, sizeof(embly_state),`,
    `  ${info.imports.length}, imports, ${info.exports.length}, exports,`,
    `  instantiate, free_instance, ${PREEMPTION_MODES[options.preemption]}, &embly_interrupt,`,
    '};',
    '',
  );
  return parts.join('\n');
}
