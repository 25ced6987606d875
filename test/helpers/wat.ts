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
