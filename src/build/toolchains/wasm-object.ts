// Reads the symbol table of a relocatable wasm object (clang -c): the "linking" custom
// section of the tool conventions (WebAssembly/tool-conventions, Linking.md, version 2).
// Only the names of the functions an object defines are needed.

const LINKING_VERSION = 2;
const WASM_SYMBOL_TABLE = 8;
const SYMTAB = { function: 0, data: 1, global: 2, section: 3, tag: 4, table: 5 };
const WASM_SYM_UNDEFINED = 0x10;
const WASM_SYM_EXPLICIT_NAME = 0x40;

class Reader {
  offset: number;
  constructor(readonly bytes: Uint8Array, start: number, readonly end: number) {
    this.offset = start;
  }

  byte(): number {
    if (this.offset >= this.end) throw new Error(`unexpected end of wasm object at byte ${this.offset}`);
    return this.bytes[this.offset++]!;
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error(`LEB128 too long at byte ${this.offset}`);
  }

  name(): string {
    const length = this.u32();
    if (this.offset + length > this.end) throw new Error(`name runs past its section at byte ${this.offset}`);
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }
}

/** The names of the functions the object defines (whatever their binding). */
export function definedFunctions(bytes: Uint8Array): Set<string> {
  const defined = new Set<string>();
  const module = new Reader(bytes, 8, bytes.length); // after the magic and version
  while (module.offset < module.end) {
    const id = module.byte();
    const size = module.u32();
    const end = module.offset + size;
    if (id === 0) {
      const section = new Reader(bytes, module.offset, end);
      if (section.name() === 'linking') readLinking(section, defined);
    }
    module.offset = end;
  }
  return defined;
}

function readLinking(section: Reader, defined: Set<string>): void {
  const version = section.u32();
  if (version !== LINKING_VERSION) throw new Error(`linking section version ${version}, not ${LINKING_VERSION}`);
  while (section.offset < section.end) {
    const type = section.byte();
    const size = section.u32();
    const end = section.offset + size;
    if (type === WASM_SYMBOL_TABLE) readSymbols(new Reader(section.bytes, section.offset, end), defined);
    section.offset = end;
  }
}

function readSymbols(table: Reader, defined: Set<string>): void {
  for (let count = table.u32(); count > 0; count--) {
    const kind = table.byte();
    const flags = table.u32();
    const isDefined = (flags & WASM_SYM_UNDEFINED) === 0;
    switch (kind) {
      case SYMTAB.function:
      case SYMTAB.global:
      case SYMTAB.tag:
      case SYMTAB.table: {
        table.u32(); // index
        const name = isDefined || (flags & WASM_SYM_EXPLICIT_NAME) !== 0 ? table.name() : null;
        if (kind === SYMTAB.function && isDefined && name !== null) defined.add(name);
        break;
      }
      case SYMTAB.data:
        table.name();
        if (isDefined) {
          table.u32(); // segment
          table.u32(); // offset
          table.u32(); // size
        }
        break;
      case SYMTAB.section:
        table.u32();
        break;
      default:
        throw new Error(`unknown symbol kind ${kind}`);
    }
  }
}
