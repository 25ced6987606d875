;; The HTTP benchmark's function (bench/http.ts): an HTTP hello that says when it ran.
;;
;; Its first act is to read CLOCK_MONOTONIC (WASI clock_time_get, the host's clock_gettime,
;; the same clock as Node's process.hrtime.bigint()); it then reads the request until the
;; gateway closes handle 1 and reads the clock again. Both instants go into the response,
;; as 20 zero-padded decimal digits of nanoseconds:
;;
;;   X-Start-Ns   _start began: the instance is running
;;   X-Read-Ns    the whole request had arrived (EOF on handle 1)
;;
;; The plain Node server of the benchmark answers the same bytes (its own instants in the
;; same two headers), so both servers put the same number of bytes on the wire.
(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param $id i32) (param $precision i64) (param $time_out i32) (result i32)))
  (import "embly" "read" (func $read (param $handle i32) (param $buf i32) (param $len i32) (param $nread_out i32) (result i32)))
  (import "embly" "write" (func $write (param $handle i32) (param $buf i32) (param $len i32) (param $nwritten_out i32) (result i32)))
  (import "embly" "events" (func $events (param $timeout_ns i64) (param $handles i32) (param $cap i32) (param $n_out i32) (result i32)))
  (import "embly" "close" (func $close (param $handle i32) (result i32)))

  ;; One 64 KiB page:
  ;;   0     u32 count out-parameter (nread / nwritten / ready handles)
  ;;   8     u64 clock out-parameter
  ;;   16    up to 16 ready handles from `events`
  ;;   1024  the response; the two 20-digit fields are filled in before it is written
  ;;   4096  the read buffer (the request is consumed, not kept)
  (memory (export "memory") 1)

  ;; 194 bytes of head + 24 bytes of body = 218 bytes. The gateway adds Date, so the response
  ;; has the same headers as plain Node's (which adds Date, Connection and Keep-Alive).
  ;; Offsets: "X-Start-Ns: " starts at 1024 + 17 + 41 + 20 = 1102, its digits at 1114;
  ;; "X-Read-Ns: " starts at 1114 + 22 = 1136, its digits at 1147.
  (data (i32.const 1024)
    "HTTP/1.1 200 OK\r\n"                              ;; 17
    "Content-Type: text/plain; charset=utf-8\r\n"      ;; 41
    "Content-Length: 24\r\n"                           ;; 20
    "X-Start-Ns: 00000000000000000000\r\n"             ;; 34
    "X-Read-Ns: 00000000000000000000\r\n"              ;; 33
    "Connection: keep-alive\r\n"                       ;; 24
    "Keep-Alive: timeout=5\r\n"                        ;; 23
    "\r\n"                                             ;; 2
    "Hello from Embly bench!\n")                       ;; 24

  (global $PARENT i32 (i32.const 1))
  (global $EAGAIN i32 (i32.const 6))
  (global $CLOCK_MONOTONIC i32 (i32.const 1))
  (global $count_out i32 (i32.const 0))
  (global $clock_out i32 (i32.const 8))
  (global $ready i32 (i32.const 16))
  (global $response i32 (i32.const 1024))
  (global $response_len i32 (i32.const 218))
  (global $start_digits i32 (i32.const 1114))
  (global $read_digits i32 (i32.const 1147))
  (global $buf i32 (i32.const 4096))
  (global $buf_len i32 (i32.const 4096))

  ;; The monotonic clock in nanoseconds (0 if the clock is refused).
  (func $now (result i64)
    (if (call $clock_time_get (global.get $CLOCK_MONOTONIC) (i64.const 1) (global.get $clock_out))
      (then (return (i64.const 0))))
    (i64.load (global.get $clock_out)))

  ;; Writes `value` as 20 decimal digits at `at`, most significant first.
  (func $put_decimal20 (param $at i32) (param $value i64)
    (local $i i32)
    (local.set $i (i32.const 20))
    (loop $digit
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8
        (i32.add (local.get $at) (local.get $i))
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $value) (i64.const 10)))))
      (local.set $value (i64.div_u (local.get $value) (i64.const 10)))
      (br_if $digit (local.get $i))))

  ;; Reads handle 1 until EOF, waiting in `events` while nothing is buffered.
  (func $read_until_eof
    (local $errno i32)
    (block $done
      (loop $next
        (local.set $errno
          (call $read (global.get $PARENT) (global.get $buf) (global.get $buf_len) (global.get $count_out)))
        (if (i32.eqz (local.get $errno))
          (then
            (br_if $done (i32.eqz (i32.load (global.get $count_out))))
            (br $next)))
        (br_if $done (i32.ne (local.get $errno) (global.get $EAGAIN)))
        (br_if $done
          (call $events (i64.const -1) (global.get $ready) (i32.const 16) (global.get $count_out)))
        (br_if $done (i32.eqz (i32.load (global.get $count_out))))
        (br $next))))

  (func (export "_start")
    (local $started i64)
    (local.set $started (call $now))
    (call $read_until_eof)
    (call $put_decimal20 (global.get $read_digits) (call $now))
    (call $put_decimal20 (global.get $start_digits) (local.get $started))
    (drop (call $write (global.get $PARENT) (global.get $response) (global.get $response_len) (global.get $count_out)))
    (drop (call $close (global.get $PARENT)))))
