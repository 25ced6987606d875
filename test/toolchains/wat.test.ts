import test from 'ava';
import { join } from 'node:path';
import { CompileError, sourceInputs } from '../../src/compile/toolchains/index.js';
import { assertFunctionShape, compile, emblyImports, examples, writeSources } from './helpers.js';

test('compiles the wat example to a WASI command using embly directly', async (t) => {
  const result = await compile(t, 'hello-wat', 'wat', join(examples, 'hello-wat', 'hello.wat'));
  await assertFunctionShape(t, result.wasmPath);
  t.deepEqual(await emblyImports(result.wasmPath), ['close', 'events', 'read', 'write']);
  t.regex(result.toolchain, /^wabt \d+\.\d+\.\d+ wat2wasm$/);
  t.deepEqual(await sourceInputs('wat', join(examples, 'hello-wat', 'hello.wat')), [join(examples, 'hello-wat', 'hello.wat')]);
});

test('a directory holding one .wat file builds that file', async (t) => {
  const result = await compile(t, 'hello-wat', 'wat', join(examples, 'hello-wat'));
  await assertFunctionShape(t, result.wasmPath);
});

test('a wat syntax error is a CompileError with the function name and wat2wasm output', async (t) => {
  const dir = await writeSources(t, { 'broken.wat': '(module (func (export "_start") (i32.add)))\n(oops' });
  const error = await t.throwsAsync(compile(t, 'broken-wat', 'wat', join(dir, 'broken.wat')), { instanceOf: CompileError });
  t.is(error?.code, 'EMBLY_COMPILE_FAILED');
  t.regex(error?.message ?? '', /function "broken-wat"/);
  t.regex(error?.message ?? '', /broken\.wat:\d+:\d+: error/);
});

test('a module without memory and _start exports is refused, naming both', async (t) => {
  const dir = await writeSources(t, { 'lib.wat': '(module (func (export "f")))' });
  const error = await t.throwsAsync(compile(t, 'lib', 'wat', join(dir, 'lib.wat')), { instanceOf: CompileError });
  t.regex(error?.message ?? '', /does not export "memory" and "_start"/);
});
