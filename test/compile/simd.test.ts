// v128 across the glue: export trampolines, import stubs, multi-value results
// and globals, checked end to end through compileAot and the spec driver
// (native/spec), which links one object's imports to another's exports. The
// spec scripts only call exports from the host; here wasm calls wasm.
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { compileAot } from '../../src/compile/aot.js';
import { nativeBin } from '../../src/paths.js';
import { v128Hex } from '../conformance/expectations.js';
import { actionLine, moduleLine, registerLine, runDriver } from '../conformance/protocol.js';

const LIB = `(module
  (global (export "bias") v128 (v128.const i32x4 100 200 300 400))
  (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "split") (param v128) (result v128 i32 v128)
    (i32x4.neg (local.get 0)) (i32x4.extract_lane 3 (local.get 0)) (i8x16.swizzle (local.get 0) (v128.const i8x16 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12))))`;

const APP = `(module
  (import "lib" "add" (func $add (param v128 v128) (result v128)))
  (import "lib" "split" (func $split (param v128) (result v128 i32 v128)))
  (import "lib" "bias" (global $bias v128))
  (func (export "biased") (param v128) (result v128) (call $add (local.get 0) (global.get $bias)))
  (func (export "lanes") (param v128) (result i32 v128)
    (local $swapped v128) (local $lane i32)
    (call $split (local.get 0))
    (local.set $swapped) (local.set $lane) (drop)
    (local.get $lane) (local.get $swapped)))`;

const i32x4 = (...lanes: number[]) => ({ type: 'v128' as const, lane_type: 'i32' as const, value: lanes.map(String) });

test('v128 parameters, results and globals cross from one module to another', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'embly-simd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const wabt = await wabtInit();
  const objects = await Promise.all([LIB, APP].map(async (text, i) => {
    const module = wabt.parseWat(`m${i}.wat`, text);
    const { buffer } = module.toBinary({});
    module.destroy();
    return (await compileAot({ wasm: buffer, cacheDir: join(dir, 'objects'), functionName: 'simd' })).objectPath;
  }));
  const commands = [
    moduleLine(1, objects[0]!, 'lib'),
    registerLine(2, 'lib', 'lib'),
    moduleLine(3, objects[1]!, undefined),
    actionLine(4, { type: 'invoke', field: 'biased', args: [i32x4(1, 2, 3, -4)] }),
    actionLine(5, { type: 'invoke', field: 'lanes', args: [i32x4(0x01020304, 5, 6, 7)] }),
    actionLine(6, { type: 'get', module: 'lib', field: 'bias' }),
  ];
  await writeFile(join(dir, 'commands'), commands.join('\n') + '\n');
  const run = await runDriver(join(nativeBin, 'embly-spec'), join(dir, 'commands'), 60_000);
  t.is(run.died, null, run.stderr);
  t.deepEqual(run.answers.map((a) => `${a.line} ${a.status} ${a.rest}`.trim()), [
    '1 ok', '2 ok', '3 ok',
    `4 ok v128:${v128Hex(i32x4(101, 202, 303, 396))}`,
    `5 ok i32:7 v128:${v128Hex(i32x4(0x04030201, 0x05000000, 0x06000000, 0x07000000))}`,
    `6 ok v128:${v128Hex(i32x4(100, 200, 300, 400))}`,
  ]);
});
