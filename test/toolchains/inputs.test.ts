import test from 'ava';
import { join } from 'node:path';
import { sourceInputs } from '../../src/compile/toolchains/index.js';
import { examples, sdkDir, writeSources } from './helpers.js';

test('lists a crate\'s sources, manifest, lock file and path dependencies without compiling', async (t) => {
  const inputs = await sourceInputs('rust', join(examples, 'fanout'));
  t.true(inputs.includes(join(examples, 'fanout', 'Cargo.toml')));
  t.true(inputs.includes(join(examples, 'fanout', 'Cargo.lock')));
  t.true(inputs.includes(join(examples, 'fanout', 'src', 'main.rs')));
  t.true(inputs.includes(join(sdkDir, 'rust', 'src', 'http', 'message.rs')));
  t.false(inputs.some((f) => f.includes(`${join('sdk', 'rust', 'target')}`)), 'build output is not an input');
  t.deepEqual(inputs, [...inputs].sort());
});

test('wat and wasm inputs are the one file', async (t) => {
  t.deepEqual(await sourceInputs('wat', join(examples, 'hello-wat')), [join(examples, 'hello-wat', 'hello.wat')]);
});

test('AssemblyScript inputs are the .ts files beside the entry plus the SDK', async (t) => {
  const dir = await writeSources(t, { 'main.ts': '', 'lib/util.ts': '', 'node_modules/x/index.ts': '', 'asconfig.json': '{}' });
  const inputs = await sourceInputs('assemblyscript', dir, sdkDir);
  t.true(inputs.includes(join(dir, 'main.ts')));
  t.true(inputs.includes(join(dir, 'lib', 'util.ts')));
  t.true(inputs.includes(join(dir, 'asconfig.json')));
  t.false(inputs.includes(join(dir, 'node_modules', 'x', 'index.ts')));
  t.true(inputs.includes(join(sdkDir, 'assemblyscript', 'index.ts')));
});

test('an unknown path is reported', async (t) => {
  await t.throwsAsync(sourceInputs('c', '/nonexistent/hello.c'), { message: /does not exist/ });
});
