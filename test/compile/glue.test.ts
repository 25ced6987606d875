// Name mangling must match wasm2c 1.0.39 exactly; these pairs were read off
// its output. (The spec suite compiles 1,241 modules through the same code.)
import test from 'ava';
import { mangle } from '../../src/compile/glue.js';

const bytes = (s: string) => new TextEncoder().encode(s);

const NAMES: [string, string][] = [
  ['add', 'add'], ['_start', '0x5Fstart'], ['__x', '0x5F_x'], ['x_', 'x0x5F'], ['x__', 'x_0x5F'],
  ['_', '0x5F'], ['x___y', 'x_0x5F_y'], ['0x41', '0x0x341'], ['a_b__c', 'a_b_0x5Fc'],
  ['Weird Name!', 'Weird0x20Name0x21'], ['', ''], ['f-x.y', 'f0x2Dx0x2Ey'], ['fd_write', 'fd_write'],
  ['\u0000\u0001é☃', '0x000x010xC30xA90xE20x980x83'],
];

const MODULES: [string, string][] = [
  ['wasi_snapshot_preview1', 'wasi__snapshot__preview1'], ['my mod', 'my0x20mod'],
  ['_a__b_', '0x5Fa__0x5Fb0x5F'], ['a.b', 'a0x2Eb'], ['spectest', 'spectest'],
];

for (const [name, mangled] of NAMES) {
  test(`mangles the name ${JSON.stringify(name)}`, (t) => t.is(mangle(bytes(name)), mangled));
}

for (const [name, mangled] of MODULES) {
  test(`mangles the module name ${JSON.stringify(name)}`, (t) => t.is(mangle(bytes(name), true), mangled));
}
