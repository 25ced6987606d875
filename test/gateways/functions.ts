// Small wat functions that answer HTTP in the ways the gateway tests need.

const IMPORTS = `
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))`;

/** Reads handle 1 until EOF; with echo, writes every chunk back to handle 1. */
const PUMP = (echo: boolean) => `
  (func $pump
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 4096) (i32.const 60000) (i32.const 8)))
        (then
          (br_if $eof (i32.eqz (i32.load (i32.const 8))))
          ${echo ? '(drop (call $write (i32.const 1) (i32.const 4096) (i32.load (i32.const 8)) (i32.const 12)))' : ''}))
      (br $more))))`;

const writeData = (offset: number, text: string) => `(data (i32.const ${offset}) "${text}")`;
const len = (text: string) => Buffer.byteLength(text.replace(/\\r/g, '\r').replace(/\\n/g, '\n'));

const HELLO_RESPONSE = 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 6\\r\\n\\r\\nhello\\n';

/** Reads the whole request, then answers "hello". */
export const HELLO = `(module ${IMPORTS} (memory (export "memory") 2)
  ${writeData(1024, HELLO_RESPONSE)} ${PUMP(false)}
  (func (export "_start") (call $pump)
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.const ${len(HELLO_RESPONSE)}) (i32.const 12)))))`;

const ECHO_HEAD = 'HTTP/1.1 200 OK\\r\\nContent-Type: application/octet-stream\\r\\n\\r\\n';

/** Answers with a head, then the raw request bytes it receives, until EOF. */
export const ECHO = `(module ${IMPORTS} (memory (export "memory") 2)
  ${writeData(1024, ECHO_HEAD)} ${PUMP(true)}
  (func (export "_start")
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.const ${len(ECHO_HEAD)}) (i32.const 12)))
    (call $pump)))`;

const GARBAGE_TEXT = 'this is not http\\r\\n\\r\\n';
export const GARBAGE = `(module ${IMPORTS} (memory (export "memory") 1) ${writeData(1024, GARBAGE_TEXT)}
  (func (export "_start") (drop (call $write (i32.const 1) (i32.const 1024) (i32.const ${len(GARBAGE_TEXT)}) (i32.const 12)))))`;

export const SPIN = `(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))`;

export const TRAP = `(module (memory (export "memory") 1) (func (export "_start") unreachable))`;

/** Answers `mib` MiB of 'x' in 64 KiB writes; logs "MiB" to stdout after
 * each 16 writes when `logEachMiB`. */
function answerOfMiB(mib: number, logEachMiB: boolean): string {
  const head = `HTTP/1.1 200 OK\\r\\nContent-Length: ${mib << 20}\\r\\n\\r\\n`;
  const log = logEachMiB ? `
      (if (i32.eqz (i32.and (local.get $i) (i32.const 15)))
        (then (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 16)))))` : '';
  return `(module ${IMPORTS}
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2) ${writeData(0, head)}
  (data (i32.const 200) "\\2c\\01\\00\\00\\04\\00\\00\\00") ;; an iovec: 4 bytes at 300
  ${writeData(300, 'MiB\\n')}
  (func (export "_start") (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 120) (i32.const 65536))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const ${len(head)}) (i32.const 12)))
    (loop $l
      (drop (call $write (i32.const 1) (i32.const 65536) (i32.const 65536) (i32.const 12)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))${log}
      (br_if $l (i32.lt_u (local.get $i) (i32.const ${mib * 16}))))))`;
}

/** 4 MiB of 'x'. */
export const BIG = answerOfMiB(4, false);

/** Reads handle 1 and writes it back, until EOF: a TCP echo. */
export const TCP_ECHO = `(module ${IMPORTS} (memory (export "memory") 2) ${PUMP(true)}
  (func (export "_start") (call $pump)))`;

/** 64 MiB of 'x', and a log line after each MiB. */
export const FLOOD = answerOfMiB(64, true);

/** Reads 300 KiB of the request (more than a window), lets the gateway fill
 * its window again (512 calls of events, 32 turns of its runner's loop),
 * answers "hello", then waits forever without reading the rest. */
export const EARLY = `(module ${IMPORTS} (memory (export "memory") 2) ${writeData(1024, HELLO_RESPONSE)}
  (func (export "_start") (local $read i32)
    (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 4096) (i32.const 60000) (i32.const 8)))
        (then (local.set $read (i32.add (local.get $read) (i32.load (i32.const 8))))))
      (br_if $more (i32.lt_u (local.get $read) (i32.const 307200))))
    (local.set $read (i32.const 0))
    (loop $idle
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (local.set $read (i32.add (local.get $read) (i32.const 1)))
      (br_if $idle (i32.lt_u (local.get $read) (i32.const 512))))
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.const ${len(HELLO_RESPONSE)}) (i32.const 12)))
    (loop $wait (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4))) (br $wait))))`;
