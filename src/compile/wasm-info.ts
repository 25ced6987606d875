// Reads the interface of a wasm module: its imports, exports and memory,
// with full types. The build needs them for the glue (one trampoline per
// export, one stub per import), the sidecar and the import checks; the pinned
// wabt validates the module before this runs, so only the header sections are
// decoded here and the code section is skipped.

import { WasmFormatError } from '../errors.js';

export type ValueCode = 'i' | 'j' | 'f' | 'd' | 'o' | 'r' | 'e'; // as wasm2c mangles them (v128 is 'o')
export type ExternKind = 'func' | 'table' | 'memory' | 'global';

export interface Limits { min: bigint; max: bigint | null; is64: boolean; }

export interface ExternType {
  kind: ExternKind;
  params: ValueCode[];  // func: parameters; global/table: its value type
  results: ValueCode[]; // func only
  mutable: boolean;     // global only
  limits: Limits | null; // table/memory only
}

export interface WasmImport { module: Uint8Array; name: Uint8Array; type: ExternType; }
export interface WasmExport { name: Uint8Array; type: ExternType; }

export interface WasmInfo {
  imports: WasmImport[];
  exports: WasmExport[];
  memories: Limits[]; // imported first, then defined
  definedFunctions: number; // functions with a body (not imports)
}

/** The wasm names of the value types, by code ("i32" for 'i'). */
export const VALUE_TYPE_NAMES: Record<ValueCode, string> = {
  i: 'i32', j: 'i64', f: 'f32', d: 'f64', o: 'v128', r: 'funcref', e: 'externref',
};

const VALUE_CODES: Record<number, ValueCode> = {
  0x7f: 'i', 0x7e: 'j', 0x7d: 'f', 0x7c: 'd', 0x7b: 'o', 0x70: 'r', 0x6f: 'e',
};

const SECTION = { type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7 };

/** Reads wasm's binary encoding (LEB128 integers, names) between `offset` and `end`. */
export class WasmReader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array, readonly end = bytes.length) {}

  /** A reader of the next `size` bytes (a section, a subsection); this one moves past them. */
  take(size: number): WasmReader {
    const part = new WasmReader(this.bytes, this.offset + size);
    part.offset = this.offset;
    this.offset += size;
    return part;
  }

  byte(): number {
    if (this.offset >= this.end) throw new WasmFormatError(`unexpected end of module at byte ${this.offset}`);
    return this.bytes[this.offset++]!;
  }

  leb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return result;
      if (shift > 70n) throw new WasmFormatError(`LEB128 too long at byte ${this.offset}`);
    }
  }

  u32(): number {
    return Number(this.leb());
  }

  bytesOf(length: number): Uint8Array {
    if (this.offset + length > this.end) throw new WasmFormatError(`unexpected end of module at byte ${this.offset}`);
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  name(): Uint8Array {
    return this.bytesOf(this.u32());
  }

  valueType(): ValueCode {
    const code = this.byte();
    const type = VALUE_CODES[code];
    if (!type) throw new WasmFormatError(`unsupported value type 0x${code.toString(16)}`);
    return type;
  }

  limits(): Limits {
    const flags = this.byte();
    const min = this.leb();
    const max = flags & 1 ? this.leb() : null;
    return { min, max, is64: (flags & 4) !== 0 };
  }
}

interface FuncType { params: ValueCode[]; results: ValueCode[]; }

function funcExtern(type: FuncType): ExternType {
  return { kind: 'func', params: type.params, results: type.results, mutable: false, limits: null };
}

function tableExtern(element: ValueCode, limits: Limits): ExternType {
  return { kind: 'table', params: [element], results: [], mutable: false, limits };
}

function memoryExtern(limits: Limits): ExternType {
  return { kind: 'memory', params: [], results: [], mutable: false, limits };
}

function globalExtern(value: ValueCode, mutable: boolean): ExternType {
  return { kind: 'global', params: [value], results: [], mutable, limits: null };
}

/** The extern spaces of a module, in index order (imports first). */
class Spaces {
  types: FuncType[] = [];
  func: ExternType[] = [];
  table: ExternType[] = [];
  memory: ExternType[] = [];
  global: ExternType[] = [];
  imports: WasmImport[] = [];
  exports: WasmExport[] = [];
}

function readTypes(r: WasmReader, s: Spaces): void {
  for (let n = r.u32(); n > 0; n--) {
    const form = r.byte();
    if (form !== 0x60) throw new WasmFormatError(`unsupported type form 0x${form.toString(16)}`);
    const params = Array.from({ length: r.u32() }, () => r.valueType());
    const results = Array.from({ length: r.u32() }, () => r.valueType());
    s.types.push({ params, results });
  }
}

function funcTypeAt(s: Spaces, index: number): FuncType {
  const type = s.types[index];
  if (!type) throw new WasmFormatError(`function type index ${index} out of range`);
  return type;
}

function readImports(r: WasmReader, s: Spaces): void {
  for (let n = r.u32(); n > 0; n--) {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    let type: ExternType;
    if (kind === 0) type = funcExtern(funcTypeAt(s, r.u32()));
    else if (kind === 1) { const element = r.valueType(); type = tableExtern(element, r.limits()); }
    else if (kind === 2) type = memoryExtern(r.limits());
    else if (kind === 3) { const value = r.valueType(); type = globalExtern(value, r.byte() === 1); }
    else throw new WasmFormatError(`unsupported import kind ${kind}`);
    s[type.kind].push(type);
    s.imports.push({ module, name, type });
  }
}

function skipConstExpr(r: WasmReader): void {
  // Constant expressions end at `end` (0x0b); their immediates never hold 0x0b
  // as a first byte that could be mistaken, except inside LEBs and floats,
  // so decode the few instructions allowed in them.
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42) r.leb();
    else if (op === 0x43) r.bytesOf(4);
    else if (op === 0x44) r.bytesOf(8);
    else if (op === 0x23 || op === 0xd2) r.u32();
    else if (op === 0xd0) r.byte();
    else if (op === 0xfd) {
      const simdOp = r.u32();
      if (simdOp !== 12) throw new WasmFormatError(`unsupported constant expression opcode 0xfd ${simdOp}`);
      r.bytesOf(16); // v128.const
    }
    else if (op === 0x6a || op === 0x6b || op === 0x6c || op === 0x7c || op === 0x7d || op === 0x7e) continue;
    else throw new WasmFormatError(`unsupported constant expression opcode 0x${op.toString(16)}`);
  }
}

function readDefinitions(r: WasmReader, id: number, s: Spaces): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    if (id === SECTION.function) s.func.push(funcExtern(funcTypeAt(s, r.u32())));
    else if (id === SECTION.table) { const element = r.valueType(); s.table.push(tableExtern(element, r.limits())); }
    else if (id === SECTION.memory) s.memory.push(memoryExtern(r.limits()));
    else { const value = r.valueType(); s.global.push(globalExtern(value, r.byte() === 1)); skipConstExpr(r); }
  }
}

const EXPORT_KINDS: ExternKind[] = ['func', 'table', 'memory', 'global'];

function readExports(r: WasmReader, s: Spaces): void {
  for (let n = r.u32(); n > 0; n--) {
    const name = r.name();
    const kind = EXPORT_KINDS[r.byte()];
    const index = r.u32();
    const type = kind && s[kind][index];
    if (!type) throw new WasmFormatError(`export index ${index} out of range`);
    s.exports.push({ name, type });
  }
}

export function readWasmInfo(bytes: Uint8Array): WasmInfo {
  const r = new WasmReader(bytes);
  const magic = r.bytesOf(8);
  if (magic[0] !== 0 || magic[1] !== 0x61 || magic[2] !== 0x73 || magic[3] !== 0x6d || magic[4] !== 1) {
    throw new WasmFormatError('not a WebAssembly module (bad magic number or version)');
  }
  const s = new Spaces();
  while (r.offset < bytes.length) {
    const id = r.byte();
    const body = r.take(r.u32());
    if (id === SECTION.type) readTypes(body, s);
    else if (id === SECTION.import) readImports(body, s);
    else if (id >= SECTION.function && id <= SECTION.global) readDefinitions(body, id, s);
    else if (id === SECTION.export) readExports(body, s);
  }
  const importedFunctions = s.imports.filter((i) => i.type.kind === 'func').length;
  return {
    imports: s.imports, exports: s.exports, memories: s.memory.map((m) => m.limits!),
    definedFunctions: s.func.length - importedFunctions,
  };
}

/** "func (i32, i32) -> (i32)" and the like, for messages. */
export function describeExtern(type: ExternType): string {
  const list = (codes: ValueCode[]) => codes.map((c) => VALUE_TYPE_NAMES[c]).join(', ');
  if (type.kind === 'func') return `func (${list(type.params)}) -> (${list(type.results)})`;
  if (type.kind === 'global') return `global ${type.mutable ? 'mut ' : ''}${list(type.params)}`;
  return type.kind;
}
