import test from 'ava';
import { join } from 'node:path';
import { CompileError, sourceInputs } from '../../src/compile/toolchains/index.js';
import { assertFunctionShape, compile, examples, sdkDir, writeSources } from './helpers.js';

test('compiles the C example with the SDK header', async (t) => {
  const result = await compile(t, 'hello-c', 'c', join(examples, 'hello-c', 'hello.c'));
  await assertFunctionShape(t, result.wasmPath);
  t.regex(result.toolchain, /^clang \d+\.\d+\.\d+ \(wasm32-wasip?1?\)$/);
  t.deepEqual(await sourceInputs('c', join(examples, 'hello-c', 'hello.c'), sdkDir), [join(examples, 'hello-c', 'hello.c'), join(sdkDir, 'c', 'embly.h')]);
});

test('a directory compiles all its .c files together, with its headers as inputs', async (t) => {
  const dir = await writeSources(t, {
    'main.c': '#include "embly.h"\n#include "greeting.h"\nint main(void) { return embly_write_str(EMBLY_HANDLE_PARENT, greeting()); }\n',
    'greeting.c': '#include "greeting.h"\nconst char *greeting(void) { return "hi\\n"; }\n',
    'include/unused.h': '',
    'greeting.h': 'const char *greeting(void);\n',
  });
  const result = await compile(t, 'multi', 'c', dir);
  await assertFunctionShape(t, result.wasmPath);
  const expected = ['greeting.c', 'greeting.h', 'include/unused.h', 'main.c'].map((f) => join(dir, f));
  t.deepEqual(await sourceInputs('c', dir, sdkDir), [...expected, join(sdkDir, 'c', 'embly.h')].sort());
});

test('a C syntax error is a CompileError with the function name and clang output', async (t) => {
  const dir = await writeSources(t, { 'broken.c': 'int main(void) { return 0 }\n' });
  const error = await t.throwsAsync(compile(t, 'broken-c', 'c', join(dir, 'broken.c')), { instanceOf: CompileError });
  t.is(error?.code, 'EMBLY_COMPILE_FAILED');
  t.regex(error?.message ?? '', /function "broken-c" failed to compile \(clang/);
  t.regex(error?.message ?? '', /broken\.c:1:\d+: error: expected ';'/);
});

test('a C program without main is refused', async (t) => {
  const dir = await writeSources(t, { 'lib.c': 'int helper(void) { return 1; }\n' });
  const error = await t.throwsAsync(compile(t, 'no-main', 'c', join(dir, 'lib.c')), { instanceOf: CompileError });
  t.regex(error?.message ?? '', /no main function is defined: a C function is a program/);
});

test('a main that takes argc and argv is a main too', async (t) => {
  const dir = await writeSources(t, {
    'args.c': '#include "embly.h"\nint main(int argc, char **argv) { return embly_write_str(EMBLY_HANDLE_PARENT, argc > 0 ? argv[0] : "?"); }\n',
  });
  const result = await compile(t, 'args-c', 'c', join(dir, 'args.c'));
  await assertFunctionShape(t, result.wasmPath);
});
