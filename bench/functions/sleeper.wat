;; An idle instance (bench/idle.ts): it waits on handle 1 (its parent, `spawner`) and ends
;; when its parent does. It sleeps in `events`, as an instance waiting for a message does.
(module
  (import "embly" "read" (func $read (param $handle i32) (param $buf i32) (param $len i32) (param $nread_out i32) (result i32)))
  (import "embly" "events" (func $events (param $timeout_ns i64) (param $handles i32) (param $cap i32) (param $n_out i32) (result i32)))
  ;; 0: count out-parameter, 16: ready handles, 64: read buffer
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $wait
      (drop (call $events (i64.const -1) (i32.const 16) (i32.const 4) (i32.const 0)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 64) (i32.const 64) (i32.const 0)))
        (then (if (i32.eqz (i32.load (i32.const 0))) (then (return)))))
      (br $wait))))
