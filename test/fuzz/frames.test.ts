// Property-based tests of the master socket's frame codec (docs/protocol.md):
// every frame decodes to itself however its bytes are cut, and no byte string
// makes the decoder do anything but return frames or throw a FrameError.
import test from 'ava';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, FrameError, FrameKind, MAX_DATA_BYTES, MAX_FRAME_BYTES, type Frame } from '../../src/master/frames.js';
import { budget, cut } from './budget.js';

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
/** times: exact up to 2^53 ns (frames.ts) */
const ns = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const name = fc.string({ unit: 'grapheme', maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b));

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ kind: fc.constant(FrameKind.Hello), version: u16, pid: u32, function: name }),
  fc.record({ kind: fc.constant(FrameKind.TemplateHello), version: u16, pid: u32, function: name }),
  fc.record({ kind: fc.constant(FrameKind.Spawn), address: u64, parent: u64, function: name }),
  fc.record({ kind: fc.constant(FrameKind.Started), address: u64, ranAtNs: ns, spawnReadNs: ns }),
  fc.record({ kind: fc.constant(FrameKind.Data), from: u64, to: u64, bytes }),
  fc.record({ kind: fc.constant(FrameKind.Close), from: u64, to: u64 }),
  fc.record({ kind: fc.constant(FrameKind.Exit), address: u64, reason: u8, code: i32 }),
  fc.record({ kind: fc.constant(FrameKind.SpawnRequest), requester: u64, request: u32, calledAtNs: ns, function: name }),
  fc.record({ kind: fc.constant(FrameKind.SpawnResult), requester: u64, request: u32, errno: u32, child: u64 }),
  fc.record({ kind: fc.constant(FrameKind.Log), address: u64, fd: u8, line: bytes }),
  fc.record({ kind: fc.constant(FrameKind.Kill), address: u64, reason: u8 }),
  fc.record({ kind: fc.constant(FrameKind.PeerExit), from: u64, to: u64, reason: u8, code: i32 }),
  fc.record({ kind: fc.constant(FrameKind.Fork), request: u32 }),
  fc.record({ kind: fc.constant(FrameKind.Forked), request: u32, pid: u32, errno: u32 }),
  fc.record({ kind: fc.constant(FrameKind.ChildExit), pid: u32, code: i32, signal: u8, coreDumped: fc.boolean(), userCpuMicros: u64, systemCpuMicros: u64, maxRssKiB: u64 }),
  fc.record({ kind: fc.constant(FrameKind.Credit), from: u64, to: u64, bytes: u32 }),
  fc.record({ kind: fc.constant(FrameKind.MemoryQuery), address: u64 }),
  fc.record({ kind: fc.constant(FrameKind.MemorySize), address: u64, bytes: u64 }),
) as fc.Arbitrary<Frame>;

/** A frame as plain data: byte strings as Buffers, whatever the decoder hands back. */
const plain = (f: Frame) => JSON.parse(JSON.stringify(f, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));

function decodeAll(pieces: Buffer[]): Frame[] {
  const decoder = new FrameDecoder();
  return pieces.flatMap((p) => decoder.push(p));
}

test('every frame decodes to itself, however the stream is cut', (t) => {
  fc.assert(fc.property(fc.array(frame, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, points) => {
    const stream = Buffer.concat(frames.map(encodeFrame));
    assert.deepEqual(decodeAll(cut(stream, points)).map(plain), frames.map(plain));
  }), budget());
  t.pass();
});

test('a DATA frame of the largest payload decodes; one byte more is refused by the encoder', (t) => {
  const largest: Frame = { kind: FrameKind.Data, from: 1n, to: 2n, bytes: Buffer.alloc(MAX_DATA_BYTES, 7) };
  t.is((decodeAll([encodeFrame(largest)])[0] as Extract<Frame, { kind: FrameKind.Data }>).bytes.length, MAX_DATA_BYTES);
  t.throws(() => encodeFrame({ ...largest, bytes: Buffer.alloc(MAX_DATA_BYTES + 64) }), { instanceOf: FrameError });
});

/** What a decoder makes of a stream: the frames up to the first bad one, and whether there was one. */
function outcome(pieces: Buffer[]): { frames: unknown[]; refused: boolean } {
  const decoder = new FrameDecoder();
  const frames: unknown[] = [];
  for (const p of pieces) {
    try {
      frames.push(...decoder.push(p).map(plain));
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      return { frames, refused: true };
    }
  }
  return { frames, refused: false };
}

/** The stream cut at its frames' ends, as their length fields say (up to the first out of range). */
function framesOf(bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let at = 0;
  while (bytes.length - at >= 4) {
    const length = bytes.readUInt32LE(at);
    if (length === 0 || length > MAX_FRAME_BYTES) break;
    pieces.push(bytes.subarray(at, Math.min(bytes.length, at + 4 + length)));
    at += 4 + length;
  }
  if (at < bytes.length) pieces.push(bytes.subarray(at));
  return pieces;
}

test('any bytes decode to frames or a FrameError, never anything else, and the same however they are cut', (t) => {
  // Random bytes, and valid streams with bytes flipped: the second reach past the length checks.
  const mutated = fc.tuple(fc.array(frame, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), u8), { minLength: 1, maxLength: 4 })).map(([frames, flips]) => {
    const stream = Buffer.concat(frames.map(encodeFrame));
    for (const [at, value] of flips) stream[at % stream.length] = value;
    return stream;
  });
  const stream = fc.oneof(fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)), mutated);
  fc.assert(fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (bytes, points) => {
    const byFrame = outcome(framesOf(bytes));
    const whole = outcome([bytes]);
    const pieces = outcome(cut(bytes, points));
    assert.equal(whole.refused, byFrame.refused);
    assert.equal(pieces.refused, byFrame.refused);
    // What a push decoded before a bad frame is lost with it: a prefix of the frames before it.
    for (const o of [whole, pieces]) assert.deepEqual(o.frames, byFrame.frames.slice(0, o.frames.length));
    if (!byFrame.refused) assert.deepEqual(pieces.frames, byFrame.frames);
  }), budget());
  t.pass();
});
