// An incremental parser for the HTTP/1.1 response a function writes on
// handle 1. Hardened: it bounds the head, accepts only well-formed status
// lines, header names and lengths, and refuses ambiguous framing (both
// Content-Length and chunked, or differing lengths), because whatever it
// accepts is relayed to a client.

export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 1024;

export class BadResponseError extends Error {
  readonly code = 'EMBLY_BAD_RESPONSE';
}

export interface ResponseHead {
  status: number;
  reason: string;
  /** [name, value] pairs in order, names as written */
  headers: [string, string][];
}

export interface ResponseEvents {
  head(head: ResponseHead, bodyLength: number | null): void;
  body(bytes: Buffer): void;
  /** the response is complete; later bytes are ignored */
  end(): void;
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'until-close' };
type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailers' | 'done';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.[01] ([1-5][0-9][0-9])(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** Headers to relay to the client: not the ones about this hop's framing. */
export function endToEndHeaders(head: ResponseHead): [string, string][] {
  return head.headers.filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()));
}

function parseHead(text: string): { head: ResponseHead; framing: Framing } {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const status = STATUS_LINE.exec(statusLine);
  if (!status) throw new BadResponseError(`malformed status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: [string, string][] = lines.map((line) => {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) throw new BadResponseError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) throw new BadResponseError(`header ${name} has a control character`);
    return [name, value];
  });
  return { head: { status: Number(status[1]), reason: status[2] ?? '', headers }, framing: framingOf(Number(status[1]), headers) };
}

function framingOf(status: number, headers: [string, string][]): Framing {
  if (status < 200 || status === 204 || status === 304) return { kind: 'length', left: 0 };
  const values = (wanted: string) => headers.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
  const encodings = values('transfer-encoding').join(',').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
  const lengths = new Set(values('content-length'));
  if (encodings.length > 0) {
    if (lengths.size > 0) throw new BadResponseError('both Transfer-Encoding and Content-Length');
    if (encodings[encodings.length - 1] !== 'chunked') throw new BadResponseError(`unsupported Transfer-Encoding: ${encodings.join(', ')}`);
    return { kind: 'chunked' };
  }
  if (lengths.size > 1) throw new BadResponseError('conflicting Content-Length headers');
  if (lengths.size === 1) {
    const [length] = lengths;
    if (!/^[0-9]{1,15}$/.test(length!)) throw new BadResponseError(`bad Content-Length: ${JSON.stringify(length)}`);
    return { kind: 'length', left: Number(length) };
  }
  return { kind: 'until-close' };
}

export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer = Buffer.alloc(0);
  private framing: Framing = { kind: 'until-close' };
  private chunkLeft = 0;

  constructor(private readonly events: ResponseEvents) {}

  get complete(): boolean {
    return this.state === 'done';
  }

  get headParsed(): boolean {
    return this.state !== 'head';
  }

  /** Feeds bytes; throws BadResponseError on a malformed response. */
  push(bytes: Buffer): void {
    if (this.state === 'done') return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, bytes]) : bytes;
    while (this.pending.length > 0 && this.step()) {
      // each step consumes what it can; false when it needs more bytes
    }
  }

  /** The function closed handle 1 or exited: true if that completes it. */
  finish(): boolean {
    if (this.state === 'body' && this.framing.kind === 'until-close') this.done();
    return this.complete;
  }

  private done(): void {
    this.state = 'done';
    this.pending = Buffer.alloc(0);
    this.events.end();
  }

  private take(n: number): Buffer {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }

  /** Consumes one line ending in CRLF, or returns null if it is not all here. */
  private line(limit: number): string | null {
    const end = this.pending.indexOf('\r\n');
    if (end < 0) {
      if (this.pending.length > limit) throw new BadResponseError('line too long');
      return null;
    }
    return this.take(end + 2).subarray(0, end).toString('latin1');
  }

  private step(): boolean {
    switch (this.state as State) {
      case 'head': return this.stepHead();
      case 'body': return this.stepBody();
      case 'chunk-size': return this.stepChunkSize();
      case 'chunk-data': return this.stepChunkData();
      case 'chunk-data-end': return this.stepChunkDataEnd();
      case 'trailers': return this.stepTrailers();
      default: return false;
    }
  }

  private stepHead(): boolean {
    const end = this.pending.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.pending.length > MAX_HEAD_BYTES) throw new BadResponseError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
      return false;
    }
    if (end > MAX_HEAD_BYTES) throw new BadResponseError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
    const { head, framing } = parseHead(this.take(end + 4).subarray(0, end).toString('latin1'));
    this.framing = framing;
    this.events.head(head, framing.kind === 'length' ? framing.left : null);
    if (framing.kind === 'chunked') this.state = 'chunk-size';
    else if (framing.kind === 'length' && framing.left === 0) this.done();
    else this.state = 'body';
    return true;
  }

  private stepBody(): boolean {
    if (this.framing.kind !== 'length') {
      this.events.body(this.take(this.pending.length));
      return false;
    }
    const bytes = this.take(Math.min(this.framing.left, this.pending.length));
    this.framing.left -= bytes.length;
    this.events.body(bytes);
    if (this.framing.left === 0) this.done();
    return false;
  }

  private stepChunkSize(): boolean {
    const line = this.line(MAX_CHUNK_LINE);
    if (line === null) return false;
    const size = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(line);
    if (!size) throw new BadResponseError(`malformed chunk size line: ${JSON.stringify(line.slice(0, 40))}`);
    this.chunkLeft = parseInt(size[1]!, 16);
    this.state = this.chunkLeft === 0 ? 'trailers' : 'chunk-data';
    return true;
  }

  private stepChunkData(): boolean {
    const bytes = this.take(Math.min(this.chunkLeft, this.pending.length));
    this.chunkLeft -= bytes.length;
    this.events.body(bytes);
    if (this.chunkLeft === 0) this.state = 'chunk-data-end';
    return this.chunkLeft === 0;
  }

  private stepChunkDataEnd(): boolean {
    if (this.pending.length < 2) return false;
    if (this.take(2).toString('latin1') !== '\r\n') throw new BadResponseError('chunk data not followed by CRLF');
    this.state = 'chunk-size';
    return true;
  }

  private stepTrailers(): boolean {
    const line = this.line(MAX_HEAD_BYTES);
    if (line === null) return false;
    if (line === '') this.done();
    return true;
  }
}
