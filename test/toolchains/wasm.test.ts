import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompileError, sourceInputs } from '../../src/compile/toolchains/index.js';
import { WasmInvalidError } from '../../src/errors.js';
import { assertFunctionShape, compile, examples, writeSources } from './helpers.js';

test('a prebuilt .wasm is validated and copied unchanged', async (t) => {
  const built = await compile(t, 'hello-wat', 'wat', join(examples, 'hello-wat', 'hello.wat'));
  const dir = await writeSources(t, {});
  const source = join(dir, 'prebuilt.wasm');
  await writeFile(source, await readFile(built.wasmPath));
  const result = await compile(t, 'prebuilt', 'wasm', source);
  await assertFunctionShape(t, result.wasmPath);
  t.deepEqual(await readFile(result.wasmPath), await readFile(source));
  t.deepEqual(Buffer.from(result.module.bytes), await readFile(source), 'the module handed on is the one copied');
  t.deepEqual(await sourceInputs('wasm', source), [source]);
  t.regex(result.toolchain, /^wabt \d+\.\d+\.\d+ \(validation\)$/);
});

test('an invalid .wasm is a WasmInvalidError with wabt\'s reason', async (t) => {
  const dir = await writeSources(t, { 'bad.wasm': '\0asm\x01\0\0\0\x05garbage' });
  const error = await t.throwsAsync(compile(t, 'bad-wasm', 'wasm', join(dir, 'bad.wasm')), { instanceOf: WasmInvalidError });
  t.is(error?.code, 'EMBLY_WASM_INVALID');
  t.regex(error?.message ?? '', /^malformed module: /);
});

test('a prebuilt module without _start is refused, with the hint for prebuilt modules', async (t) => {
  const dir = await writeSources(t, {});
  const source = join(dir, 'library.wasm');
  // (module (memory (export "memory") 1))
  await writeFile(source, Buffer.from('0061736d010000000503010001070a01066d656d6f72790200', 'hex'));
  const error = await t.throwsAsync(compile(t, 'library', 'wasm', source), { instanceOf: CompileError });
  t.regex(error?.message ?? '', /does not export "_start": build it as a WASI command/);
});
