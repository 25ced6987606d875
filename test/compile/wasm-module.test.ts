// The module a build passes along: validated, hashed and read once (wasm-module.ts).
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAot } from '../../src/compile/aot.js';
import { loadWasmModule } from '../../src/compile/wasm-module.js';
import { WasmInvalidError } from '../../src/errors.js';
import { watToWasm } from '../helpers/objects.js';

const WAT = '(module (import "embly" "close" (func (param i32) (result i32))) (memory (export "memory") 1 2) (func (export "_start")))';

test('a module carries its bytes, their sha256 and its interface', async (t) => {
  const bytes = await watToWasm(WAT);
  const module = await loadWasmModule(bytes);
  t.is(module.bytes, bytes);
  t.is(module.sha256, createHash('sha256').update(bytes).digest('hex'));
  t.deepEqual(module.info.exports.map((e) => Buffer.from(e.name).toString()), ['memory', '_start']);
  t.deepEqual(module.info.memories, [{ min: 1n, max: 2n, is64: false }]);
  t.is(module.info.definedFunctions, 1);
});

test('an invalid module is refused before anything reads it', async (t) => {
  // a function whose body returns an i32 it does not have
  const bytes = Buffer.from('0061736d01000000010501600001 7f030201000a040102000b'.replaceAll(' ', ''), 'hex');
  const error = await t.throwsAsync(loadWasmModule(bytes), { instanceOf: WasmInvalidError });
  t.regex(error!.message, /^invalid module: /);
});

test('compileAot takes the module or its bytes and makes the same object', async (t) => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'embly-aot-'));
  t.teardown(() => rm(cacheDir, { recursive: true, force: true }));
  const module = await loadWasmModule(await watToWasm(WAT));
  const fromModule = await compileAot({ wasm: module, cacheDir, functionName: 'closer' });
  const fromBytes = await compileAot({ wasm: module.bytes, cacheDir, functionName: 'closer' });
  t.true(fromModule.compiled);
  t.false(fromBytes.compiled, 'the same key: found in the cache');
  t.is(fromBytes.key, fromModule.key);
  t.is(fromModule.sidecar.wasmSha256, module.sha256);
  t.is(fromModule.sidecar.wasmBytes, module.bytes.length);
  t.deepEqual(fromModule.sidecar.memory, { minPages: 1, maxPages: 2 });
});
