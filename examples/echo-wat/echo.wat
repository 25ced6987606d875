;; A TCP echo: every byte that arrives on handle 1 goes straight back, until
;; the client closes its side. Raw embly imports, no SDK.
(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; 0: ready handles from events, 4: their count, 8: bytes read, 12: bytes written
  (func (export "_start")
    (block $eof
      (loop $more
        (drop (call $events (i64.const -1) (i32.const 0) (i32.const 1) (i32.const 4)))
        (if (i32.eqz (call $read (i32.const 1) (i32.const 1024) (i32.const 64512) (i32.const 8)))
          (then
            (br_if $eof (i32.eqz (i32.load (i32.const 8))))
            (drop (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 8)) (i32.const 12)))))
        (br $more)))))
