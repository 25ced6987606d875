// The AOT step in compile units (src/compile/compile-units.ts): a module
// split in several C files computes what the one-unit object computes, is
// preemptible either way, and reuses compiled parts that are unchanged and
// intact.
import test from 'ava';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAot, type Preemption } from '../../src/compile/aot.js';
import { RunnerStatus } from '../../src/supervisor/index.js';
import { runExec, watToWasm, type TestFunction } from '../helpers/objects.js';

/** Calls between many functions (direct, indirect through a table, and to an
 * import), a loop and a data segment: wasm2c spreads them over the units. */
const SPREAD = `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "split:")
  (table 4 funcref)
  (elem (i32.const 0) $double $triple $square $inc)
  (type $unary (func (param i32) (result i32)))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $mix (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc)
        (call_indirect (type $unary) (i32.add (local.get $acc) (local.get $i)) (i32.rem_u (local.get $i) (i32.const 4)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func $emit (param $value i32)
    (i32.store (i32.const 200) (local.get $value))
    (drop (call $write (i32.const 1) (i32.const 100) (i32.const 6) (i32.const 8)))
    (drop (call $write (i32.const 1) (i32.const 200) (i32.const 4) (i32.const 8))))
  (func (export "_start")
    (call $emit (call $mix (i32.const 10)))
    (call $emit (call $square (call $triple (call $double (i32.const 7)))))
    (call $emit (call $mix (i32.const 1000)))))`;

async function build(wat: string, cacheDir: string, name: string, units: number, preemption?: Preemption, timeoutMs?: number): Promise<TestFunction & { compiled: boolean }> {
  const object = await compileAot({ wasm: await watToWasm(wat), cacheDir, functionName: name, units, preemption });
  return { name, objectPath: object.objectPath, sha256: object.sidecar.wasmSha256, compiled: object.compiled, timeoutMs };
}

async function output(fn: TestFunction): Promise<Buffer> {
  const result = await runExec(fn.name, [fn]);
  if (result.code !== 0) throw new Error(`${fn.name} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

const cacheDir = () => mkdtemp(join(tmpdir(), 'embly-units-'));

test('a module in 2 or 3 compile units computes what the one-unit object computes, preempted either way', async (t) => {
  const dir = await cacheDir();
  const one = await output(await build(SPREAD, dir, 'one', 1));
  t.is(one.length, 30, 'three lines of "split:" and an i32');
  for (const [units, preemption] of [[2, 'inject'], [3, 'inject'], [2, 'poll'], [3, 'none']] as const) {
    const fn = await build(SPREAD, dir, `units-${units}-${preemption}`, units, preemption);
    const sidecar = JSON.parse(await readFile(fn.objectPath.replace(/\.so$/, '.json'), 'utf8'));
    t.is(sidecar.units, units);
    t.deepEqual(await output(fn), one, `${units} units, preemption ${preemption}`);
  }
});

test('a busy loop in a split object that polls for safepoints is stopped at its timeout', async (t) => {
  const spinner = `(module (memory (export "memory") 1)
    (func $spin (loop $l (br $l)))
    (func $a (call $spin)) (func $b (call $a)) (func $c (call $b))
    (func (export "_start") (call $c)))`;
  const fn = await build(spinner, await cacheDir(), 'split-poller', 3, 'poll', 200);
  const result = await runExec(fn.name, [fn]);
  t.is(result.code, RunnerStatus.timeout, result.stderr);
});

test('compiled parts are reused when unchanged, and compiled again when a kept part is damaged', async (t) => {
  const dir = await cacheDir();
  const first = await build(SPREAD, dir, 'first', 2);
  const parts = join(dir, 'parts');
  const kept = (await readdir(parts)).sort();
  t.is(kept.filter((f) => f.endsWith('.o')).length, 3, 'two units and the glue');
  t.is(kept.filter((f) => f.endsWith('.sha256')).length, 3);

  // Another function of the same module: a new object, every part from the cache.
  const second = await build(SPREAD, dir, 'second', 2);
  t.true(second.compiled);
  t.not(second.objectPath, first.objectPath);
  t.deepEqual((await readdir(parts)).sort(), kept, 'nothing new was compiled');
  t.deepEqual(await output(second), await output(first));

  // A part whose bytes no longer match their digest is not linked: it is compiled again.
  for (const part of kept.filter((f) => f.endsWith('.o'))) await writeFile(join(parts, part), 'not an object file');
  const third = await build(SPREAD, dir, 'third', 2);
  t.deepEqual(await output(third), await output(first));
  for (const part of kept.filter((f) => f.endsWith('.o'))) t.not((await readFile(join(parts, part), 'utf8')), 'not an object file');
});

/** SIMD in several functions, one of them an instruction simde 0.7.4 gets wrong
 * (f32x4.min of signed zeros), which wasm-rt-simd.h defines: every unit needs it. */
const SPREAD_SIMD = `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $min (param v128 v128) (result v128) (f32x4.min (local.get 0) (local.get 1)))
  (func $add (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func $q15 (param v128 v128) (result v128) (i16x8.q15mulr_sat_s (local.get 0) (local.get 1)))
  (func (export "_start")
    (v128.store (i32.const 0) (call $min (v128.const f32x4 0 -0 1 -1) (v128.const f32x4 -0 0 -1 1)))
    (v128.store (i32.const 16) (call $add (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40)))
    (v128.store (i32.const 32) (call $q15 (v128.const i16x8 -32768 -32768 0 0 0 0 0 0) (v128.const i16x8 -32768 -32768 0 0 0 0 0 0)))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 48) (i32.const 64)))))`;

test('a SIMD module in compile units computes what the one-unit object computes, our simde fixes in every unit', async (t) => {
  const dir = await cacheDir();
  const one = await output(await build(SPREAD_SIMD, dir, 'simd-one', 1));
  t.is(one.length, 48);
  t.deepEqual([...one.subarray(0, 16)], [0, 0, 0, 0x80, 0, 0, 0, 0x80, 0, 0, 0x80, 0xbf, 0, 0, 0x80, 0xbf], 'f32x4.min: -0 of each pair of zeros');
  t.deepEqual([...one.subarray(32, 36)], [0xff, 0x7f, 0xff, 0x7f], 'q15mulr_sat_s of -32768 × -32768 saturates to 32767');
  for (const units of [2, 3]) t.deepEqual(await output(await build(SPREAD_SIMD, dir, `simd-units-${units}`, units)), one, `${units} units`);
});
