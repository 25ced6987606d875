// Finding where a message body ends in a stream of raw bytes, without
// decoding it: the gateway forwards bodies exactly as they were sent (chunked
// stays chunked), but it must know where one message ends and the next
// begins, and refuse chunk framing two parsers could read differently.

import { HttpSyntaxError, type Framing } from './head.js';

const MAX_CHUNK_SIZE_DIGITS = 12;
const MAX_CHUNK_LINE = 4096;

const CR = 0x0d;
const LF = 0x0a;

/** Told where a body's content lies in the bytes scanned: bytes[from, to),
 * framing left out (what a chunked body's chunks carry). */
export type ContentSink = (bytes: Uint8Array, from: number, to: number) => void;

const enum Chunk {
  Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerStart, TrailerLine, TrailerLf, FinalLf, Done,
}

function isHexDigit(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66);
}

function hexValue(byte: number): number {
  return byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x61 + 10;
}

/** Walks a chunked body: each `scan` says how many bytes of its input belong to the body. */
class ChunkedScanner {
  private state = Chunk.Size;
  private digits = 0;
  private left = 0;
  private lineBytes = 0;
  private trailerBytes = 0;

  constructor(private readonly maxTrailerBytes: number) {}

  get done(): boolean {
    return this.state === Chunk.Done;
  }

  scan(bytes: Uint8Array, from: number, content?: ContentSink): number {
    let at = from;
    while (at < bytes.length && this.state !== Chunk.Done) {
      if (this.state === Chunk.Data) {
        const take = Math.min(this.left, bytes.length - at);
        this.left -= take;
        if (content && take > 0) content(bytes, at, at + take);
        at += take;
        if (this.left === 0) this.state = Chunk.DataCr;
      } else {
        this.step(bytes[at]!);
        at++;
      }
    }
    return at - from;
  }

  private step(byte: number): void {
    switch (this.state) {
      case Chunk.Size: return this.sizeByte(byte);
      case Chunk.Extension: return this.extensionByte(byte);
      case Chunk.SizeLf: return this.expectLf(byte, this.left === 0 ? Chunk.TrailerStart : Chunk.Data);
      case Chunk.DataCr: return this.expect(byte, CR, Chunk.DataLf, 'chunk data not followed by CRLF');
      case Chunk.DataLf: return this.expectLf(byte, Chunk.Size);
      case Chunk.TrailerStart: return this.trailerStart(byte);
      case Chunk.TrailerLine: return this.trailerByte(byte);
      case Chunk.TrailerLf: return this.expectLf(byte, Chunk.TrailerStart);
      case Chunk.FinalLf: return this.expectLf(byte, Chunk.Done);
      default:
    }
  }

  private sizeByte(byte: number): void {
    if (isHexDigit(byte)) {
      if (++this.digits > MAX_CHUNK_SIZE_DIGITS) throw new HttpSyntaxError('chunk size too large');
      this.left = this.left * 16 + hexValue(byte);
      return;
    }
    if (this.digits === 0) throw new HttpSyntaxError('malformed chunk size');
    if (byte === CR) this.state = Chunk.SizeLf;
    else if (byte === 0x3b || byte === 0x20 || byte === 0x09) this.enterLine(Chunk.Extension);
    else throw new HttpSyntaxError('malformed chunk size');
  }

  private extensionByte(byte: number): void {
    if (byte === CR) this.state = Chunk.SizeLf;
    else this.lineByte(byte);
  }

  private trailerStart(byte: number): void {
    if (byte === CR) {
      this.state = Chunk.FinalLf;
      return;
    }
    this.enterLine(Chunk.TrailerLine);
    this.lineByte(byte);
  }

  private trailerByte(byte: number): void {
    if (byte === CR) this.state = Chunk.TrailerLf;
    else this.lineByte(byte);
    if (++this.trailerBytes > this.maxTrailerBytes) throw new HttpSyntaxError('trailer section too large', 431);
  }

  private enterLine(state: Chunk): void {
    this.state = state;
    this.lineBytes = 0;
  }

  /** A byte of a chunk extension or a trailer line: text, bounded. */
  private lineByte(byte: number): void {
    if (byte === LF || (byte < 0x20 && byte !== 0x09) || byte === 0x7f) throw new HttpSyntaxError('control character in a chunk line');
    if (++this.lineBytes > MAX_CHUNK_LINE) throw new HttpSyntaxError('chunk line too long');
  }

  private expectLf(byte: number, next: Chunk): void {
    if (this.state === Chunk.SizeLf) this.digits = 0;
    this.expect(byte, LF, next, 'CR not followed by LF');
  }

  private expect(byte: number, wanted: number, next: Chunk, why: string): void {
    if (byte !== wanted) throw new HttpSyntaxError(why);
    this.state = next;
  }
}

/** Where one body ends, for any framing. */
export class BodyScanner {
  private left: number;
  private readonly chunked?: ChunkedScanner;

  constructor(private readonly framing: Framing, maxTrailerBytes: number) {
    this.left = framing.kind === 'length' ? framing.length : 0;
    if (framing.kind === 'chunked') this.chunked = new ChunkedScanner(maxTrailerBytes);
  }

  get done(): boolean {
    switch (this.framing.kind) {
      case 'none': return true;
      case 'length': return this.left === 0;
      case 'chunked': return this.chunked!.done;
      default: return false;
    }
  }

  /** The body runs until the sender closes. */
  get endsAtClose(): boolean {
    return this.framing.kind === 'until-close';
  }

  /** How many bytes of `bytes`, from `from`, belong to this body; `content`
   * hears where its content is. */
  scan(bytes: Uint8Array, from: number, content?: ContentSink): number {
    switch (this.framing.kind) {
      case 'length': {
        const take = Math.min(this.left, bytes.length - from);
        this.left -= take;
        if (content && take > 0) content(bytes, from, from + take);
        return take;
      }
      case 'chunked': return this.chunked!.scan(bytes, from, content);
      case 'until-close': {
        if (content && bytes.length > from) content(bytes, from, bytes.length);
        return bytes.length - from;
      }
      default: return 0;
    }
  }
}
