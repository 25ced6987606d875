// The master and runners in serve mode, end to end over the socket.
import test from 'ava';
import { statSync } from 'node:fs';
import { ExitReason } from '../../src/master/frames.js';
import { SpawnError, type InstanceExit, type InstanceStarted, type Routed } from '../../src/master/master.js';
import { spawnErrno } from '../../src/master/spawn-error.js';
import { spawnFrom } from '../helpers/endpoints.js';
import { converse, startHarness } from '../helpers/harness.js';
import { watFunction } from '../helpers/objects.js';
import { stdoutLines } from '../helpers/wat.js';

const ECHO_UPPER = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $upper (param $p i32) (param $n i32)
    (loop $l (if (local.get $n) (then
      (if (i32.and (i32.ge_u (i32.load8_u (local.get $p)) (i32.const 97)) (i32.le_u (i32.load8_u (local.get $p)) (i32.const 122)))
        (then (i32.store8 (local.get $p) (i32.sub (i32.load8_u (local.get $p)) (i32.const 32)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))))
  (func (export "_start")
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 1024) (i32.const 4096) (i32.const 8)))
        (then
          (br_if $eof (i32.eqz (i32.load (i32.const 8))))
          (call $upper (i32.const 1024) (i32.load (i32.const 8)))
          (drop (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 8)) (i32.const 12)))))
      (br $more)))))`;

/** Spawns "upper", sends it what it got, relays the answer, prefixed. */
const RELAY = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
  (import "embly" "close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "upper")
  (data (i32.const 80) "relayed:")
  (func $pump (param $from i32) (param $to i32)
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (local.get $from) (i32.const 1024) (i32.const 4096) (i32.const 8)))
        (then
          (br_if $eof (i32.eqz (i32.load (i32.const 8))))
          (drop (call $write (local.get $to) (i32.const 1024) (i32.load (i32.const 8)) (i32.const 12)))))
      (br $more))))
  (func (export "_start")
    (drop (call $spawn (i32.const 64) (i32.const 5) (i32.const 16)))
    (call $pump (i32.const 1) (i32.load (i32.const 16)))
    (drop (call $close (i32.load (i32.const 16))))
    (drop (call $write (i32.const 1) (i32.const 80) (i32.const 8) (i32.const 12)))
    (call $pump (i32.load (i32.const 16)) (i32.const 1))))`;

test('an instance on a serving runner answers through the master', async (t) => {
  const h = await startHarness([await watFunction('upper', ECHO_UPPER)]);
  t.teardown(() => h.stop());
  t.is(statSync(h.socketPath).mode & 0o777, 0o600);
  const exits: InstanceExit[] = [];
  h.master.on('exit', (e: InstanceExit) => exits.push(e));
  const c = await converse(h.master, 'upper', 'hello, master');
  t.is(c.data.toString(), 'HELLO, MASTER');
  t.false(c.closed, 'EXIT implies CLOSE: no separate CLOSE frame');
  t.is((await c.exit).reason, ExitReason.Ok);
  t.is(exits.length, 1);
  t.is(h.master.liveInstances(), 0);
});

test('the master\'s events: an instance started with its spawn latency, the bytes routed each way, its end with its duration, a runner lost', async (t) => {
  const h = await startHarness([await watFunction('upper', ECHO_UPPER)]);
  t.teardown(() => h.stop());
  const started: InstanceStarted[] = [];
  const exits: InstanceExit[] = [];
  const routed: Routed[] = [];
  h.master.on('started', (s) => started.push(s));
  h.master.on('exit', (e) => exits.push(e));
  h.master.on('routed', (r) => routed.push(r));
  const before = Number(process.hrtime.bigint());
  const c = await converse(h.master, 'upper', 'hello, master');
  const after = Number(process.hrtime.bigint());
  t.is(started.length, 1);
  const { spawnReadNs, ranAtNs } = started[0]!;
  t.true(before < spawnReadNs && spawnReadNs <= ranAtNs && ranAtNs < after,
    `the runner read the SPAWN (${spawnReadNs}), then ran the instance (${ranAtNs}), between ${before} and ${after}`);
  t.is(started[0]!.function, 'upper');
  t.true(started[0]!.spawnMs > 0 && started[0]!.spawnMs < 5000, `spawn latency ${started[0]!.spawnMs} ms`);
  t.true(started[0]!.cold, 'the first instance its runner ran');
  t.like(exits, [{ address: started[0]!.address, function: 'upper', reason: ExitReason.Ok }]);
  t.true(exits[0]!.durationMs >= started[0]!.spawnMs, 'its life includes its start');
  const bytes = (from: string, to: string) => routed.filter((r) => r.kind === 'data' && r.from === from && r.to === to).reduce((n, r) => n + r.bytes, 0);
  t.is(bytes('', 'upper'), 'hello, master'.length);
  t.is(bytes('upper', ''), c.data.length);
  t.true(routed.some((r) => r.kind === 'close' && r.from === '' && r.to === 'upper'), 'the end of its input');

  const lost = new Promise((resolve) => h.master.once('runnerLost', resolve));
  const runner = h.runners.get('upper')!;
  runner.kill('SIGKILL');
  t.deepEqual(await lost, { function: 'upper', pid: runner.pid, generation: 0 });
  t.is(h.master.runnerCount('upper'), 0);
});

test('an instance spawns a child on another runner and relays its answer', async (t) => {
  const h = await startHarness([await watFunction('relay', RELAY), await watFunction('upper', ECHO_UPPER)]);
  t.teardown(() => h.stop());
  const c = await converse(h.master, 'relay', 'fan me out');
  t.is(c.data.toString(), 'relayed:FAN ME OUT');
  t.is((await c.exit).reason, ExitReason.Ok);
});

/** RELAY with a child that answers and ends at once, before it has read anything. */
const HASTY_RELAY = RELAY.replace('(data (i32.const 64) "upper")', '(data (i32.const 64) "hasty")'); // as long a name
const HASTY = `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "at once")
  (func (export "_start") (drop (call $write (i32.const 1) (i32.const 16) (i32.const 7) (i32.const 8)))))`;

test('a child that answers and ends at once is heard by its parent on another runner', async (t) => {
  // Its STARTED, DATA and EXIT arrive together: the parent's runner must
  // have the handle (SPAWN_RESULT) before the bytes and the end reach it.
  const h = await startHarness([await watFunction('relay', HASTY_RELAY), await watFunction('hasty', HASTY)]);
  t.teardown(() => h.stop());
  const c = await converse(h.master, 'relay', '');
  t.is(c.data.toString(), 'relayed:at once');
  t.is((await c.exit).reason, ExitReason.Ok);
});

/** Writes 3 MiB of 'z' to its parent in 64 KiB writes; with `close`, then
 * closes handle 1 and ends at once, most of its bytes still waiting for the
 * window. */
const source = (close: boolean) => `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "close" (func $close (param i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start") (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 122) (i32.const 65536))
    (loop $l
      (drop (call $write (i32.const 1) (i32.const 65536) (i32.const 65536) (i32.const 12)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 48))))
    ${close ? '(drop (call $close (i32.const 1)))' : ''}))`;
const SOURCE = source(false);

test('an instance that closes and ends with bytes still held by the window gets all of them out, then CLOSE', async (t) => {
  t.timeout(60_000);
  const h = await startHarness([await watFunction('source', source(true))]);
  t.teardown(() => h.stop());
  const c = await converse(h.master, 'source', '');
  t.is((await c.exit).reason, ExitReason.Ok);
  t.is(c.data.length, 3 << 20);
  t.true(c.closed, 'it closed handle 1 itself: an explicit CLOSE');
});

/** RELAY with "source" as its child: it answers "relayed:" and 3 MiB. */
const DRAIN = RELAY.replace('(data (i32.const 64) "upper")', '(data (i32.const 64) "source")')
  .replace('(call $spawn (i32.const 64) (i32.const 5)', '(call $spawn (i32.const 64) (i32.const 6)');

test('3 MiB from an instance to its parent on another runner arrive whole, a window at a time', async (t) => {
  t.timeout(60_000); // without CREDIT between runners the source would wait forever
  const h = await startHarness([await watFunction('drain', DRAIN), await watFunction('source', SOURCE)]);
  t.teardown(() => h.stop());
  const c = await converse(h.master, 'drain', '');
  t.is(c.data.subarray(0, 8).toString(), 'relayed:');
  t.is(c.data.length - 8, 3 << 20);
  t.true(c.data.subarray(8).every((b) => b === 0x7a));
  t.is((await c.exit).reason, ExitReason.Ok);
});

/** Spawns "source" and relays what it says, never reading its own input: its
 * handle 1 stays readable (EOF unread), so events never waits. */
const POLLER = RELAY.replace('(data (i32.const 64) "upper")', '(data (i32.const 64) "source")')
  .replace(/\(func \(export "_start"\)[\s\S]*$/, `(func (export "_start")
    (drop (call $spawn (i32.const 64) (i32.const 6) (i32.const 16)))
    (call $pump (i32.load (i32.const 16)) (i32.const 1))))`);

test('an instance that polls without ever waiting still lets its runner read its child\'s bytes', async (t) => {
  t.timeout(60_000); // before, the runner spun in the instance and never read its socket
  const h = await startHarness([await watFunction('poller', POLLER), await watFunction('source', SOURCE)]);
  t.teardown(() => h.stop());
  const c = await converse(h.master, 'poller', '');
  t.is(c.data.length, 3 << 20);
  t.is((await c.exit).reason, ExitReason.Ok);
});

test('a noisy function\'s logs are cut in its runner, which says how many it dropped', async (t) => {
  const h = await startHarness([await watFunction('noisy', stdoutLines('noise', 100_000))]);
  t.teardown(() => h.stop());
  const lines: string[] = [];
  h.master.on('log', (l: { function: string; line: string }) => lines.push(l.line));
  const c = await converse(h.master, 'noisy', '');
  t.is((await c.exit).reason, ExitReason.Ok);
  const noise = lines.filter((l) => l === 'noise').length;
  const dropped = lines.map((l) => /^\.\.\. (\d+) log lines of this runner's instances dropped/.exec(l)?.[1]).filter(Boolean).map(Number);
  t.true(noise < 10_000, `${noise} lines reached the master`);
  t.is(noise + dropped.reduce((a, b) => a + b, 0), 100_000, 'every line is either logged or counted as dropped');
});

test('many conversations at once all get their own answers', async (t) => {
  const h = await startHarness([await watFunction('upper', ECHO_UPPER)]);
  t.teardown(() => h.stop());
  const inputs = Array.from({ length: 200 }, (_, i) => `request number ${i}`);
  const answers = await Promise.all(inputs.map((input) => converse(h.master, 'upper', input)));
  t.deepEqual(answers.map((a) => a.data.toString()), inputs.map((i) => i.toUpperCase()));
});

test('spawning past max_instances is refused as at capacity (ENOMEM to a guest)', async (t) => {
  const h = await startHarness([await watFunction('upper', ECHO_UPPER, { maxInstances: 1 })]);
  t.teardown(() => h.stop());
  await spawnFrom(h.master, 'upper');
  const error = await t.throwsAsync(spawnFrom(h.master, 'upper'), { instanceOf: SpawnError });
  t.is(error!.reason, 'at-capacity');
  t.is(spawnErrno(error!), 48);
  t.is(error!.httpStatus, 503);
});

test('a runner that dies takes only its instances with it, reported as killed', async (t) => {
  const h = await startHarness([await watFunction('upper', ECHO_UPPER)]);
  t.teardown(() => h.stop());
  const exited = new Promise<{ reason: ExitReason }>((resolve) => {
    void spawnFrom(h.master, 'upper', { onExit: (reason) => resolve({ reason }) }).then(() => h.runners.get('upper')!.kill('SIGKILL'));
  });
  t.is((await exited).reason, ExitReason.Killed);
  t.is(h.master.liveInstances(), 0);
});

test('spawning a name the project does not have answers ENOENT through the master', async (t) => {
  const prober = await watFunction('prober', `(module
    (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "no-such-function")
    (func (export "_start")
      (i32.store (i32.const 0) (call $spawn (i32.const 64) (i32.const 16) (i32.const 8)))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 4) (i32.const 12)))))`);
  const h = await startHarness([prober]);
  t.teardown(() => h.stop());
  const c = await converse(h.master, 'prober', '');
  t.is(c.data.readInt32LE(0), 44);
});
