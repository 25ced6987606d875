// One request's life on the function side: spawn an instance, forward the
// request's raw bytes to it, read its answer as an HTTP response and forward
// that, raw too, to the client. No valid response is a 502, none within the
// function's timeout a 504, max_instances a 503 with Retry-After
// (error-response.ts). Flow control is the endpoint's (master/endpoint.ts).

import type { Logger } from '../../log.js';
import { ExitReason } from '../../master/frames.js';
import type { Endpoint, EndpointHandler, Master, SpawnError } from '../../master/master.js';
import { HttpSyntaxError, keepsAlive, parseResponseHead, type Framing, type RequestHead, type ResponseHead } from './head.js';
import { MessageReader, type MessageEvents } from './reader.js';
import { httpDate } from './date.js';
import { errorResponse, FUNCTION_FAILURES, spawnFailure, type GatewayFailure } from './error-response.js';

export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

export interface GatewayContext {
  master: Master;
  function: string;
  timeoutMs: number;
  /** the detail of each failed request (warn) and refused one (info) */
  log: Logger;
  /** told about every request answered (metrics, src/metrics/gateways.ts) */
  observer?: GatewayObserver;
}

export interface GatewayObserver {
  /** a request got `status`, `seconds` after its head was read (null: refused unread, no instance) */
  answered(status: number, seconds: number | null): void;
}

/** What an exchange needs from the client connection it serves. */
export interface ExchangeOwner {
  /** bytes for the client, in order */
  send(bytes: Buffer): void;
  /** the exchange is over: the connection carries the next request, ends
   * after what was sent, or is cut (a response that could not be finished) */
  done(next: 'keep' | 'close' | 'cut'): void;
  /** stop reading the request (the function cannot take more yet), or go on */
  holdRequest(held: boolean): void;
  /** the client is taking bytes slower than they come: wait for drained() */
  readonly congested: boolean;
  /** the gateway is draining: this response is the connection's last */
  readonly closing: boolean;
}

const RESPONSE_LIMITS = { maxHeadBytes: MAX_RESPONSE_HEAD_BYTES, headTooLargeStatus: 502 };
const parseAnswerToHead = (text: string) => parseResponseHead(text, 'HEAD');
const parseAnswer = (text: string) => parseResponseHead(text, 'GET');

/** It hears the function as its endpoint's handler (data, close, exit) and
 * the response as its reader's events (head, body, end): no closures per
 * request, on the path every request takes. */
export class Exchange implements EndpointHandler, MessageEvents<ResponseHead> {
  private readonly endpoint: Endpoint;
  private readonly response: MessageReader<ResponseHead>;
  private timer?: NodeJS.Timeout;
  /** the request is held until the function reads more of it */
  private held = false;
  private requestComplete = false;
  private answered = false;     // some response bytes went to the client
  private closeAfter = false;   // the response says this connection ends with it
  /** the final response's status; 0 until its head is read */
  private status = 0;
  private finished = false;
  private readonly startedAt = performance.now();
  /** response bytes gathered while one DATA frame is read: one write each */
  private outgoing: Buffer[] = [];

  constructor(private readonly gw: GatewayContext, private readonly request: RequestHead, private readonly owner: ExchangeOwner) {
    this.response = new MessageReader<ResponseHead>(request.method === 'HEAD' ? parseAnswerToHead : parseAnswer, RESPONSE_LIMITS, this);
    this.endpoint = gw.master.openEndpoint(this);
    this.timer = setTimeout(() => this.onTimeout(), gw.timeoutMs);
    this.endpoint.spawn(gw.function, this.startedAt); // its head was read just now
  }

  /** Raw request bytes, in order. */
  requestBytes(bytes: Buffer): void {
    if (!this.finished && !this.endpoint.write(bytes)) this.hold(true);
  }

  private hold(held: boolean): void {
    if (this.held === held) return;
    this.held = held;
    this.owner.holdRequest(held);
  }

  /** The client's socket has room again: the function may send more. */
  drained(): void {
    if (!this.finished) this.endpoint.resume();
  }

  requestEnd(): void {
    this.requestComplete = true;
    if (!this.finished) this.endpoint.end();
  }

  /** The client went away or sent something unusable: end the instance,
   * answer nothing more. Returns whether part of a response was sent. */
  abandon(): boolean {
    if (this.finished) return this.answered;
    this.finished = true;
    this.endpoint.kill(ExitReason.Killed);
    this.cleanup();
    return this.answered;
  }

  // ---- the function, as the endpoint's handler

  onSpawnError(e: SpawnError): void {
    this.fail(spawnFailure(e), `cannot start ${this.gw.function}: ${e.message}`);
  }

  /** Its bytes count as taken once the client's socket has room for more. */
  onData(bytes: Uint8Array): boolean {
    this.onFunctionBytes(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return !this.owner.congested;
  }

  onClose(): void {
    this.onFunctionDone(ExitReason.Ok);
  }

  onDrain(): void {
    if (!this.finished) this.hold(false);
  }

  onExit(reason: ExitReason): void {
    this.onFunctionDone(reason);
  }

  private onFunctionBytes(bytes: Buffer): void {
    if (this.finished) return;
    try {
      this.response.push(bytes);
      this.flush();
    } catch (e) {
      if (!(e instanceof HttpSyntaxError)) throw e;
      this.fail(FUNCTION_FAILURES.invalidResponse, `${this.gw.function} answered an invalid HTTP response: ${e.message}`);
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
    this.closeAfter = this.owner.closing || !keepsAlive(this.request) || !keepsAlive(head) || framing.kind === 'until-close';
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
    // A drain that began after the head was sent still ends the connection here.
    this.complete(!this.closeAfter && this.requestComplete && !this.owner.closing ? 'keep' : 'close');
  }

  private forward(bytes: Buffer): void {
    this.outgoing.push(bytes);
  }

  /** The function closed handle 1 or ended: whatever it sent is all there is. */
  private onFunctionDone(reason: ExitReason): void {
    if (this.finished || (this.status !== 0 && this.response.finish())) return;
    const why = reason === ExitReason.Ok ? 'ended without a complete HTTP response' : `ended (${ExitReason[reason]!.toLowerCase()}) before its response was complete`;
    this.fail(reason === ExitReason.Timeout ? FUNCTION_FAILURES.timeout : FUNCTION_FAILURES.incompleteResponse, `${this.gw.function} ${why}`);
  }

  private onTimeout(): void {
    this.timer = undefined;
    if (this.finished) return;
    this.endpoint.kill(ExitReason.Timeout);
    this.fail(FUNCTION_FAILURES.timeout, `${this.gw.function} did not answer within ${this.gw.timeoutMs} ms`);
  }

  /** Answers an error status, or cuts the response short if it has begun;
   * `detail` is for the log only. */
  private fail(failure: GatewayFailure, detail: string): void {
    if (this.finished) return;
    this.gw.log.warn(`${this.request.method} ${this.request.target} -> ${failure.status}: ${detail}`);
    this.outgoing = []; // what was gathered of a response that turned out invalid stays here
    if (this.answered) return this.complete('cut');
    const reusable = this.requestComplete && keepsAlive(this.request) && !this.owner.closing;
    this.owner.send(errorResponse(failure.status, failure.reason, (failure.headers ?? '') + (reusable ? '' : 'Connection: close\r\n')));
    this.status = failure.status;
    this.complete(reusable ? 'keep' : 'close');
  }

  private complete(next: 'keep' | 'close' | 'cut'): void {
    this.flush();
    this.finished = true;
    this.gw.observer?.answered(this.status, (performance.now() - this.startedAt) / 1000);
    this.cleanup();
    this.owner.done(next);
  }

  private cleanup(): void {
    if (this.timer) clearTimeout(this.timer);
    this.endpoint.close();
  }
}
