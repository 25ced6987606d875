// One request's life on the function side: spawn an instance, forward the
// request's raw bytes to it, read its answer as an HTTP response and forward
// that, raw too, to the client. No valid response is a 502, none within the
// function's timeout a 504, max_instances a 503 with Retry-After.

import { ExitReason, WINDOW_BYTES } from '../../master/frames.js';
import { ERRNO, SpawnError, type EndpointHandler, type Master } from '../../master/master.js';
import { HttpSyntaxError, keepsAlive, parseResponseHead, type Framing, type RequestHead, type ResponseHead } from './head.js';
import { MessageReader, type MessageEvents } from './reader.js';
import { httpDate } from './date.js';

export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

export interface GatewayContext {
  master: Master;
  function: string;
  timeoutMs: number;
  log?: (message: string) => void;
  /** told about every answered request, for metrics */
  onResponse?: (status: number, seconds: number) => void;
}

/** What an exchange needs from the client connection it serves. */
export interface ExchangeOwner {
  /** bytes for the client, in order */
  send(bytes: Buffer): void;
  /** the exchange is over: the connection carries the next request, ends
   * after what was sent, or is cut (a response that could not be finished) */
  done(next: 'keep' | 'close' | 'cut'): void;
  /** stop reading the request (the function's window is full), or go on */
  holdRequest(held: boolean): void;
  /** the client is taking bytes slower than they come: wait for drained() */
  readonly congested: boolean;
}

const RESPONSE_LIMITS = { maxHeadBytes: MAX_RESPONSE_HEAD_BYTES, headTooLargeStatus: 502 };
const parseAnswerToHead = (text: string) => parseResponseHead(text, 'HEAD');
const parseAnswer = (text: string) => parseResponseHead(text, 'GET');

/** It hears the function as its endpoint's handler (data, close, exit) and
 * the response as its reader's events (head, body, end): no closures per
 * request, on the path every request takes. */
export class Exchange implements EndpointHandler, MessageEvents<ResponseHead> {
  private readonly endpoint: bigint;
  private address?: bigint;
  private readonly started = process.hrtime.bigint();
  private readonly response: MessageReader<ResponseHead>;
  private timer?: NodeJS.Timeout;
  /** request bytes that arrived before the instance had an address */
  private early: Buffer[] | null = [];
  private earlyBytes = 0;
  /** flow control: the request is held until the function reads more of it */
  private held = false;
  /** response bytes handed to the client and not yet reported consumed */
  private owed = 0;
  private requestComplete = false;
  private answered = false;     // some response bytes went to the client
  private closeAfter = false;   // the response says this connection ends with it
  private status = 0;
  private finished = false;
  /** response bytes gathered while one DATA frame is read: one write each */
  private outgoing: Buffer[] = [];

  constructor(private readonly gw: GatewayContext, private readonly request: RequestHead, private readonly owner: ExchangeOwner) {
    this.response = new MessageReader<ResponseHead>(request.method === 'HEAD' ? parseAnswerToHead : parseAnswer, RESPONSE_LIMITS, this);
    this.endpoint = gw.master.openEndpoint(this);
    this.timer = setTimeout(() => this.onTimeout(), gw.timeoutMs);
    gw.master.start(gw.function, this.endpoint, (address) => this.onAddress(address), (e) => this.onSpawnFailed(e));
  }

  /** Raw request bytes, in order. */
  requestBytes(bytes: Buffer): void {
    if (this.finished) return;
    if (this.early) {
      this.early.push(bytes);
      this.earlyBytes += bytes.length;
      if (this.earlyBytes >= WINDOW_BYTES) this.hold(true);
    } else if (!this.gw.master.send(this.endpoint, this.address!, bytes)) {
      this.hold(true);
    }
  }

  private hold(held: boolean): void {
    if (this.held === held) return;
    this.held = held;
    this.owner.holdRequest(held);
  }

  /** The client's socket has room again: the function may send more. */
  drained(): void {
    if (this.owed === 0 || this.address === undefined || this.finished) return;
    this.gw.master.consumed(this.endpoint, this.address, this.owed);
    this.owed = 0;
  }

  requestEnd(): void {
    this.requestComplete = true;
    if (!this.finished && !this.early) this.gw.master.closeTowards(this.endpoint, this.address!);
  }

  /** The client went away or sent something unusable: end the instance,
   * answer nothing more. Returns whether part of a response was sent. */
  abandon(): boolean {
    if (this.finished) return this.answered;
    this.finished = true;
    if (this.address !== undefined) this.gw.master.kill(this.address, ExitReason.Killed);
    this.cleanup();
    return this.answered;
  }

  private onAddress(address: bigint): void {
    this.address = address;
    const early = this.early!;
    this.early = null;
    if (this.finished) return this.gw.master.kill(address, ExitReason.Killed);
    let room = true;
    for (const bytes of early) room = this.gw.master.send(this.endpoint, address, bytes);
    this.hold(!room);
    if (this.requestComplete) this.gw.master.closeTowards(this.endpoint, address);
  }

  private onSpawnFailed(e: Error): void {
    const full = e instanceof SpawnError && e.errno === ERRNO.ENOMEM;
    this.fail(full ? 503 : 502, e.message, full ? 'Retry-After: 1\r\n' : '');
  }

  // ---- the function, as the endpoint's handler

  data(bytes: Uint8Array): void {
    this.onFunctionBytes(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  close(): void {
    this.onFunctionDone(ExitReason.Ok);
  }

  writable(): void {
    if (!this.finished) this.hold(false);
  }

  exit(reason: ExitReason): void {
    this.onFunctionDone(reason);
  }

  private onFunctionBytes(bytes: Buffer): void {
    if (this.finished) return;
    try {
      this.response.push(bytes);
      this.flush();
      this.owed += bytes.length;
      if (!this.owner.congested) this.drained();
    } catch (e) {
      if (!(e instanceof HttpSyntaxError)) throw e;
      this.fail(502, `${this.gw.function} answered an invalid HTTP response: ${e.message}`);
    }
  }

  /** Head and body, or the last bytes and the end, leave in one write: one
   * TCP segment, one wake-up of the client. */
  private flush(): void {
    const out = this.outgoing;
    if (out.length === 0) return;
    this.outgoing = [];
    this.answered = true;
    this.owner.send(out.length === 1 ? out[0]! : Buffer.concat(out));
  }

  // ---- the response, as the reader's events

  head(head: ResponseHead, framing: Framing, raw: Buffer): void {
    if (head.status === 101) throw new HttpSyntaxError('protocol upgrades are not supported');
    if (head.status < 200) return this.forward(raw); // interim: the final response follows
    this.status = head.status;
    this.closeAfter = !keepsAlive(this.request) || !keepsAlive(head) || framing.kind === 'until-close';
    this.forward(this.withGatewayHeaders(head, raw));
  }

  /** Adds what the client must be told and the function did not say. */
  private withGatewayHeaders(head: ResponseHead, raw: Buffer): Buffer {
    let extra = '';
    // RFC 9110 §6.6.1: a recipient with a clock adds Date to a response forwarded without one.
    if (!head.fields.date) extra += `Date: ${httpDate()}\r\n`;
    const options = head.fields.connection;
    if (this.closeAfter && !options.includes('close')) extra += 'Connection: close\r\n';
    else if (!this.closeAfter && this.request.minor === 0 && !options.includes('keep-alive')) extra += 'Connection: keep-alive\r\n';
    if (!extra) return raw;
    return Buffer.concat([raw.subarray(0, raw.length - 2), Buffer.from(extra, 'latin1'), raw.subarray(raw.length - 2)]);
  }

  body(raw: Buffer): void {
    this.forward(raw);
  }

  end(): void {
    if (this.status === 0) return this.response.reset(); // after an interim response
    this.complete(!this.closeAfter && this.requestComplete ? 'keep' : 'close');
  }

  private forward(bytes: Buffer): void {
    this.outgoing.push(bytes);
  }

  /** The function closed handle 1 or ended: whatever it sent is all there is. */
  private onFunctionDone(reason: ExitReason): void {
    if (this.finished || (this.status !== 0 && this.response.finish())) return;
    const why = reason === ExitReason.Ok ? 'ended without a complete HTTP response' : `ended (${ExitReason[reason]!.toLowerCase()}) before its response was complete`;
    this.fail(reason === ExitReason.Timeout ? 504 : 502, `${this.gw.function} ${why}`);
  }

  private onTimeout(): void {
    this.timer = undefined;
    if (this.finished) return;
    if (this.address !== undefined) this.gw.master.kill(this.address, ExitReason.Timeout);
    this.fail(504, `${this.gw.function} did not answer within ${this.gw.timeoutMs} ms`);
  }

  /** Answers an error status, or cuts the response short if it has begun. */
  private fail(status: number, why: string, extraHeaders = ''): void {
    if (this.finished) return;
    this.gw.log?.(`${this.request.method} ${this.request.target} -> ${status}: ${why}`);
    this.status = status;
    this.outgoing = []; // what was gathered of a response that turned out invalid stays here
    if (this.answered) return this.complete('cut');
    const reusable = this.requestComplete && keepsAlive(this.request);
    this.owner.send(errorResponse(status, why, extraHeaders + (reusable ? '' : 'Connection: close\r\n')));
    this.complete(reusable ? 'keep' : 'close');
  }

  private complete(next: 'keep' | 'close' | 'cut'): void {
    this.flush();
    this.finished = true;
    this.gw.onResponse?.(this.status, Number(process.hrtime.bigint() - this.started) / 1e9);
    this.cleanup();
    this.owner.done(next);
  }

  private cleanup(): void {
    if (this.timer) clearTimeout(this.timer);
    this.gw.master.closeEndpoint(this.endpoint);
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};

/** A complete plain-text error response from the gateway itself. */
export function errorResponse(status: number, why: string, extraHeaders = ''): Buffer {
  const body = Buffer.from(`${status} ${why}\n`, 'utf8');
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\nDate: ${httpDate()}\r\n${extraHeaders}\r\n`, 'latin1'),
    body,
  ]);
}
