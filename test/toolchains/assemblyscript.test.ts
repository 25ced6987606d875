import test from 'ava';
import { join } from 'node:path';
import { CompileError, sourceInputs } from '../../src/compile/toolchains/index.js';
import { assertFunctionShape, compile, examples, sdkDir, writeSources } from './helpers.js';

test('compiles the AssemblyScript example (relative SDK import)', async (t) => {
  const result = await compile(t, 'hello-as', 'assemblyscript', join(examples, 'hello-as', 'hello.ts'));
  await assertFunctionShape(t, result.wasmPath);
  t.regex(result.toolchain, /^assemblyscript \d+\.\d+\.\d+$/);
  t.true((await sourceInputs('assemblyscript', join(examples, 'hello-as', 'hello.ts'), sdkDir)).includes(join(sdkDir, 'assemblyscript', 'http.ts')));
});

test('a function anywhere can import the SDK as "embly"', async (t) => {
  const dir = await writeSources(t, {
    'index.ts': 'import { Handle } from "embly";\nHandle.PARENT.writeString("hi\\n");\n',
  });
  const result = await compile(t, 'as-package', 'assemblyscript', dir);
  await assertFunctionShape(t, result.wasmPath);
});

test('an AssemblyScript syntax error is a CompileError with the function name and asc output', async (t) => {
  const dir = await writeSources(t, { 'broken.ts': 'let x: i32 = ;\n' });
  const error = await t.throwsAsync(compile(t, 'broken-as', 'assemblyscript', join(dir, 'broken.ts')), { instanceOf: CompileError });
  t.is(error?.code, 'EMBLY_COMPILE_FAILED');
  t.regex(error?.message ?? '', /function "broken-as" failed to compile \(assemblyscript/);
  t.regex(error?.message ?? '', /ERROR TS\d+/);
  t.regex(error?.message ?? '', /broken\.ts\(1,\d+\)/);
});
