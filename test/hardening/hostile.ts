// A function that misbehaves on request, for the hardening tests: the first
// letter of the request path says how (GET /s spins, /t grows tables, ...);
// any other path (GET /hello, say) gets a plain "hello". Plain and hostile requests therefore
// go to the same function, and share its runners.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProject } from '../../src/compile/project-build.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { memoryLogger } from '../../src/log.js';
import { loadProject } from '../../src/project/index.js';
import { runnerPids, writeWatProject } from '../daemon/helpers.js';

const HELLO = 'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nhello\\n';
const HELLO_BYTES = 44;

/** Ways to misbehave, by the path letter that asks for each. */
export const HOSTILE = {
  spin: 's',        // for (;;) without a host call
  tables: 't',      // table.grow by a million elements, again and again
  hugeWrite: 'w',   // fd_write with 500,000 overlapping iovecs of 4 MiB each
  hugeRandom: 'r',  // random_get over the whole memory, again and again
  calls: 'c',       // 2^60 calls, no loop: only function entries to preempt at
  deepHostCall: 'd', // recurses to the end of its stack, calling fd_write at every depth
  trap: 'u',        // unreachable
  exhaust: 'x',     // recursion without end: stack exhaustion
  memory: 'm',      // grows its memory to the limit and writes all of it, then answers
  logs: 'l',        // one log line after another, without end
  grows: 'g',       // memory.grow by a page, again and again (past its limit: -1)
  spawns: 'p',      // spawns sleepers without end (a function of its own: max_instances is per function)
} as const;

export const HOSTILE_WAT = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
  (memory (export "memory") 80)
  (table $t 0 funcref)
  (data (i32.const 1024) "${HELLO}")
  (data (i32.const 2048) "\\00\\09\\00\\00\\01\\00\\00\\00") ;; an iovec: 1 byte at 2304
  (data (i32.const 2304) "\\n")
  (data (i32.const 2400) "sleeper")
  ;; Reads the request until EOF; answers the first letter of its path.
  (func $request_kind (result i32) (local $kind i32)
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 65536) (i32.const 60000) (i32.const 8)))
        (then
          (br_if $eof (i32.eqz (i32.load (i32.const 8))))
          (if (i32.eqz (local.get $kind)) (then (local.set $kind (i32.load8_u (i32.const 65541)))))))
      (br $more)))
    (local.get $kind))
  (func $spin (loop $l (br $l)))
  (func $tables (loop $l (drop (table.grow $t (ref.null func) (i32.const 1000000))) (br $l)))
  (func $huge_write (local $i i32)
    (loop $fill
      (i32.store (i32.add (i32.const 131072) (i32.shl (local.get $i) (i32.const 3))) (i32.const 0))
      (i32.store (i32.add (i32.const 131076) (i32.shl (local.get $i) (i32.const 3))) (i32.const 4194304))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 500000))))
    (loop $l (drop (call $fd_write (i32.const 1) (i32.const 131072) (i32.const 500000) (i32.const 16))) (br $l)))
  (func $huge_random (loop $l (drop (call $random_get (i32.const 0) (i32.const 5242880))) (br $l)))
  (func $calls (param $n i32)
    (if (local.get $n) (then
      (call $calls (i32.sub (local.get $n) (i32.const 1)))
      (call $calls (i32.sub (local.get $n) (i32.const 1))))))
  (func $deep (param $n i32)
    (drop (call $fd_write (i32.const 2) (i32.const 2048) (i32.const 1) (i32.const 16)))
    (call $deep (i32.add (local.get $n) (i32.const 1))))
  (func $exhaust (param $n i32) (call $exhaust (i32.add (local.get $n) (i32.const 1))))
  (func $fill_memory
    (drop (memory.grow (i32.sub (i32.const 128) (memory.size))))
    (memory.fill (i32.const 4096) (i32.const 255) (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 4096))))
  (func $grows (loop $l (drop (memory.grow (i32.const 1))) (br $l)))
  (func $logs (loop $l (drop (call $fd_write (i32.const 1) (i32.const 2048) (i32.const 1) (i32.const 16))) (br $l)))
  (func $spawns (loop $l (drop (call $spawn (i32.const 2400) (i32.const 7) (i32.const 2420))) (br $l)))
  (func (export "_start") (local $k i32)
    (local.set $k (call $request_kind))
    (if (i32.eq (local.get $k) (i32.const 115)) (then (call $spin)))
    (if (i32.eq (local.get $k) (i32.const 116)) (then (call $tables)))
    (if (i32.eq (local.get $k) (i32.const 119)) (then (call $huge_write)))
    (if (i32.eq (local.get $k) (i32.const 114)) (then (call $huge_random)))
    (if (i32.eq (local.get $k) (i32.const 99)) (then (call $calls (i32.const 60))))
    (if (i32.eq (local.get $k) (i32.const 100)) (then (call $deep (i32.const 0))))
    (if (i32.eq (local.get $k) (i32.const 117)) (then unreachable))
    (if (i32.eq (local.get $k) (i32.const 120)) (then (call $exhaust (i32.const 0))))
    (if (i32.eq (local.get $k) (i32.const 109)) (then (call $fill_memory)))
    (if (i32.eq (local.get $k) (i32.const 108)) (then (call $logs)))
    (if (i32.eq (local.get $k) (i32.const 103)) (then (call $grows)))
    (if (i32.eq (local.get $k) (i32.const 112)) (then (call $spawns)))
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.const ${HELLO_BYTES}) (i32.const 12)))))`;

/** Waits for its parent to close handle 1, then ends. */
export const SLEEPER_WAT = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 64) (i32.const 1024) (i32.const 8)))
        (then (br_if $eof (i32.eqz (i32.load (i32.const 8))))))
      (br $more)))))`;

export interface HostileDaemon { daemon: Daemon; port: number; logs: string[]; }

/** A daemon serving the hostile function with `runners` runners behind an HTTP gateway. */
export async function startHostileDaemon(options: { runners: number; timeout: string; maxInstances?: number }): Promise<HostileDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'embly-hostile-'));
  const limits = { timeout: options.timeout, maxInstances: options.maxInstances ?? 1000 };
  await writeWatProject(dir, [
    { name: 'hostile', wat: HOSTILE_WAT, memory: '8MiB', ...limits },
    { name: 'sleeper', wat: SLEEPER_WAT, memory: '1', ...limits },
  ]);
  const project = await loadProject(dir);
  const built = await buildProject(project);
  const log = memoryLogger();
  const daemon = new Daemon({
    project, built, host: '127.0.0.1', runnersPerFunction: options.runners,
    socketPath: join(dir, 'embly.sock'), portOverrides: new Map(project.gateways.map((g) => [g.name, 0])),
    log,
  });
  const gateways = await daemon.start();
  return { daemon, port: gateways.find((g) => g.function === 'hostile')!.port, logs: log.lines };
}

/** The hostile function's runners, by pid, in order. */
export const hostileRunners = (): number[] => runnerPids('hostile').sort((a, b) => a - b);
