// The runner's own memory: what instances cost it outside their linear
// memory (tables, handles, the address table) is bounded, counted and given
// back when they end.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { ExitReason } from '../../src/master/frames.js';
import type { Master } from '../../src/master/master.js';
import { RunnerStatus } from '../../src/supervisor/index.js';
import { openEndpoint } from '../helpers/endpoints.js';
import { startHarness } from '../helpers/harness.js';
import { runExec, watFunction } from '../helpers/objects.js';
import { waitFor } from '../helpers/wait.js';

const QUITTER = '(module (memory (export "memory") 1) (func (export "_start")))';

/** A field of /proc/PID/status in KiB (VmData: the private writable memory, heap included). */
async function statusKiB(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Starts `count` instances of fn, each from an endpoint of its own, `inFlight` at a time, and resolves when all have exited. */
function spawnMany(master: Master, fn: string, count: number, inFlight: number): Promise<ExitReason[]> {
  return new Promise((resolve, reject) => {
    const reasons: ExitReason[] = [];
    let started = 0;
    const next = () => {
      started++;
      const endpoint = openEndpoint(master, {
        onExit: (reason) => {
          endpoint.close();
          reasons.push(reason);
          if (reasons.length === count) resolve(reasons);
          else if (started < count) next();
        },
        onSpawnError: reject,
      });
      endpoint.spawn(fn);
    };
    for (let i = 0; i < Math.min(inFlight, count); i++) next();
  });
}

test('a runner that has hosted 200,000 instances one after another holds no more memory than after the first 5,000', async (t) => {
  // The address table used to count removed entries and only ever double:
  // ~16-32 bytes per instance ever hosted (3-6 MiB here), for good.
  const h = await startHarness([await watFunction('quitter', QUITTER, { sandbox: true })]);
  t.teardown(() => h.stop());
  const pid = h.runners.get('quitter')!.pid!;
  const warm = await spawnMany(h.master, 'quitter', 5_000, 64);
  const before = await statusKiB(pid, 'VmData');
  const rest = await spawnMany(h.master, 'quitter', 195_000, 64);
  const after = await statusKiB(pid, 'VmData');
  t.true([...warm, ...rest].every((r) => r === ExitReason.Ok));
  t.true(after - before < 1024, `VmData grew from ${before} to ${after} KiB`);
});

/** Spawns `children` quitters one at a time, reads each one's EOF and closes it; every 1,000 children it writes
 * (count, highest handle so far) on handle 1. Then it waits for handle 1's EOF, so that its runner can be measured
 * while it still holds whatever it kept. */
const spawnAndClose = (children: number) => `(module
  (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (import "embly" "close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "quitter")
  (func (export "_start") (local $i i32) (local $h i32) (local $max i32)
    (loop $child
      (if (call $spawn (i32.const 16) (i32.const 7) (i32.const 24)) (then unreachable))
      (local.set $h (i32.load (i32.const 24)))
      (if (i32.gt_u (local.get $h) (local.get $max)) (then (local.set $max (local.get $h))))
      (loop $wait ;; until read answers ok with 0 bytes: the child's EOF
        (drop (call $events (i64.const -1) (i32.const 32) (i32.const 1) (i32.const 28)))
        (br_if $wait (call $read (local.get $h) (i32.const 64) (i32.const 16) (i32.const 36)))
        (br_if $wait (i32.load (i32.const 36))))
      (if (call $close (local.get $h)) (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 1000))) (then
        (i32.store (i32.const 0) (local.get $i))
        (i32.store (i32.const 4) (local.get $max))
        (drop (call $write (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 40)))))
      (br_if $child (i32.lt_u (local.get $i) (i32.const ${children}))))
    (loop $parent
      (drop (call $events (i64.const -1) (i32.const 32) (i32.const 1) (i32.const 28)))
      (br_if $parent (call $read (i32.const 1) (i32.const 64) (i32.const 16) (i32.const 36)))
      (br_if $parent (i32.load (i32.const 36))))))`;

test('a parent that spawns 20,000 children, reads their EOF and closes them, reuses handle 2 and keeps its runner flat', async (t) => {
  const children = 20_000;
  const h = await startHarness([
    await watFunction('parent', spawnAndClose(children), { sandbox: true, timeoutMs: 600_000 }),
    await watFunction('quitter', QUITTER, { sandbox: true }),
  ]);
  t.teardown(() => h.stop());
  const pid = h.runners.get('parent')!.pid!;
  const memory = new Map<number, Promise<number>>();
  let highest = 0;
  const exit = new Promise<ExitReason>((resolve, reject) => {
    let pending = Buffer.alloc(0);
    const endpoint = openEndpoint(h.master, {
      onData: (bytes) => {
        pending = Buffer.concat([pending, bytes]);
        for (; pending.length >= 8; pending = pending.subarray(8)) {
          const count = pending.readUInt32LE(0);
          highest = pending.readUInt32LE(4);
          if (count === 2_000) memory.set(count, statusKiB(pid, 'VmData'));
          if (count === children) {
            const after = statusKiB(pid, 'VmData');
            memory.set(count, after);
            void after.finally(() => endpoint.end());
          }
        }
        return true;
      },
      onExit: (reason) => { endpoint.close(); resolve(reason); },
      onSpawnError: reject,
    });
    endpoint.spawn('parent');
  });
  t.is(await exit, ExitReason.Ok);
  const before = await memory.get(2_000)!, after = await memory.get(children)!;
  t.true(after - before < 1024, `VmData grew from ${before} to ${after} KiB`);
  t.is(highest, 2, 'each child got the handle its closed predecessor released');
});

/** A module with `tables` funcref tables of `elements` each and `pages` of memory that does nothing. */
const withTables = (tables: number, elements: number, pages: number) => `(module
  (memory (export "memory") ${pages})
  ${Array.from({ length: tables }, () => `(table ${elements} funcref)`).join('\n  ')}
  (func (export "_start")))`;

test('a module with tables bigger than its memory limit does not start (memory limit), in a sandboxed serving runner', async (t) => {
  // 8 tables of 10 million funcrefs: 2.5 GB outside `memory`, against 16 MiB.
  const h = await startHarness([await watFunction('tables', withTables(8, 10_000_000, 1), { sandbox: true, memoryPages: 256 })]);
  t.teardown(() => h.stop());
  t.deepEqual(await spawnMany(h.master, 'tables', 1, 1), [ExitReason.Error]);
  await waitFor(() => /could not start: memory limit/.test(h.runnerLog()), { what: 'the runner saying why the instance did not start' });
  t.regex(h.runnerLog(), /instance [0-9a-f]{16} of tables could not start: memory limit: the module needs more than the function may use/);
});

test('tables count with linear memory against the limit: together past it, the module does not start', async (t) => {
  // 2,100 funcrefs of 32 bytes are just over one 64 KiB page.
  const over = await watFunction('over', withTables(1, 2_100, 3), { memoryPages: 4 });
  const result = await runExec('over', [over]);
  t.is(result.code, RunnerStatus.limit, result.stderr);
  t.regex(result.stderr, /ended: error \(memory limit/);
  const under = await watFunction('under', withTables(1, 2_100, 2), { memoryPages: 4 });
  t.is((await runExec('under', [under])).code, 0);
});

test('a table of more than 10 million elements does not start whatever the memory limit', async (t) => {
  const fn = await watFunction('huge', withTables(1, 10_000_001, 1), { memoryPages: 65536 });
  const result = await runExec('huge', [fn]);
  t.is(result.code, RunnerStatus.limit, result.stderr);
  t.regex(result.stderr, /ended: error \(memory limit/);
});

test('table.grow past what the memory limit leaves returns -1, and memory.grow counts the tables', async (t) => {
  // Limit 2 pages (131,072 bytes); memory 1 page; funcrefs are 32 bytes.
  const fn = await watFunction('grower', `(module
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (table $t 0 funcref)
    (func (export "_start")
      (i32.store (i32.const 0) (table.grow $t (ref.null func) (i32.const 1000)))  ;; 32,000 bytes: fits
      (i32.store (i32.const 4) (table.grow $t (ref.null func) (i32.const 2048)))  ;; 65,536 more: does not
      (i32.store (i32.const 8) (memory.grow (i32.const 1)))                        ;; nor does a page now
      (i32.store (i32.const 12) (table.grow $t (ref.null func) (i32.const 1000))) ;; what is left does
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 16) (i32.const 16)))))`, { memoryPages: 2 });
  const result = await runExec('grower', [fn]);
  t.is(result.code, 0, result.stderr);
  t.deepEqual([0, 4, 8, 12].map((at) => result.stdout.readInt32LE(at)), [0, -1, -1, 1000]);
});
