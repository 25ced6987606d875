// The master socket's framing (docs/protocol.md): encoding, and a streaming
// decoder that refuses oversized, unknown or truncated frames.
import { FrameError } from '../errors.js';

/** 2: STARTED says when the instance first ran, SPAWN_REQUEST when the guest called spawn;
 * 3: MEMORY_QUERY and MEMORY_SIZE; 4: STARTED also says when SPAWN was read. */
export const PROTOCOL_VERSION = 4;
export const MAX_DATA_BYTES = 1 << 20;
export const MAX_FRAME_BYTES = MAX_DATA_BYTES + 64;
/** Flow control (CREDIT): bytes one peer may have in flight to another that
 * the reader has not credited; readers credit by half windows. */
export const WINDOW_BYTES = 256 * 1024;
export const CREDIT_AFTER_BYTES = WINDOW_BYTES / 2;
/** What a reader may hold of one writer's bytes, uncredited: a window in
 * flight, and the window a blocked writer held back, which goes out whatever
 * the window once the writer ends. More breaks the protocol. */
export const MAX_UNCREDITED_BYTES = 2 * WINDOW_BYTES;

/** Kind 7 is not used (it was an ERROR neither side sent): the numbers on
 * the wire stay as they are. */
export enum FrameKind {
  Hello = 1, Spawn = 2, Started = 3, Data = 4, Close = 5, Exit = 6,
  SpawnRequest = 8, SpawnResult = 9, Log = 10, Kill = 11, PeerExit = 12,
  TemplateHello = 13, Fork = 14, Forked = 15, ChildExit = 16, Credit = 17,
  MemoryQuery = 18, MemorySize = 19,
}

/** MEMORY_SIZE's bytes for an address its runner does not host (it ended meanwhile). */
export const NO_SUCH_INSTANCE = 0xffff_ffff_ffff_ffffn;

export enum ExitReason { Ok = 0, Error = 1, Trap = 2, Timeout = 3, Killed = 4 }

export type Frame =
  | { kind: FrameKind.Hello; version: number; pid: number; function: string }
  | { kind: FrameKind.Spawn; address: bigint; parent: bigint; function: string }
  /** ranAtNs: CLOCK_MONOTONIC ns as the runner switched to the instance for the first time;
   * spawnReadNs: as it read the SPAWN (after its wake-up) */
  | { kind: FrameKind.Started; address: bigint; ranAtNs: number; spawnReadNs: number }
  | { kind: FrameKind.Data; from: bigint; to: bigint; bytes: Uint8Array }
  | { kind: FrameKind.Close; from: bigint; to: bigint }
  | { kind: FrameKind.Exit; address: bigint; reason: ExitReason; code: number }
  /** calledAtNs: CLOCK_MONOTONIC ns as the runner had the guest's spawn call */
  | { kind: FrameKind.SpawnRequest; requester: bigint; request: number; calledAtNs: number; function: string }
  | { kind: FrameKind.SpawnResult; requester: bigint; request: number; errno: number; child: bigint }
  | { kind: FrameKind.Log; address: bigint; fd: number; line: Uint8Array }
  | { kind: FrameKind.Kill; address: bigint; reason: ExitReason }
  | { kind: FrameKind.PeerExit; from: bigint; to: bigint; reason: ExitReason; code: number }
  | { kind: FrameKind.TemplateHello; version: number; pid: number; function: string }
  | { kind: FrameKind.Fork; request: number }
  | { kind: FrameKind.Forked; request: number; pid: number; errno: number }
  | ChildExitFrame
  | { kind: FrameKind.Credit; from: bigint; to: bigint; bytes: number }
  | { kind: FrameKind.MemoryQuery; address: bigint }
  | { kind: FrameKind.MemorySize; address: bigint; bytes: bigint };

/** A template's report of a child it reaped: `code` is -1 when a signal ended it. */
export interface ChildExitFrame {
  kind: FrameKind.ChildExit; pid: number; code: number; signal: number; coreDumped: boolean;
  userCpuMicros: bigint; systemCpuMicros: bigint; maxRssKiB: bigint;
}

export { FrameError };

// One encoder and one decoder per kind, written out rather than driven by a
// table: frames are on every request's path, and objects of one fixed shape
// per kind keep V8's property access monomorphic.

/** Bytes of each kind's fixed fields; `true`: a trailing byte string or text follows. */
const FIXED: Record<FrameKind, [bytes: number, rest: boolean]> = {
  [FrameKind.Hello]: [6, true],
  [FrameKind.Spawn]: [16, true],
  [FrameKind.Started]: [24, false],
  [FrameKind.Data]: [16, true],
  [FrameKind.Close]: [16, false],
  [FrameKind.Exit]: [13, false],
  [FrameKind.SpawnRequest]: [20, true],
  [FrameKind.SpawnResult]: [24, false],
  [FrameKind.Log]: [9, true],
  [FrameKind.Kill]: [9, false],
  [FrameKind.PeerExit]: [21, false],
  [FrameKind.TemplateHello]: [6, true],
  [FrameKind.Fork]: [4, false],
  [FrameKind.Forked]: [12, false],
  [FrameKind.ChildExit]: [34, false],
  [FrameKind.Credit]: [20, false],
  [FrameKind.MemoryQuery]: [8, false],
  [FrameKind.MemorySize]: [16, false],
};

const EMPTY = Buffer.alloc(0);

/** Times (u64 ns of CLOCK_MONOTONIC) as plain numbers, not BigInts: they are
 * on every spawn's path. Exact up to 2^53 ns (104 days of uptime), within a
 * few ns after that. */
const TWO_32 = 2 ** 32;
function getTime(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * TWO_32 + view.getUint32(at, true);
}
function setTime(view: DataView, at: number, ns: number): void {
  view.setUint32(at, ns % TWO_32, true);
  view.setUint32(at + 4, Math.floor(ns / TWO_32), true);
}
const text = (value: string) => Buffer.from(value, 'utf8');

function restOf(frame: Frame): Uint8Array | undefined {
  switch (frame.kind) {
    case FrameKind.Hello: case FrameKind.TemplateHello: case FrameKind.Spawn: case FrameKind.SpawnRequest: return text(frame.function);
    case FrameKind.Data: return frame.bytes;
    case FrameKind.Log: return frame.line;
    default: return undefined;
  }
}

/** Writes the fixed fields, from byte 5 on. */
function writeFields(out: Buffer, view: DataView, frame: Frame): void {
  switch (frame.kind) {
    case FrameKind.Hello: case FrameKind.TemplateHello: out.writeUInt16LE(frame.version, 5); out.writeUInt32LE(frame.pid, 7); return;
    case FrameKind.Spawn: view.setBigUint64(5, frame.address, true); view.setBigUint64(13, frame.parent, true); return;
    case FrameKind.Started: view.setBigUint64(5, frame.address, true); setTime(view, 13, frame.ranAtNs); setTime(view, 21, frame.spawnReadNs); return;
    case FrameKind.MemoryQuery: view.setBigUint64(5, frame.address, true); return;
    case FrameKind.MemorySize: view.setBigUint64(5, frame.address, true); view.setBigUint64(13, frame.bytes, true); return;
    case FrameKind.Data: case FrameKind.Close: view.setBigUint64(5, frame.from, true); view.setBigUint64(13, frame.to, true); return;
    case FrameKind.Credit: view.setBigUint64(5, frame.from, true); view.setBigUint64(13, frame.to, true); out.writeUInt32LE(frame.bytes, 21); return;
    case FrameKind.Exit: view.setBigUint64(5, frame.address, true); out.writeUInt8(frame.reason, 13); out.writeInt32LE(frame.code, 14); return;
    case FrameKind.SpawnRequest: view.setBigUint64(5, frame.requester, true); out.writeUInt32LE(frame.request, 13); setTime(view, 17, frame.calledAtNs); return;
    case FrameKind.SpawnResult:
      view.setBigUint64(5, frame.requester, true); out.writeUInt32LE(frame.request, 13);
      out.writeUInt32LE(frame.errno, 17); view.setBigUint64(21, frame.child, true); return;
    case FrameKind.Log: view.setBigUint64(5, frame.address, true); out.writeUInt8(frame.fd, 13); return;
    case FrameKind.Kill: view.setBigUint64(5, frame.address, true); out.writeUInt8(frame.reason, 13); return;
    case FrameKind.PeerExit:
      view.setBigUint64(5, frame.from, true); view.setBigUint64(13, frame.to, true);
      out.writeUInt8(frame.reason, 21); out.writeInt32LE(frame.code, 22); return;
    case FrameKind.Fork: out.writeUInt32LE(frame.request, 5); return;
    case FrameKind.Forked: out.writeUInt32LE(frame.request, 5); out.writeUInt32LE(frame.pid, 9); out.writeUInt32LE(frame.errno, 13); return;
    case FrameKind.ChildExit:
      out.writeUInt32LE(frame.pid, 5); out.writeInt32LE(frame.code, 9); out.writeUInt8(frame.signal, 13); out.writeUInt8(frame.coreDumped ? 1 : 0, 14);
      view.setBigUint64(15, frame.userCpuMicros, true); view.setBigUint64(23, frame.systemCpuMicros, true); view.setBigUint64(31, frame.maxRssKiB, true); return;
  }
}

export function encodeFrame(frame: Frame): Buffer {
  const fixed = FIXED[frame.kind][0];
  const rest = restOf(frame);
  const length = 1 + fixed + (rest?.length ?? 0);
  if (length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const out = Buffer.allocUnsafe(4 + length);
  out.writeUInt32LE(length, 0);
  out[4] = frame.kind;
  // DataView's 64-bit accessors make no intermediate BigInts (Buffer's do).
  writeFields(out, new DataView(out.buffer, out.byteOffset, out.length), frame);
  if (rest) out.set(rest, 5 + fixed);
  return out;
}

/** Decodes one frame's kind and body (`at`: where its fields start in `b`, `end`: where it ends). */
function decodeFrame(kind: number, b: Buffer, view: DataView, at: number, end: number): Frame {
  const shape = FIXED[kind as FrameKind];
  if (!shape) throw new FrameError(`unknown frame kind ${kind}`);
  const [fixed, hasRest] = shape;
  const size = end - at;
  if (size < fixed || (!hasRest && size !== fixed)) {
    throw new FrameError(`frame kind ${FrameKind[kind]} has ${size} bytes of fields, expected ${hasRest ? 'at least ' : ''}${fixed}`);
  }
  switch (kind as FrameKind) {
    case FrameKind.Hello: return { kind: FrameKind.Hello, version: b.readUInt16LE(at), pid: b.readUInt32LE(at + 2), function: b.toString('utf8', at + fixed, end) };
    case FrameKind.Spawn: return { kind: FrameKind.Spawn, address: view.getBigUint64(at, true), parent: view.getBigUint64(at + 8, true), function: b.toString('utf8', at + fixed, end) };
    case FrameKind.Started: return { kind: FrameKind.Started, address: view.getBigUint64(at, true), ranAtNs: getTime(view, at + 8), spawnReadNs: getTime(view, at + 16) };
    case FrameKind.Data: return { kind: FrameKind.Data, from: view.getBigUint64(at, true), to: view.getBigUint64(at + 8, true), bytes: b.subarray(at + fixed, end) };
    case FrameKind.Close: return { kind: FrameKind.Close, from: view.getBigUint64(at, true), to: view.getBigUint64(at + 8, true) };
    case FrameKind.Exit: return { kind: FrameKind.Exit, address: view.getBigUint64(at, true), reason: b[at + 8]!, code: b.readInt32LE(at + 9) };
    case FrameKind.SpawnRequest:
      return { kind: FrameKind.SpawnRequest, requester: view.getBigUint64(at, true), request: b.readUInt32LE(at + 8), calledAtNs: getTime(view, at + 12), function: b.toString('utf8', at + fixed, end) };
    case FrameKind.SpawnResult:
      return { kind: FrameKind.SpawnResult, requester: view.getBigUint64(at, true), request: b.readUInt32LE(at + 8), errno: b.readUInt32LE(at + 12), child: view.getBigUint64(at + 16, true) };
    case FrameKind.Log: return { kind: FrameKind.Log, address: view.getBigUint64(at, true), fd: b[at + 8]!, line: b.subarray(at + fixed, end) };
    case FrameKind.Kill: return { kind: FrameKind.Kill, address: view.getBigUint64(at, true), reason: b[at + 8]! };
    case FrameKind.PeerExit: return { kind: FrameKind.PeerExit, from: view.getBigUint64(at, true), to: view.getBigUint64(at + 8, true), reason: b[at + 16]!, code: b.readInt32LE(at + 17) };
    case FrameKind.TemplateHello: return { kind: FrameKind.TemplateHello, version: b.readUInt16LE(at), pid: b.readUInt32LE(at + 2), function: b.toString('utf8', at + fixed, end) };
    case FrameKind.Fork: return { kind: FrameKind.Fork, request: b.readUInt32LE(at) };
    case FrameKind.Forked: return { kind: FrameKind.Forked, request: b.readUInt32LE(at), pid: b.readUInt32LE(at + 4), errno: b.readUInt32LE(at + 8) };
    case FrameKind.Credit: return { kind: FrameKind.Credit, from: view.getBigUint64(at, true), to: view.getBigUint64(at + 8, true), bytes: b.readUInt32LE(at + 16) };
    case FrameKind.MemoryQuery: return { kind: FrameKind.MemoryQuery, address: view.getBigUint64(at, true) };
    case FrameKind.MemorySize: return { kind: FrameKind.MemorySize, address: view.getBigUint64(at, true), bytes: view.getBigUint64(at + 8, true) };
    case FrameKind.ChildExit:
      return {
        kind: FrameKind.ChildExit, pid: b.readUInt32LE(at), code: b.readInt32LE(at + 4), signal: b[at + 8]!, coreDumped: b[at + 9] !== 0,
        userCpuMicros: view.getBigUint64(at + 10, true), systemCpuMicros: view.getBigUint64(at + 18, true), maxRssKiB: view.getBigUint64(at + 26, true),
      };
  }
}

/** Splits a byte stream into frames; throws FrameError on the first bad one. */
export class FrameDecoder {
  private pending: Buffer = EMPTY;

  /** Bytes of a frame begun and not yet complete: a stream that ends now was cut short. */
  get partialBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): Frame[] {
    const bytes = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let at = 0;
    while (bytes.length - at >= 4) {
      const length = bytes.readUInt32LE(at);
      if (length === 0 || length > MAX_FRAME_BYTES) throw new FrameError(`frame length ${length} is out of range (1..${MAX_FRAME_BYTES})`);
      if (bytes.length - at < 4 + length) break;
      frames.push(decodeFrame(bytes[at + 4]!, bytes, view, at + 5, at + 4 + length));
      at += 4 + length;
    }
    this.pending = at === bytes.length ? EMPTY : bytes.subarray(at);
    return frames;
  }
}
