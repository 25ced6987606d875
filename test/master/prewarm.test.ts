// Serving runners prewarm an instance before HELLO (docs/loader.md, "Prewarming"): the pooled
// memory the first instance gets must look exactly like a fresh one, within the same limits.
import test from 'ava';
import { ExitReason } from '../../src/master/frames.js';
import { converse, startHarness } from '../helpers/harness.js';
import { watFunction, type TestFunction } from '../helpers/objects.js';

const PAGE = 65536;

/** Counts the nonzero bytes of its 3 initial pages, reads its data segment, grows by one page
 * twice (its limit is 4 pages), dirties the grown page, and answers those four i32s. */
const INSPECT = `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 3)
  (data (i32.const 70000) "segment")
  (func (export "_start")
    (local $at i32) (local $nonzero i32)
    (loop $scan
      (if (i32.load8_u (local.get $at))
        (then (local.set $nonzero (i32.add (local.get $nonzero) (i32.const 1)))))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (br_if $scan (i32.lt_u (local.get $at) (i32.const ${3 * PAGE}))))
    (i32.store (i32.const 0) (local.get $nonzero))
    (i32.store (i32.const 4) (i32.load (i32.const 70000)))
    (i32.store (i32.const 8) (memory.grow (i32.const 1)))
    (i32.store (i32.const 12) (memory.grow (i32.const 1)))
    (i32.store (i32.const ${3 * PAGE + 100}) (i32.const -1))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 16) (i32.const 16)))))`;

async function inspect(limits: Partial<TestFunction>, instances: number) {
  const h = await startHarness([await watFunction('inspect', INSPECT, { memoryPages: 4, ...limits })]);
  try {
    const answers = [];
    for (let i = 0; i < instances; i++) {
      const c = await converse(h.master, 'inspect', '');
      const exit = await c.exit;
      answers.push({ reason: exit.reason, nonzero: c.data.readInt32LE(0), segment: c.data.subarray(4, 8).toString(),
        grown: c.data.readInt32LE(8), pastLimit: c.data.readInt32LE(12) });
    }
    return answers;
  } finally {
    await h.stop();
  }
}

const FRESH = { reason: ExitReason.Ok, nonzero: 'segment'.length, segment: 'segm', grown: 3, pastLimit: -1 };

test('instances of a serving runner, prewarmed or reused, see zeroed memory, their data and their limit', async (t) => {
  t.deepEqual(await inspect({}, 3), [FRESH, FRESH, FRESH]);
});

test('a sandboxed single-instance runner prewarms under seccomp and its instance sees a fresh memory', async (t) => {
  t.deepEqual(await inspect({ sandbox: true, singleInstance: true }, 1), [FRESH]);
});

test('a module whose initial memory is above the limit is not prewarmed and still refused', async (t) => {
  const h = await startHarness([await watFunction('inspect', INSPECT, { memoryPages: 2 })]);
  t.teardown(() => h.stop());
  t.is((await (await converse(h.master, 'inspect', '')).exit).reason, ExitReason.Error);
});
