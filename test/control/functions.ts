// Functions for the control tests: a parent that spawns a sleeper (test/hardening's) and waits.
export { SLEEPER_WAT } from '../hardening/hostile.js';

const HELLO = 'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nhello\\n';

/** Spawns one sleeper, reads its request until EOF, answers "hello"; 3 pages of memory. */
export const PARENT_WAT = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
  (memory (export "memory") 3)
  (data (i32.const 1024) "${HELLO}")
  (data (i32.const 2400) "sleeper")
  (func (export "_start")
    (drop (call $spawn (i32.const 2400) (i32.const 7) (i32.const 2420)))
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 4096) (i32.const 60000) (i32.const 8)))
        (then (br_if $eof (i32.eqz (i32.load (i32.const 8))))))
      (br $more)))
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.const 44) (i32.const 12)))))`;
