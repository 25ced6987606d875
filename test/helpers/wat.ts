// Small wat modules more than one test file needs.

/** Writes `line` and a newline to stdout (its log) `count` times, as fast as it can. */
export function stdoutLines(line: string, count: number): string {
  const bytes = line.length + 1; // ASCII
  return `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\08\\00\\00\\00\\${bytes.toString(16).padStart(2, '0')}\\00\\00\\00${line}\\n") ;; an iovec: the line at 8
  (func (export "_start") (local $i i32)
    (loop $l
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 256)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const ${count}))))))`;
}

/** Reads its request to the end, then answers 200 with `body` (keep-alive
 * friendly: Content-Length). With `logStart`, first logs "reading" to stdout,
 * so that a test knows its instance runs: a request whose body the test keeps
 * open is then a request in flight for as long as the test wants. */
export function answerAfterRequest(body: string, options: { logStart?: boolean } = {}): string {
  const response = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const logStart = options.logStart ? '(drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 16)))' : '';
  return `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "\\2c\\01\\00\\00\\08\\00\\00\\00") ;; an iovec: 8 bytes at 300
  (data (i32.const 300) "reading\\n")
  (data (i32.const 1024) "${watString(response)}")
  (func (export "_start")
    ${logStart}
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 4096) (i32.const 60000) (i32.const 8)))
        (then (br_if $eof (i32.eqz (i32.load (i32.const 8))))))
      (br $more)))
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.const ${response.length}) (i32.const 12)))))`;
}

/** Bytes as a wat string literal's contents: each byte as \\hh. */
function watString(bytes: Buffer): string {
  return [...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
}
