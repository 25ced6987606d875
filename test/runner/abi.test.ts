// The embly and WASI imports answer errnos for bad input and never crash.
import test from 'ava';
import { runExec, watFunction } from '../helpers/objects.js';

/** A module whose _start computes an i32 and writes it to handle 1. */
const reporting = (imports: string, expression: string) => `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  ${imports}
  (memory (export "memory") 1)
  (data (i32.const 64) "nobody")
  (func (export "_start")
    (i32.store (i32.const 0) ${expression})
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 4) (i32.const 8)))))`;

async function errnoOf(imports: string, expression: string): Promise<number> {
  const fn = await watFunction('probe', reporting(imports, expression));
  const result = await runExec('probe', [fn]);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout.readInt32LE(0);
}

/** Unimplemented WASI calls, each with its parameter count and the errno it
 * answers: EBADF for every call that takes an fd (fd_*, sock_*, and path_*'s
 * directory fd, third for path_symlink), ENOSYS for the rest. */
const UNIMPLEMENTED_WASI: Array<[string, number, number]> = [
  ['fd_close', 1, 8],
  ['fd_read', 4, 8],
  ['sock_accept', 3, 8],
  ['sock_recv', 6, 8],
  ['sock_send', 5, 8],
  ['sock_shutdown', 2, 8],
  ['path_open', 9, 8],
  ['path_unlink_file', 3, 8],
  ['path_symlink', 5, 8],
  ['proc_raise', 1, 52],
];

test('unimplemented WASI calls link and answer EBADF if they take an fd, ENOSYS otherwise', async (t) => {
  const signature = (name: string, n: number) => name === 'path_open' ? 'i32 i32 i32 i32 i32 i64 i64 i32 i32' : Array(n).fill('i32').join(' ');
  const imports = UNIMPLEMENTED_WASI.map(([name, n]) =>
    `(import "wasi_snapshot_preview1" "${name}" (func $${name} (param ${signature(name, n)}) (result i32)))`).join('\n');
  const calls = UNIMPLEMENTED_WASI.map(([name, n], i) => {
    const args = signature(name, n).split(' ').map((type) => `(${type}.const 7)`).join(' ');
    return `(i32.store8 (i32.const ${256 + i}) (call $${name} ${args}))`;
  }).join('\n');
  const fn = await watFunction('probe', `(module
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    ${imports}
    (memory (export "memory") 1)
    (func (export "_start")
      ${calls}
      (drop (call $write (i32.const 1) (i32.const 256) (i32.const ${UNIMPLEMENTED_WASI.length}) (i32.const 8)))))`);
  const result = await runExec('probe', [fn]);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(Object.fromEntries(UNIMPLEMENTED_WASI.map(([name], i) => [name, result.stdout[i]])),
    Object.fromEntries(UNIMPLEMENTED_WASI.map(([name, , errno]) => [name, errno])));
});

test('a bad pointer to write answers EFAULT', async (t) => {
  t.is(await errnoOf('', '(call $write (i32.const 1) (i32.const 0xfffffff0) (i32.const 100) (i32.const 16))'), 21);
});

test('a length running past memory answers EFAULT', async (t) => {
  t.is(await errnoOf('', '(call $write (i32.const 1) (i32.const 65000) (i32.const 1000) (i32.const 16))'), 21);
});

test('a bad result pointer answers EFAULT', async (t) => {
  const errno = await errnoOf('(import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))',
    '(call $read (i32.const 1) (i32.const 100) (i32.const 4) (i32.const 65534))');
  t.is(errno, 21);
});

test('an unknown handle answers EBADF', async (t) => {
  t.is(await errnoOf('', '(call $write (i32.const 7) (i32.const 0) (i32.const 4) (i32.const 16))'), 8);
});

test('spawning an unknown function answers ENOENT', async (t) => {
  const errno = await errnoOf('(import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))',
    '(call $spawn (i32.const 64) (i32.const 6) (i32.const 16))');
  t.is(errno, 44);
});

test('spawning with an empty name answers EINVAL', async (t) => {
  const errno = await errnoOf('(import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))',
    '(call $spawn (i32.const 64) (i32.const 0) (i32.const 16))');
  t.is(errno, 28);
});

test('read before any input answers EAGAIN or data, never blocks', async (t) => {
  const errno = await errnoOf('(import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))',
    '(call $read (i32.const 1) (i32.const 100) (i32.const 4) (i32.const 16))');
  t.true(errno === 6 || errno === 0);
});

test('streams input to output through events and read', async (t) => {
  const fn = await watFunction('echo', `(module
    (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
    (memory (export "memory") 2)
    (func (export "_start") (local $n i32)
      (block $eof (loop $more
        (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
        (if (i32.eqz (call $read (i32.const 1) (i32.const 1024) (i32.const 65536) (i32.const 8)))
          (then
            (br_if $eof (i32.eqz (i32.load (i32.const 8))))
            (drop (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 8)) (i32.const 12)))))
        (br $more)))))`);
  const input = Buffer.alloc(300_000, 'abcdefghij');
  const result = await runExec('echo', [fn], input);
  t.is(result.code, 0, result.stderr);
  t.true(result.stdout.equals(input));
});

test('function logs go to stderr tagged with name and address', async (t) => {
  const fn = await watFunction('logger', `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "\\10\\00\\00\\00\\06\\00\\00\\00")
    (data (i32.const 16) "hello\\n")
    (func (export "_start") (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))))`);
  const result = await runExec('logger', [fn]);
  t.is(result.code, 0);
  t.regex(result.stderr, /^\[logger [0-9a-f]{16}\] hello$/m);
});
