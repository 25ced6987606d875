// A missing compiler is a ToolchainMissingError naming what to install. Simulated with the
// EMBLY_CLANG / EMBLY_RUSTC overrides, so these tests run serially in their own process.

import test, { type ExecutionContext } from 'ava';
import { chmod, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolchainMissingError } from '../../src/compile/toolchains/index.js';
import { run } from '../../src/compile/toolchains/run.js';
import { which } from '../../src/compile/toolchains/which.js';
import { compile, examples, tempDir } from './helpers.js';

function withEnv(name: string, value: string, body: () => Promise<void>): Promise<void> {
  const before = process.env[name];
  process.env[name] = value;
  return body().finally(() => {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  });
}

test.serial('a clang that cannot run names the Debian packages for C', async (t) => {
  await withEnv('EMBLY_CLANG', '/nonexistent/clang', async () => {
    const error = await t.throwsAsync(compile(t, 'hello-c', 'c', join(examples, 'hello-c', 'hello.c')), { instanceOf: ToolchainMissingError });
    t.is(error?.code, 'EMBLY_TOOLCHAIN_MISSING');
    t.regex(error?.message ?? '', /apt-get install clang lld wasi-libc libclang-rt-dev-wasm32/);
  });
});

test.serial('a rustc without a wasm target names the Debian packages for Rust', async (t) => {
  await withEnv('EMBLY_RUSTC', '/bin/true', async () => {
    const error = await t.throwsAsync(compile(t, 'hello-rust', 'rust', join(examples, 'hello-rust')), { instanceOf: ToolchainMissingError });
    t.is(error?.code, 'EMBLY_TOOLCHAIN_MISSING');
    t.regex(error?.message ?? '', /libstd-rust-dev-wasm32/);
    t.regex(error?.message ?? '', /tried \/bin\/true/);
  });
});

function realClang(): string {
  const real = which('clang');
  if (!real) throw new Error('these tests need clang (apt-get install clang)');
  return real;
}

/** A resource directory with clang's headers but without its compiler runtime libraries. */
async function resourceDirWithoutRuntime(t: ExecutionContext): Promise<string> {
  const real = (await run(realClang(), ['-print-resource-dir'])).stdout.trim();
  const dir = await tempDir(t);
  await symlink(join(real, 'include'), join(dir, 'include'));
  return `-resource-dir=${dir}`;
}

/** A clang wrapper that breaks one part of the WASI toolchain, as a missing package would. */
async function brokenClang(t: ExecutionContext, flag: string): Promise<string> {
  const real = realClang();
  const dir = await tempDir(t);
  const wrapper = join(dir, 'clang');
  await writeFile(wrapper, `#!/bin/sh\nexec ${real} ${flag} "$@"\n`);
  await chmod(wrapper, 0o755);
  return wrapper;
}

const brokenParts = [
  { part: 'the WASI C library', flag: '--sysroot=/nonexistent', install: /apt-get install wasi-libc \(/ },
  { part: 'the compiler runtime', flag: resourceDirWithoutRuntime, install: /apt-get install libclang-rt-dev-wasm32 \(/ },
  { part: 'the linker', flag: '-fuse-ld=/nonexistent/wasm-ld', install: /apt-get install lld \(/ },
];

for (const { part, flag, install } of brokenParts) {
  test.serial(`without ${part}, the message names its one package`, async (t) => {
    const clangFlag = typeof flag === 'string' ? flag : await flag(t);
    await withEnv('EMBLY_CLANG', await brokenClang(t, clangFlag), async () => {
      const error = await t.throwsAsync(compile(t, 'hello-c', 'c', join(examples, 'hello-c', 'hello.c')), { instanceOf: ToolchainMissingError });
      t.regex(error?.message ?? '', install);
      t.regex(error?.install ?? '', install);
    });
  });
}
