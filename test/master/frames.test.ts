import test from 'ava';
import { encodeFrame, ExitReason, FrameDecoder, FrameError, FrameKind, MAX_FRAME_BYTES, type Frame } from '../../src/master/frames.js';

const FRAMES: Frame[] = [
  { kind: FrameKind.Hello, version: 2, pid: 4242, function: 'hello-rust' },
  { kind: FrameKind.Spawn, address: 0xfeedfacecafebeefn, parent: 7n, function: 'fanout' },
  { kind: FrameKind.Started, address: 1n, ranAtNs: 9_191_957_406_655_999, spawnReadNs: 9_191_957_406_600_000 },
  { kind: FrameKind.Data, from: 1n, to: 2n, bytes: Uint8Array.from([0, 1, 2, 255]) },
  { kind: FrameKind.Close, from: 2n, to: 1n },
  { kind: FrameKind.Exit, address: 9n, reason: ExitReason.Trap, code: 1 },
  { kind: FrameKind.SpawnRequest, requester: 3n, request: 17, calledAtNs: 2 ** 32 + 5, function: 'child' },
  { kind: FrameKind.SpawnResult, requester: 3n, request: 17, errno: 0, child: 0xffffffffffffffffn },
  { kind: FrameKind.Log, address: 3n, fd: 2, line: Uint8Array.from(Buffer.from('oops')) },
  { kind: FrameKind.Kill, address: 3n, reason: ExitReason.Timeout },
  { kind: FrameKind.PeerExit, from: 3n, to: 4n, reason: ExitReason.Killed, code: -1 },
  { kind: FrameKind.TemplateHello, version: 2, pid: 77, function: 'stamp-process' },
  { kind: FrameKind.Fork, request: 5 },
  { kind: FrameKind.Forked, request: 5, pid: 4243, errno: 0 },
  { kind: FrameKind.ChildExit, pid: 4243, code: -1, signal: 31, coreDumped: false, userCpuMicros: 120n, systemCpuMicros: 340n, maxRssKiB: 2048n },
  { kind: FrameKind.Credit, from: 2n, to: 1n, bytes: 131072 },
  { kind: FrameKind.MemoryQuery, address: 0xfeedfacecafebeefn },
  { kind: FrameKind.MemorySize, address: 0xfeedfacecafebeefn, bytes: 3n << 16n },
];

/** Byte strings decode as Buffer views (no copy): compare them as plain bytes. */
const plain = (frames: Frame[]) => frames.map((f) => Object.fromEntries(
  Object.entries(f).map(([k, v]) => [k, v instanceof Uint8Array ? [...v] : v])));

test('every kind round-trips, also when split byte by byte', (t) => {
  const stream = Buffer.concat(FRAMES.map(encodeFrame));
  t.deepEqual(plain(new FrameDecoder().push(stream)), plain(FRAMES));
  const decoder = new FrameDecoder();
  const decoded = [...stream].flatMap((byte) => decoder.push(Buffer.from([byte])));
  t.deepEqual(plain(decoded), plain(FRAMES));
});

test('the layout is little-endian length, kind, fields', (t) => {
  const bytes = encodeFrame({ kind: FrameKind.Close, from: 1n, to: 2n });
  t.deepEqual([...bytes], [17, 0, 0, 0, 5, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
});

test('a STARTED is the address, then the u64 CLOCK_MONOTONIC ns it first ran at, then the ns its SPAWN was read at', (t) => {
  const bytes = encodeFrame({ kind: FrameKind.Started, address: 0x0102n, ranAtNs: 0x0000_0a0b_0c0d_0e0f, spawnReadNs: 0x0000_0a0b_0c0d_0e00 });
  t.deepEqual([...bytes], [25, 0, 0, 0, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0, 0, 0x00, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0, 0]);
});

test('a SPAWN_REQUEST is requester, request id, the u64 ns the guest called spawn at, then the name', (t) => {
  const bytes = encodeFrame({ kind: FrameKind.SpawnRequest, requester: 7n, request: 3, calledAtNs: 2 ** 40 + 1, function: 'ab' });
  t.deepEqual([...bytes], [23, 0, 0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0x61, 0x62]);
});

test('a CREDIT is from, to, then the u32 count of bytes read', (t) => {
  const bytes = encodeFrame({ kind: FrameKind.Credit, from: 1n, to: 2n, bytes: 0x20000 });
  t.deepEqual([...bytes], [21, 0, 0, 0, 17, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0]);
});

test('a CHILD_EXIT is pid, code, signal, core, then three u64s', (t) => {
  const bytes = encodeFrame({ kind: FrameKind.ChildExit, pid: 2, code: 0, signal: 9, coreDumped: true, userCpuMicros: 3n, systemCpuMicros: 4n, maxRssKiB: 5n });
  t.deepEqual([...bytes.subarray(0, 15)], [35, 0, 0, 0, 16, 2, 0, 0, 0, 0, 0, 0, 0, 9, 1]);
  t.deepEqual([bytes[15], bytes[23], bytes[31], bytes.length], [3, 4, 5, 39]);
});

test('a MEMORY_SIZE is the address, then the u64 bytes of its linear memory', (t) => {
  const bytes = encodeFrame({ kind: FrameKind.MemorySize, address: 1n, bytes: 0x30000n });
  t.deepEqual([...bytes], [17, 0, 0, 0, 19, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0]);
});

test('refuses an oversized length before buffering it', (t) => {
  const header = Buffer.alloc(5);
  header.writeUInt32LE(MAX_FRAME_BYTES + 1, 0);
  t.throws(() => new FrameDecoder().push(header), { instanceOf: FrameError, message: /out of range/ });
});

test('refuses a zero length, an unknown kind and truncated fields', (t) => {
  t.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0])), { instanceOf: FrameError });
  t.throws(() => new FrameDecoder().push(Buffer.from([1, 0, 0, 0, 99])), { message: 'unknown frame kind 99' });
  t.throws(() => new FrameDecoder().push(Buffer.from([5, 0, 0, 0, 7, 0, 0, 0, 0])), { message: 'unknown frame kind 7' }, 'kind 7 is not used');
  t.throws(() => new FrameDecoder().push(Buffer.from([3, 0, 0, 0, 3, 1, 2])), { message: /has 2 bytes of fields, expected 24/ });
  t.throws(() => new FrameDecoder().push(Buffer.from([10, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9])), { message: /expected 24/ }, 'a STARTED of protocol 1, without its times');
  t.throws(() => new FrameDecoder().push(Buffer.from([17, 0, 0, 0, 3, ...new Array<number>(16).fill(1)])), { message: /expected 24/ }, 'a STARTED of protocol 3, without its read time');
});
