import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompileError } from '../../src/compile/toolchains/index.js';
import { assertFunctionShape, compile, examples, writeSources } from './helpers.js';

test('a prebuilt .wasm is validated and copied unchanged', async (t) => {
  const built = await compile(t, 'hello-wat', 'wat', join(examples, 'hello-wat', 'hello.wat'));
  const dir = await writeSources(t, {});
  const source = join(dir, 'prebuilt.wasm');
  await writeFile(source, await readFile(built.wasmPath));
  const result = await compile(t, 'prebuilt', 'wasm', source);
  await assertFunctionShape(t, result.wasmPath);
  t.deepEqual(await readFile(result.wasmPath), await readFile(source));
  t.deepEqual(result.inputs, [source]);
  t.regex(result.toolchain, /wasm-validate/);
});

test('an invalid .wasm is a CompileError with wasm-validate output', async (t) => {
  const dir = await writeSources(t, { 'bad.wasm': '\0asm\x01\0\0\0\x05garbage' });
  const error = await t.throwsAsync(compile(t, 'bad-wasm', 'wasm', join(dir, 'bad.wasm')), { instanceOf: CompileError });
  t.regex(error?.message ?? '', /function "bad-wasm"/);
  t.regex(error?.message ?? '', /error/i);
});
