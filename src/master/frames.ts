// The master socket's framing (docs/protocol.md): encoding, and a streaming
// decoder that refuses oversized, unknown or truncated frames.

export const PROTOCOL_VERSION = 1;
export const MAX_DATA_BYTES = 1 << 20;
export const MAX_FRAME_BYTES = MAX_DATA_BYTES + 64;

export enum FrameKind {
  Hello = 1, Spawn = 2, Started = 3, Data = 4, Close = 5, Exit = 6, Error = 7,
  SpawnRequest = 8, SpawnResult = 9, Log = 10, Kill = 11, PeerExit = 12,
}

export enum ExitReason { Ok = 0, Error = 1, Trap = 2, Timeout = 3, Killed = 4 }

export type Frame =
  | { kind: FrameKind.Hello; version: number; pid: number; function: string }
  | { kind: FrameKind.Spawn; address: bigint; parent: bigint; function: string }
  | { kind: FrameKind.Started; address: bigint }
  | { kind: FrameKind.Data; from: bigint; to: bigint; bytes: Uint8Array }
  | { kind: FrameKind.Close; from: bigint; to: bigint }
  | { kind: FrameKind.Exit; address: bigint; reason: ExitReason; code: number }
  | { kind: FrameKind.Error; code: number; message: string }
  | { kind: FrameKind.SpawnRequest; requester: bigint; request: number; function: string }
  | { kind: FrameKind.SpawnResult; requester: bigint; request: number; errno: number; child: bigint }
  | { kind: FrameKind.Log; address: bigint; fd: number; line: Uint8Array }
  | { kind: FrameKind.Kill; address: bigint; reason: ExitReason }
  | { kind: FrameKind.PeerExit; from: bigint; to: bigint; reason: ExitReason; code: number };

export class FrameError extends Error {
  readonly code = 'EMBLY_BAD_FRAME';
}

/** Field layouts: fixed fields in order, then an optional trailing rest. */
type Field = ['u8' | 'u16' | 'u32' | 'i32' | 'u64', string];
interface Layout { fields: Field[]; rest?: [string, 'text' | 'bytes']; }

const LAYOUTS: Record<FrameKind, Layout> = {
  [FrameKind.Hello]: { fields: [['u16', 'version'], ['u32', 'pid']], rest: ['function', 'text'] },
  [FrameKind.Spawn]: { fields: [['u64', 'address'], ['u64', 'parent']], rest: ['function', 'text'] },
  [FrameKind.Started]: { fields: [['u64', 'address']] },
  [FrameKind.Data]: { fields: [['u64', 'from'], ['u64', 'to']], rest: ['bytes', 'bytes'] },
  [FrameKind.Close]: { fields: [['u64', 'from'], ['u64', 'to']] },
  [FrameKind.Exit]: { fields: [['u64', 'address'], ['u8', 'reason'], ['i32', 'code']] },
  [FrameKind.Error]: { fields: [['u32', 'code']], rest: ['message', 'text'] },
  [FrameKind.SpawnRequest]: { fields: [['u64', 'requester'], ['u32', 'request']], rest: ['function', 'text'] },
  [FrameKind.SpawnResult]: { fields: [['u64', 'requester'], ['u32', 'request'], ['u32', 'errno'], ['u64', 'child']] },
  [FrameKind.Log]: { fields: [['u64', 'address'], ['u8', 'fd']], rest: ['line', 'bytes'] },
  [FrameKind.Kill]: { fields: [['u64', 'address'], ['u8', 'reason']] },
  [FrameKind.PeerExit]: { fields: [['u64', 'from'], ['u64', 'to'], ['u8', 'reason'], ['i32', 'code']] },
};

const SIZES = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8 } as const;

function restBytes(frame: Record<string, unknown>, layout: Layout): Uint8Array {
  if (!layout.rest) return new Uint8Array(0);
  const value = frame[layout.rest[0]];
  return layout.rest[1] === 'text' ? Buffer.from(value as string, 'utf8') : (value as Uint8Array);
}

export function encodeFrame(frame: Frame): Buffer {
  const layout = LAYOUTS[frame.kind];
  const record = frame as unknown as Record<string, unknown>;
  const rest = restBytes(record, layout);
  const fixed = layout.fields.reduce((n, [type]) => n + SIZES[type], 0);
  const length = 1 + fixed + rest.length;
  if (length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const out = Buffer.allocUnsafe(4 + length);
  out.writeUInt32LE(length, 0);
  out.writeUInt8(frame.kind, 4);
  let at = 5;
  for (const [type, name] of layout.fields) {
    const value = record[name];
    if (type === 'u8') out.writeUInt8(value as number, at);
    else if (type === 'u16') out.writeUInt16LE(value as number, at);
    else if (type === 'u32') out.writeUInt32LE(value as number, at);
    else if (type === 'i32') out.writeInt32LE(value as number, at);
    else out.writeBigUInt64LE(value as bigint, at);
    at += SIZES[type];
  }
  out.set(rest, at);
  return out;
}

function decodeBody(kind: number, body: Buffer): Frame {
  const layout = LAYOUTS[kind as FrameKind];
  if (!layout) throw new FrameError(`unknown frame kind ${kind}`);
  const fixed = layout.fields.reduce((n, [type]) => n + SIZES[type], 0);
  if (body.length < fixed || (!layout.rest && body.length !== fixed)) {
    throw new FrameError(`frame kind ${FrameKind[kind]} has ${body.length} bytes of fields, expected ${layout.rest ? 'at least ' : ''}${fixed}`);
  }
  const frame: Record<string, unknown> = { kind };
  let at = 0;
  for (const [type, name] of layout.fields) {
    if (type === 'u8') frame[name] = body.readUInt8(at);
    else if (type === 'u16') frame[name] = body.readUInt16LE(at);
    else if (type === 'u32') frame[name] = body.readUInt32LE(at);
    else if (type === 'i32') frame[name] = body.readInt32LE(at);
    else frame[name] = body.readBigUInt64LE(at);
    at += SIZES[type];
  }
  if (layout.rest) {
    const rest = body.subarray(at);
    frame[layout.rest[0]] = layout.rest[1] === 'text' ? rest.toString('utf8') : rest;
  }
  return frame as unknown as Frame;
}

/** Splits a byte stream into frames; throws FrameError on the first bad one. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32LE(0);
      if (length === 0 || length > MAX_FRAME_BYTES) throw new FrameError(`frame length ${length} is out of range (1..${MAX_FRAME_BYTES})`);
      if (this.pending.length < 4 + length) break;
      frames.push(decodeBody(this.pending.readUInt8(4), this.pending.subarray(5, 4 + length)));
      this.pending = this.pending.subarray(4 + length);
    }
    return frames;
  }
}
