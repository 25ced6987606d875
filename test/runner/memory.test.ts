// A reused memory reads as zero to its next instance, even where the last
// instance's pages were swapped out meanwhile (docs/loader.md, memory reuse).
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ExitReason, FrameKind } from '../../src/master/frames.js';
import { packageRoot } from '../../src/paths.js';
import { startFakeMaster } from '../helpers/fake-master.js';
import { testCache, watFunction } from '../helpers/objects.js';

const run = promisify(execFile);
const ZSWAP = '/sys/module/zswap/parameters/enabled';

/** Swap for the length of a test: a swap file, and zswap, which stores a page
 * at once so that MADV_PAGEOUT frees it (a page written to a swap device
 * stays in the swap cache a while, and mincore counts it resident). */
async function withSwap(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'embly-swap-'));
  const file = join(dir, 'swap');
  await writeFile(file, Buffer.alloc(32 << 20), { mode: 0o600 });
  await run('mkswap', [file]);
  await run('swapon', [file]);
  const zswap = (await readFile(ZSWAP, 'utf8')).trim();
  await writeFile(ZSWAP, 'Y');
  return async () => {
    await writeFile(ZSWAP, zswap);
    await run('swapoff', [file]);
    await rm(dir, { recursive: true });
  };
}

async function pageoutTool(): Promise<string> {
  const dir = join(testCache, 'runner');
  await mkdir(dir, { recursive: true });
  const tool = join(dir, `pageout-${process.pid}`);
  await run('cc', ['-O2', '-o', tool, join(packageRoot, 'test', 'runner', 'fixtures', 'pageout.c')]);
  return tool;
}

/** Input "w": fills its second wasm page with 0x5a, says "ready", waits for
 * EOF. Any other input: answers its second page as it finds it. */
const SECRET = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 64) "ready")
  (func $wait (param $len i32)
    (loop $more
      (drop (call $events (i64.const -1) (i32.const 16) (i32.const 4) (i32.const 32)))
      (br_if $more (call $read (i32.const 1) (i32.const 1024) (local.get $len) (i32.const 8)))))
  (func (export "_start")
    (call $wait (i32.const 1))
    (if (i32.eq (i32.load8_u (i32.const 1024)) (i32.const 119))
      (then
        (memory.fill (i32.const 65536) (i32.const 0x5a) (i32.const 65536))
        (drop (call $write (i32.const 1) (i32.const 64) (i32.const 5) (i32.const 8)))
        (block $eof (loop $more
          (call $wait (i32.const 4096))
          (br_if $eof (i32.eqz (i32.load (i32.const 8))))
          (br $more))))
      (else (drop (call $write (i32.const 1) (i32.const 65536) (i32.const 65536) (i32.const 8)))))))`;

test('a page an instance wrote that was swapped out before it ended reads as zero in the next instance', async (t) => {
  const tool = await pageoutTool();
  t.teardown(() => rm(tool, { force: true }));
  t.teardown(await withSwap());
  const m = await startFakeMaster(await watFunction('secret', SECRET, { sandbox: true }));
  t.teardown(() => m.stop());
  const parent = 0x1111n;
  const [writer, reader] = [0x2222n, 0x3333n];
  m.send({ kind: FrameKind.Spawn, address: writer, parent, function: 'secret' },
    { kind: FrameKind.Data, from: parent, to: writer, bytes: Buffer.from('w') });
  await m.next(FrameKind.Data, (f) => f.from === writer);
  // The writer is alive, its secret in memory: push the runner's memory out.
  const swapped = Number((await run(tool, [String(m.runner.pid)])).stdout);
  t.true(swapped >= 16, `the secret's 16 pages are swapped out (${swapped} pages of the runner are)`);
  m.send({ kind: FrameKind.Close, from: parent, to: writer });
  t.is((await m.next(FrameKind.Exit, (f) => f.address === writer)).reason, ExitReason.Ok);
  m.send({ kind: FrameKind.Spawn, address: reader, parent, function: 'secret' },
    { kind: FrameKind.Data, from: parent, to: reader, bytes: Buffer.from('r') });
  t.is((await m.next(FrameKind.Exit, (f) => f.address === reader)).reason, ExitReason.Ok, m.stderr());
  const seen = Buffer.concat(m.frames.flatMap((f) => (f.kind === FrameKind.Data && f.from === reader ? [f.bytes] : [])));
  t.is(seen.length, 65536);
  t.is(seen.filter((b) => b !== 0).length, 0, 'no byte of the last instance\'s memory');
});
