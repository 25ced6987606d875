// An incremental reader of one HTTP/1.1 message in a byte stream: it finds the
// head, checks it, then tells the raw bytes of the body as they come and
// where the message ends. It never copies a body; the bytes it hands on are
// slices of what it was given.

import { BodyScanner, type ContentSink } from './body.js';
import { HttpSyntaxError, type Framing } from './head.js';

export interface MessageEvents<H> {
  /** The head, and its raw bytes (final CRLF CRLF included). */
  head(head: H, framing: Framing, raw: Buffer): void;
  /** The body's raw bytes, framing (chunk lines) included. */
  body(raw: Buffer): void;
  /** The body's content, as it comes: chunked framing taken out (for those
   * that pass a body on decoded, as the embly/http special function does). */
  content?(bytes: Buffer): void;
  end(): void;
}

export interface ReaderLimits {
  maxHeadBytes: number;
  /** what a too large head is answered with (431 for requests) */
  headTooLargeStatus: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CR = 0x0d;
const LF = 0x0a;

/** A CR not followed by LF, or an LF not preceded by CR, from `from` on
 * (a CR that is the last byte may yet be followed by its LF). */
function bareLineEnd(bytes: Buffer, from: number): 'CR' | 'LF' | undefined {
  for (let at = bytes.indexOf(LF, from); at >= 0; at = bytes.indexOf(LF, at + 1)) if (at === 0 || bytes[at - 1] !== CR) return 'LF';
  for (let at = bytes.indexOf(CR, Math.max(0, from - 1)); at >= 0 && at + 1 < bytes.length; at = bytes.indexOf(CR, at + 1)) if (bytes[at + 1] !== LF) return 'CR';
  return undefined;
}

export class MessageReader<H> {
  private headBytes: Buffer | null = null;
  private searchFrom = 0;
  private body: BodyScanner | null = null;
  private ended = false;
  private readonly content: ContentSink | undefined;

  constructor(
    private readonly parseHead: (text: string) => { head: H; framing: Framing },
    private readonly limits: ReaderLimits,
    private readonly events: MessageEvents<H>,
  ) {
    const { content } = events;
    if (content) this.content = (bytes, from, to) => content.call(events, (bytes as Buffer).subarray(from, to));
  }

  get inHead(): boolean {
    return this.body === null && !this.ended;
  }

  /** Some bytes of a head have arrived but not all of it. */
  get partialHead(): boolean {
    return this.inHead && this.headBytes !== null;
  }

  get complete(): boolean {
    return this.ended;
  }

  /** Ready for the next message on the same stream. */
  reset(): void {
    this.headBytes = null;
    this.searchFrom = 0;
    this.body = null;
    this.ended = false;
  }

  /** Feeds bytes; returns how many belong to this message (the rest are the
   * next one's). Throws HttpSyntaxError on a malformed message. */
  push(bytes: Buffer): number {
    let used = 0;
    if (this.inHead) {
      used = this.readHead(bytes);
      if (this.inHead) return used;
    }
    if (this.ended) return used;
    const taken = this.body!.scan(bytes, used, this.content);
    if (taken > 0) this.events.body(used === 0 && taken === bytes.length ? bytes : bytes.subarray(used, used + taken));
    if (this.body!.done) this.finish();
    return used + taken;
  }

  /** The sender closed: true if that completes a body framed by the close. */
  finish(): boolean {
    if (this.ended) return true;
    if (!this.body || (!this.body.done && !this.body.endsAtClose)) return false;
    this.ended = true;
    this.events.end();
    return true;
  }

  /** Consumes head bytes; returns how many of `bytes` it took. */
  private readHead(bytes: Buffer): number {
    let start = 0;
    if (this.headBytes === null) {
      // Empty lines before a request line are allowed (RFC 9112 §2.2).
      while (start + 1 < bytes.length && bytes[start] === 0x0d && bytes[start + 1] === 0x0a) start += 2;
      if (start === bytes.length) return start;
    }
    const before = this.headBytes?.length ?? 0;
    const all = this.headBytes ? Buffer.concat([this.headBytes, bytes.subarray(start)]) : bytes.subarray(start);
    const end = all.indexOf(HEAD_END, this.searchFrom);
    if (end < 0 || end + 4 > this.limits.maxHeadBytes) {
      // A head with bare line ends would never show CRLF CRLF: refuse it now
      // rather than wait for its deadline (a complete head is checked whole).
      // Only within the largest head, and before its size: then the answer
      // is the same however the bytes were cut into reads.
      const max = this.limits.maxHeadBytes;
      const bare = before < max ? bareLineEnd(all.length > max ? all.subarray(0, max) : all, before) : undefined;
      if (bare) throw new HttpSyntaxError(`bare ${bare} in the head`);
      if (all.length > max) throw new HttpSyntaxError(`head larger than ${max} bytes`, this.limits.headTooLargeStatus);
      this.headBytes = Buffer.from(all); // own copy: the caller may reuse its buffer
      this.searchFrom = Math.max(0, all.length - 3);
      return bytes.length;
    }
    const raw = all.subarray(0, end + 4);
    const { head, framing } = this.parseHead(raw.toString('latin1', 0, end));
    this.headBytes = null;
    this.body = new BodyScanner(framing, this.limits.maxHeadBytes);
    this.events.head(head, framing, raw);
    if (this.body.done) this.finish();
    return start + (end + 4 - before);
  }
}
