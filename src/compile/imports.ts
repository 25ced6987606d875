// The imports a function may have (docs/abi.md), checked at build time so a
// function that could never link is refused with a message naming the
// import. The runner checks again at link time (native/runner/host.c).

import { describeExtern, type ExternType, type ValueCode, type WasmInfo } from './wasm-info.js';
import { ImportError } from '../errors.js';

const EMBLY_IMPORTS: Record<string, string> = {
  read: 'iiii>i', write: 'iiii>i', spawn: 'iii>i', events: 'jiii>i', close: 'i>i',
};

/** The WASI functions the runner implements; any other WASI function links
 * too (answering ENOSYS/EBADF) as long as it returns an errno. */
const WASI_IMPORTS: Record<string, string> = {
  fd_write: 'iiii>i', proc_exit: 'i>', random_get: 'ii>i', clock_time_get: 'iji>i',
  clock_res_get: 'ii>i', args_sizes_get: 'ii>i', args_get: 'ii>i', environ_sizes_get: 'ii>i',
  environ_get: 'ii>i', fd_fdstat_get: 'ii>i', fd_prestat_get: 'ii>i', sched_yield: '>i',
  poll_oneoff: 'iiii>i',
};

const signature = (type: ExternType) => `${type.params.join('')}>${type.results.join('')}`;

/** 'iiii>i' as "func (i32, i32, i32, i32) -> (i32)". */
function describeSignature(sig: string): string {
  const [params = '', results = ''] = sig.split('>');
  const codes = (list: string) => [...list] as ValueCode[];
  return describeExtern({ kind: 'func', params: codes(params), results: codes(results), mutable: false, limits: null });
}
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function problem(module: string, name: string, type: ExternType): string | null {
  const where = `import "${module}"."${name}"`;
  if (type.kind !== 'func') return `${where} is a ${type.kind}: functions may import only functions`;
  const expected = module === 'embly' ? EMBLY_IMPORTS[name] : module === 'wasi_snapshot_preview1' ? WASI_IMPORTS[name] : undefined;
  if (module === 'embly' && !expected) {
    return `${where} does not exist; the embly imports are ${Object.keys(EMBLY_IMPORTS).join(', ')}`;
  }
  if (module === 'wasi_snapshot_preview1' && !expected) {
    return type.results.join('') === 'i' ? null : `${where} has type ${describeExtern(type)}; WASI functions return an errno (i32)`;
  }
  if (!expected) return `${where} comes from module "${module}", which Embly does not provide (only "embly" and "wasi_snapshot_preview1")`;
  return signature(type) === expected ? null : `${where} has type ${describeExtern(type)}, expected ${describeSignature(expected)}`;
}

export function checkImports(info: WasmInfo): void {
  const problems = info.imports
    .map((imp) => problem(text(imp.module), text(imp.name), imp.type))
    .filter((p): p is string => p !== null);
  if (problems.length > 0) throw new ImportError(problems.join('\n'));
}
