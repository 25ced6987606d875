// Reads the symbol table of a relocatable wasm object (clang -c): the "linking" custom
// section of the tool conventions (WebAssembly/tool-conventions, Linking.md, version 2).
// Only the names of the functions an object defines are needed.

import { WasmFormatError } from '../../errors.js';
import { WasmReader } from '../wasm-info.js';

const LINKING_VERSION = 2;
const WASM_SYMBOL_TABLE = 8;
const SYMTAB = { function: 0, data: 1, global: 2, section: 3, tag: 4, table: 5 };
const WASM_SYM_UNDEFINED = 0x10;
const WASM_SYM_EXPLICIT_NAME = 0x40;

const text = new TextDecoder();

/** The names of the functions the object defines (whatever their binding). */
export function definedFunctions(bytes: Uint8Array): Set<string> {
  const defined = new Set<string>();
  const module = new WasmReader(bytes);
  module.bytesOf(8); // the magic and version
  while (module.offset < module.end) {
    const id = module.byte();
    const section = module.take(module.u32());
    if (id === 0 && text.decode(section.name()) === 'linking') readLinking(section, defined);
  }
  return defined;
}

function readLinking(section: WasmReader, defined: Set<string>): void {
  const version = section.u32();
  if (version !== LINKING_VERSION) throw new WasmFormatError(`linking section version ${version}, not ${LINKING_VERSION}`);
  while (section.offset < section.end) {
    const type = section.byte();
    const subsection = section.take(section.u32());
    if (type === WASM_SYMBOL_TABLE) readSymbols(subsection, defined);
  }
}

function readSymbols(table: WasmReader, defined: Set<string>): void {
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
        const name = isDefined || (flags & WASM_SYM_EXPLICIT_NAME) !== 0 ? text.decode(table.name()) : null;
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
        throw new WasmFormatError(`unknown symbol kind ${kind}`);
    }
  }
}
