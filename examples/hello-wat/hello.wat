;; The WebAssembly text HTTP hello, written by hand against the raw `embly` imports
;; (docs/abi.md): read the request on handle 1 until EOF, write a fixed response, close.
(module
  (import "embly" "read" (func $read (param $handle i32) (param $buf i32) (param $len i32) (param $nread_out i32) (result i32)))
  (import "embly" "write" (func $write (param $handle i32) (param $buf i32) (param $len i32) (param $nwritten_out i32) (result i32)))
  (import "embly" "events" (func $events (param $timeout_ns i64) (param $handles i32) (param $cap i32) (param $n_out i32) (result i32)))
  (import "embly" "close" (func $close (param $handle i32) (result i32)))

  ;; Memory layout (one 64 KiB page):
  ;;   0     u32 count out-parameter (nread / nwritten / number of ready handles)
  ;;   16    up to 16 ready handles from `events`
  ;;   1024  the response
  ;;   4096  the read buffer (4 KiB; the request is not kept, only consumed)
  (memory (export "memory") 1)

  ;; 35-byte body; 115 bytes in all.
  (data (i32.const 1024)
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 35\r\n"
    "\r\n"
    "Hello from WebAssembly text (wat)!\n")

  (global $PARENT i32 (i32.const 1))
  (global $EAGAIN i32 (i32.const 6))
  (global $count_out i32 (i32.const 0))
  (global $ready i32 (i32.const 16))
  (global $response i32 (i32.const 1024))
  (global $response_len i32 (i32.const 115))
  (global $buf i32 (i32.const 4096))
  (global $buf_len i32 (i32.const 4096))

  ;; Reads handle 1 until the gateway closes it (EOF). While nothing is buffered (EAGAIN)
  ;; it waits in `events` instead of spinning; any other error ends the reading.
  (func $read_until_eof
    (local $errno i32)
    (block $done
      (loop $next
        (local.set $errno
          (call $read (global.get $PARENT) (global.get $buf) (global.get $buf_len) (global.get $count_out)))
        (if (i32.eqz (local.get $errno))
          (then
            ;; OK with a count of 0 is end-of-file.
            (br_if $done (i32.eqz (i32.load (global.get $count_out))))
            (br $next)))
        (br_if $done (i32.ne (local.get $errno) (global.get $EAGAIN)))
        ;; Wait forever; a count of 0 means nothing can ever become readable.
        (br_if $done
          (call $events (i64.const -1) (global.get $ready) (i32.const 16) (global.get $count_out)))
        (br_if $done (i32.eqz (i32.load (global.get $count_out))))
        (br $next))))

  (func (export "_start")
    (call $read_until_eof)
    (drop (call $write (global.get $PARENT) (global.get $response) (global.get $response_len) (global.get $count_out)))
    (drop (call $close (global.get $PARENT)))))
