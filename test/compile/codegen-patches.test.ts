// The speed patches to wasm2c's output (src/compile/codegen-patches.ts): they
// apply to what the pinned wasm2c really generates, and a line they cannot
// find is an error rather than a silently slower object.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CODEGEN_PATCHES, patchGeneratedC } from '../../src/compile/codegen-patches.js';
import { AotCompileError } from '../../src/errors.js';
import { wabtBin } from '../../src/paths.js';
import { watToWasm } from '../helpers/objects.js';

const run = promisify(execFile);

const MODULE = `(module
  (memory (export "memory") 1)
  (func (export "f") (param i32) (result f64)
    (i32.store8 (local.get 0) (i32.const 1))
    (f64.load (local.get 0))))`;

async function wasm2cOutput(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embly-patches-'));
  try {
    await writeFile(join(dir, 'module.wasm'), await watToWasm(MODULE));
    await run(process.execPath, [wabtBin('wasm2c'), 'module.wasm', '-n', 'guest', '-o', 'guest.c'], { cwd: dir });
    return await readFile(join(dir, 'guest.c'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('every patch replaces its one line in the pinned wasm2c output', async (t) => {
  const generated = await wasm2cOutput();
  const patched = patchGeneratedC(generated);
  for (const patch of CODEGEN_PATCHES) {
    t.true(generated.includes(patch.find), patch.why);
    t.false(patched.includes(patch.find), patch.why);
    t.is(patched.split(patch.replace).length, 2, patch.why);
  }
  t.regex(patched, /#define MEM_ADDR_MEMOP\(mem, addr, n\) \(&wasm_rt_memory_base\(mem\)\[addr\]\)/);
});

test('a patch that finds no line to replace fails the build', (t) => {
  const error = t.throws(() => patchGeneratedC('int main(void) { return 0; }\n'), { instanceOf: AotCompileError });
  t.regex(error!.message, /0 copies of the line to patch for the memory base/);
});
