;; The fn→fn round-trip benchmark's function (bench/roundtrip.ts), reached over a TCP gateway.
;;
;; It reads a u32 (little-endian) N from its connection, spawns the project's `echo`
;; function, and then N times: reads CLOCK_MONOTONIC, writes a 16-byte message to the
;; child, waits until all 16 bytes are back, reads the clock again. It answers with the N
;; durations (u64 nanoseconds each, little-endian) and ends, which closes the connection.
;; The timing is inside the guest so that it covers exactly the round trip through the
;; master (runner → daemon → echo's runner → daemon → runner), not the gateway.
(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param $id i32) (param $precision i64) (param $time_out i32) (result i32)))
  (import "embly" "read" (func $read (param $handle i32) (param $buf i32) (param $len i32) (param $nread_out i32) (result i32)))
  (import "embly" "write" (func $write (param $handle i32) (param $buf i32) (param $len i32) (param $nwritten_out i32) (result i32)))
  (import "embly" "spawn" (func $spawn (param $name i32) (param $name_len i32) (param $handle_out i32) (result i32)))
  (import "embly" "events" (func $events (param $timeout_ns i64) (param $handles i32) (param $cap i32) (param $n_out i32) (result i32)))
  (import "embly" "close" (func $close (param $handle i32) (result i32)))

  ;; 16 pages (1 MiB):
  ;;   0      u32 count out-parameter     4   u32 the child's handle    8  u64 clock out-parameter
  ;;   16     up to 16 ready handles      128 "echo"                    256 the 16-byte message
  ;;   512    the request (N)             1024 the echoed bytes
  ;;   65536  N u64 durations (at most 100,000)
  (memory (export "memory") 16)
  (data (i32.const 128) "echo")
  (data (i32.const 256) "embly round trip")

  (global $PARENT i32 (i32.const 1))
  (global $MAX_TRIPS i32 (i32.const 100000))
  (global $samples i32 (i32.const 65536))

  (func $now (result i64)
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 8)))
    (i64.load (i32.const 8)))

  ;; Reads exactly `len` bytes of `handle` to `buf`, waiting as needed; 0 if the peer ended first.
  (func $read_exactly (param $handle i32) (param $buf i32) (param $len i32) (result i32)
    (local $got i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $got) (local.get $len)))
        (drop (call $events (i64.const -1) (i32.const 16) (i32.const 16) (i32.const 0)))
        (if (i32.eqz (call $read (local.get $handle) (i32.add (local.get $buf) (local.get $got))
                                 (i32.sub (local.get $len) (local.get $got)) (i32.const 0)))
          (then
            (if (i32.eqz (i32.load (i32.const 0))) (then (return (i32.const 0))))
            (local.set $got (i32.add (local.get $got) (i32.load (i32.const 0))))))
        (br $more)))
    (i32.const 1))

  (func (export "_start")
    (local $trips i32) (local $i i32) (local $child i32) (local $started i64)
    (if (i32.eqz (call $read_exactly (global.get $PARENT) (i32.const 512) (i32.const 4))) (then (return)))
    (local.set $trips (i32.load (i32.const 512)))
    (if (i32.gt_u (local.get $trips) (global.get $MAX_TRIPS)) (then (local.set $trips (global.get $MAX_TRIPS))))
    (if (call $spawn (i32.const 128) (i32.const 4) (i32.const 4)) (then (return)))
    (local.set $child (i32.load (i32.const 4)))
    (block $done
      (loop $trip
        (br_if $done (i32.ge_u (local.get $i) (local.get $trips)))
        (local.set $started (call $now))
        (drop (call $write (local.get $child) (i32.const 256) (i32.const 16) (i32.const 0)))
        (br_if $done (i32.eqz (call $read_exactly (local.get $child) (i32.const 1024) (i32.const 16))))
        (i64.store (i32.add (global.get $samples) (i32.shl (local.get $i) (i32.const 3)))
                   (i64.sub (call $now) (local.get $started)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $trip)))
    (drop (call $close (local.get $child)))
    ;; Only the trips that completed: a short answer tells the driver the child ended early.
    (drop (call $write (global.get $PARENT) (global.get $samples) (i32.shl (local.get $i) (i32.const 3)) (i32.const 0)))))
