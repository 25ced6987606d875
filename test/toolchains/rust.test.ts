import test from 'ava';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompileError, sourceInputs } from '../../src/compile/toolchains/index.js';
import { runProcess } from '../helpers/objects.js';
import { assertFunctionShape, compile, emblyImports, examples, sdkDir, tempDir, writeSources } from './helpers.js';

test('compiles the Rust example crate with cargo, without debug sections', async (t) => {
  const result = await compile(t, 'hello-rust', 'rust', join(examples, 'hello-rust'));
  await assertFunctionShape(t, result.wasmPath);
  t.regex(result.toolchain, /^rustc \d+\.\d+\.\d+ \(wasm32-wasi(p1)?\)$/);
  const size = (await readFile(result.wasmPath)).length;
  t.true(size < 500_000, `${size} bytes: debug sections were not stripped`);
  const inputs = await sourceInputs('rust', join(examples, 'hello-rust'), sdkDir);
  t.true(inputs.includes(join(examples, 'hello-rust', 'src', 'main.rs')));
  t.true(inputs.includes(join(sdkDir, 'rust', 'src', 'lib.rs')), 'the path dependency is an input');
});

test('compiles the fanout example, which spawns other functions', async (t) => {
  const result = await compile(t, 'fanout', 'rust', join(examples, 'fanout'));
  await assertFunctionShape(t, result.wasmPath);
  t.true((await emblyImports(result.wasmPath)).includes('spawn'));
});

test('a single .rs file is compiled with rustc and can use the SDK', async (t) => {
  const dir = await writeSources(t, {
    'main.rs': 'fn main() { embly::Handle::PARENT.write_all(b"hi\\n").unwrap(); }\n',
  });
  const result = await compile(t, 'single-rs', 'rust', join(dir, 'main.rs'));
  await assertFunctionShape(t, result.wasmPath);
  t.true((await sourceInputs('rust', join(dir, 'main.rs'), sdkDir)).includes(join(dir, 'main.rs')));
});

test('a Rust syntax error in a crate is a CompileError with the function name and rustc output', async (t) => {
  const dir = await writeSources(t, {
    'Cargo.toml': `[package]\nname = "broken"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nembly = { path = ${JSON.stringify(join(sdkDir, 'rust'))} }\n`,
    'src/main.rs': 'fn main() { let x = ; }\n',
  });
  const error = await t.throwsAsync(compile(t, 'broken-rust', 'rust', dir), { instanceOf: CompileError });
  t.is(error?.code, 'EMBLY_COMPILE_FAILED');
  t.regex(error?.message ?? '', /function "broken-rust" failed to compile \(rustc/);
  t.regex(error?.message ?? '', /error: expected expression, found `;`/);
  t.regex(error?.message ?? '', /src\/main\.rs:1/);
});

test('a Rust syntax error in a single file is a CompileError too', async (t) => {
  const dir = await writeSources(t, { 'bad.rs': 'fn main() {\n' });
  const error = await t.throwsAsync(compile(t, 'bad-rs', 'rust', join(dir, 'bad.rs')), { instanceOf: CompileError });
  t.regex(error?.message ?? '', /function "bad-rs"/);
  t.regex(error?.message ?? '', /error: this file contains an unclosed delimiter/);
});

test('a directory without Cargo.toml is refused with a hint', async (t) => {
  const dir = await writeSources(t, { 'main.rs': 'fn main() {}\n' });
  const error = await t.throwsAsync(compile(t, 'no-manifest', 'rust', dir), { instanceOf: CompileError });
  t.regex(error?.message ?? '', /has no Cargo\.toml/);
});

test('the Rust SDK\'s own unit tests pass (cargo test, on the host)', async (t) => {
  const crate = await tempDir(t, 'embly-sdk-rust-');
  await cp(join(sdkDir, 'rust'), crate, { recursive: true, filter: (path) => !/\/(target|Cargo\.lock)$/.test(path) });
  const result = await runProcess('cargo', ['test', '--offline'], '', crate);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout.toString(), /test result: ok\. [1-9]\d* passed; 0 failed/);
});
