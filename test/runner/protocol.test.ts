// The runner's side of the master protocol (docs/protocol.md) against frames
// the real master never sends: a fake master drives a real runner.
import test from 'ava';
import { ExitReason, FrameKind, MAX_UNCREDITED_BYTES } from '../../src/master/frames.js';
import { startFakeMaster } from '../helpers/fake-master.js';
import { watFunction } from '../helpers/objects.js';

const PARENT = 0x1111n;
const FIRST = 0x2222n;
const SECOND = 0x3333n;

/** Writes 1 MiB to handle 1 (more than its window: it blocks, nobody
 * credits it), then counts what it reads from handle 1 until EOF; exits with
 * (the write's errno << 24) | the count. */
const HOARDER = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 17)
  (func (export "_start") (local $written i32) (local $total i32)
    (local.set $written (call $write (i32.const 1) (i32.const 65536) (i32.const 1048576) (i32.const 8)))
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 16) (i32.const 4) (i32.const 32)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 65536) (i32.const 65536) (i32.const 8)))
        (then
          (br_if $eof (i32.eqz (i32.load (i32.const 8))))
          (local.set $total (i32.add (local.get $total) (i32.load (i32.const 8))))))
      (br $more)))
    (call $exit (i32.or (i32.shl (local.get $written) (i32.const 24)) (local.get $total)))))`;

test('a peer that sends past its flow-control window loses that handle (EOF, EPIPE), logged; the runner and the instance go on', async (t) => {
  const m = await startFakeMaster(await watFunction('hoarder', HOARDER, { timeoutMs: 10_000, sandbox: true }));
  t.teardown(() => m.stop());
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const within = Array.from({ length: MAX_UNCREDITED_BYTES / chunk.length }, () => ({ kind: FrameKind.Data as const, from: PARENT, to: FIRST, bytes: chunk }));
  m.send(
    { kind: FrameKind.Spawn, address: FIRST, parent: PARENT, function: 'hoarder' },
    ...within, // all an honest writer may have in flight, never credited
    { kind: FrameKind.Data, from: PARENT, to: FIRST, bytes: new Uint8Array([0x62]) },
    { kind: FrameKind.Data, from: PARENT, to: FIRST, bytes: chunk }, // and on: dropped
  );
  const exit = await m.next(FrameKind.Exit, (f) => f.address === FIRST);
  t.is(exit.reason, ExitReason.Error, m.stderr());
  t.is(exit.code >>> 24, 64, 'its blocked write to the peer answered EPIPE');
  t.is(exit.code & 0xffffff, MAX_UNCREDITED_BYTES, 'it read what came within the window, then EOF');
  await m.logged(/0*1111 sent 0*2222 more than its flow-control window: that handle ends/);
  t.is(m.runner.exitCode, null, 'the runner serves on');
});

/** Reads handle 1 until EOF, then ends. */
const WAITER = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 16) (i32.const 4) (i32.const 32)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 1024) (i32.const 4096) (i32.const 8)))
        (then (br_if $eof (i32.eqz (i32.load (i32.const 8))))))
      (br $more)))))`;

test('a single-instance runner refuses a SPAWN after its first, while the first runs; then it exits', async (t) => {
  const m = await startFakeMaster(await watFunction('waiter', WAITER, { singleInstance: true, sandbox: true }));
  t.teardown(() => m.stop());
  m.send({ kind: FrameKind.Spawn, address: FIRST, parent: PARENT, function: 'waiter' });
  await m.next(FrameKind.Started, (f) => f.address === FIRST);
  m.send({ kind: FrameKind.Spawn, address: SECOND, parent: PARENT, function: 'waiter' });
  const answer = await Promise.race([m.next(FrameKind.Exit, (f) => f.address === SECOND), m.next(FrameKind.Started, (f) => f.address === SECOND)]);
  t.deepEqual(answer, { kind: FrameKind.Exit, address: SECOND, reason: ExitReason.Error, code: -1 }, 'refused: it never started');
  await m.logged(/refused a second SPAWN \(0*3333\): this runner serves one instance/);
  m.send({ kind: FrameKind.Close, from: PARENT, to: FIRST });
  t.is((await m.next(FrameKind.Exit, (f) => f.address === FIRST)).reason, ExitReason.Ok);
  t.deepEqual(await m.exited, { code: 0, signal: null });
});
