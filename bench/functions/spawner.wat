;; The idle benchmark's parent (bench/idle.ts), reached over a TCP gateway. It reads u32
;; targets (little-endian) from its connection; for each, it spawns `sleeper` instances
;; until it has that many or a spawn fails, and answers two u32s: how many it has, and the
;; errno of the spawn that failed (0 if none did). Its children sleep until it ends,
;; which it does when the connection closes.
(module
  (import "embly" "read" (func $read (param $handle i32) (param $buf i32) (param $len i32) (param $nread_out i32) (result i32)))
  (import "embly" "write" (func $write (param $handle i32) (param $buf i32) (param $len i32) (param $nwritten_out i32) (result i32)))
  (import "embly" "spawn" (func $spawn (param $name i32) (param $name_len i32) (param $handle_out i32) (result i32)))
  (import "embly" "events" (func $events (param $timeout_ns i64) (param $handles i32) (param $cap i32) (param $n_out i32) (result i32)))
  ;; 0: count out-parameter, 4: a child's handle, 8: the answer (count, errno),
  ;; 16: ready handles, 128: "sleeper", 512: the target being read
  (memory (export "memory") 1)
  (data (i32.const 128) "sleeper")

  ;; Reads a u32 target from handle 1 into 512; 0 at end of file.
  (func $read_target (result i32)
    (local $got i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $got) (i32.const 4)))
        (drop (call $events (i64.const -1) (i32.const 16) (i32.const 16) (i32.const 0)))
        (if (i32.eqz (call $read (i32.const 1) (i32.add (i32.const 512) (local.get $got))
                                 (i32.sub (i32.const 4) (local.get $got)) (i32.const 0)))
          (then
            (if (i32.eqz (i32.load (i32.const 0))) (then (return (i32.const 0))))
            (local.set $got (i32.add (local.get $got) (i32.load (i32.const 0))))))
        (br $more)))
    (i32.const 1))

  (func (export "_start")
    (local $count i32) (local $errno i32)
    (loop $target
      (if (i32.eqz (call $read_target)) (then (return)))
      (local.set $errno (i32.const 0))
      (block $reached
        (loop $spawn_more
          (br_if $reached (i32.ge_u (local.get $count) (i32.load (i32.const 512))))
          (local.set $errno (call $spawn (i32.const 128) (i32.const 7) (i32.const 4)))
          (br_if $reached (local.get $errno))
          (local.set $count (i32.add (local.get $count) (i32.const 1)))
          (br $spawn_more)))
      (i32.store (i32.const 8) (local.get $count))
      (i32.store (i32.const 12) (local.get $errno))
      (drop (call $write (i32.const 1) (i32.const 8) (i32.const 8) (i32.const 0)))
      (br $target))))
