// One instance of embly/http: one outbound call. It reads the guest's
// request from its endpoint with the gateway's strict reader, checks it
// against the function's allowed origins and limits, makes the call with
// undici and streams the origin's answer back as a response Embly writes
// (response.ts), under the endpoint's flow control both ways. Whatever goes
// wrong is an answer (400, 403, 502, 503, 504) and a log line; once a
// response has begun it can only be cut short. The guest going away aborts
// the call.
import { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import { OutboundRefusedError } from '../../errors.js';
import { HttpSyntaxError, parseRequestHead, type Framing, type RequestHead } from '../../gateways/http/head.js';
import { MessageReader, type MessageEvents } from '../../gateways/http/reader.js';
import type { LogLevel } from '../../log.js';
import type { Endpoint, PeerHandler } from '../../master/master.js';
import type { OutboundSpec } from '../../project/index.js';
import { DEFAULT_PORTS, type Allowance, type Origin, type OriginPolicy } from './allowed.js';
import { originOf } from './client.js';
import { outboundRequest, type OutboundRequest } from './request.js';
import { chunk, failureResponse, isBodiless, LAST_CHUNK, responseHead, type HeaderValues, type OutboundFailure } from './response.js';

/** The head of a guest's request may be as large as a response head the gateway reads. */
const MAX_REQUEST_HEAD_BYTES = 64 * 1024;
const REQUEST_LIMITS = { maxHeadBytes: MAX_REQUEST_HEAD_BYTES, headTooLargeStatus: 431 };
/** request body bytes buffered before the guest is held back (it has a window more in flight) */
const BODY_BUFFER_BYTES = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** what a redirect to another origin does not carry on (as fetch) */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** what a redirect that turns the request into a GET leaves out with the body */
const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-language', 'content-location']);

/** Told about every call when it ends (src/metrics/outbound.ts). */
export interface OutboundObserver {
  /** `origin`: the allowed_outbound_hosts entry it went out under ('none' if
   * refused before one matched); `code`: the status the guest got, or
   * 'aborted' when the guest went away first. */
  called(fn: string, origin: string, code: string, seconds: number): void;
}

/** What a call needs from its function (index.ts). */
export interface CallContext {
  function: string;
  /** `[fn address]`, how the log names the calling instance */
  label: string;
  policy: OriginPolicy;
  limits: OutboundSpec;
  agent(): Agent;
  /** takes one of the function's outbound_max_concurrent slots; false: none free */
  takeSlot(): boolean;
  giveSlot(): void;
  log(level: LogLevel, line: string): void;
  observer: OutboundObserver | undefined;
}

type State = 'head' | 'calling' | 'responding' | 'answered' | 'closed';

export class OutboundCall implements PeerHandler, MessageEvents<RequestHead> {
  private readonly endpoint: Endpoint;
  private readonly reader = new MessageReader<RequestHead>(parseRequestHead, REQUEST_LIMITS, this);
  private readonly abort = new AbortController();
  private state: State = 'head';
  private request: OutboundRequest | undefined;
  private url: URL | undefined;
  private allowance: Allowance | undefined;
  private redirectsLeft = 0;
  /** the guest's request body on its way to undici */
  private requestBody: Readable | undefined;
  /** it holds BODY_BUFFER_BYTES: the guest gets no credit until undici reads */
  private bodyFull = false;
  /** all of the request has been read, or the guest closed its side */
  private requestDone = false;
  /** its bytes cannot be read as a request any more: they are dropped */
  private unreadable = false;
  private slot = false;
  private startedAt = performance.now();
  private status = 0;
  private responseBody: Dispatcher.ResponseData['body'] | undefined;
  private chunked = false;
  private bodyBytes = 0;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: CallContext, open: (handler: PeerHandler) => Endpoint) {
    this.endpoint = open(this);
  }

  // ---- the guest, as the endpoint's handler

  onData(bytes: Uint8Array): boolean {
    // After its request (or what could not be read as one): read and dropped.
    if (this.requestDone || this.unreadable || this.state === 'closed') return true;
    try {
      this.reader.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      this.unreadable = true;
      if (e instanceof HttpSyntaxError) this.fail(e.status, 'bad-request', `the request is not valid HTTP/1.1: ${e.message}`, 'info');
      else this.internalFailure(e);
    }
    return !this.bodyFull;
  }

  onClose(): void {
    if (!this.reader.complete && this.state !== 'answered') {
      this.fail(400, 'bad-request', 'the request ended before it was complete', 'info');
    }
    this.requestDone = true;
    this.closeIfDone();
  }

  /** The guest ended: nobody reads the answer any more. */
  onExit(): void {
    if (this.state === 'closed') return;
    if (this.state === 'calling' || this.state === 'responding') this.record('aborted');
    this.stopCall();
    this.close();
  }

  onDrain(): void {
    this.responseBody?.resume();
  }

  // ---- the request, as the reader's events

  head(head: RequestHead, framing: Framing, raw: Buffer): void {
    this.startedAt = performance.now();
    this.request = outboundRequest(head, framing, raw); // an HttpSyntaxError is answered 400 by onData
    this.redirectsLeft = this.request.redirects;
    if (this.request.hasBody) {
      this.requestBody = new Readable({ highWaterMark: BODY_BUFFER_BYTES, read: () => this.bodyWanted() });
    }
    if (!this.permit(this.request.url)) return;
    if (!this.ctx.takeSlot()) {
      return this.fail(503, 'too-many-calls', `function "${this.ctx.function}" has ${this.ctx.limits.maxConcurrent} calls in flight (outbound_max_concurrent)`, 'info');
    }
    this.slot = true;
    this.call(this.request.url, this.request.method, this.request.headers, this.requestBody);
  }

  body(): void {}

  content(bytes: Buffer): void {
    if (this.requestBody && !this.requestBody.destroyed && !this.requestBody.push(bytes)) this.bodyFull = true;
  }

  end(): void {
    this.requestBody?.push(null);
    this.requestDone = true;
    this.closeIfDone();
  }

  private bodyWanted(): void {
    if (!this.bodyFull) return;
    this.bodyFull = false;
    this.endpoint.resume();
  }

  // ---- the call

  /** Whether `url`'s origin is allowed (the call goes out under `allowance`); if not, answers 403. */
  private permit(url: URL): boolean {
    this.url = url;
    const origin = originOf(url);
    const checked = this.ctx.policy.check(origin);
    if ('pattern' in checked) {
      this.allowance = checked;
      return true;
    }
    const hint = `to allow it, add "${originText(origin)}" to allowed_outbound_hosts of function "${this.ctx.function}"`;
    this.fail(403, 'not-allowed', `${originText(origin)}: ${checked.refused}; ${hint}`, 'info');
    return false;
  }

  private call(url: URL, method: string, headers: string[], body: Readable | undefined): void {
    this.state = 'calling';
    const request = this.request!;
    const withLength = body && request.length !== undefined ? [...headers, 'content-length', String(request.length)] : headers;
    this.ctx.agent().request({
      origin: url.origin, path: url === request.url ? request.path : url.pathname + url.search, method, headers: withLength,
      body: body ?? null, signal: this.abort.signal, expectContinue: body !== undefined && request.expectContinue,
    }).then((response) => this.onResponse(response), (e: unknown) => this.onCallFailed(e)).catch((e: unknown) => this.internalFailure(e));
  }

  /** A bug in embly/http: the guest gets a 502 and the log the stack, and the
   * daemon and the guest's runner go on (nothing of it reaches the master). */
  private internalFailure(e: unknown): void {
    this.ctx.log('error', `${this.ctx.label} ${this.describe()}: embly/http failed: ${e instanceof Error ? e.stack : String(e)}`);
    this.fail(502, 'unreachable', 'embly/http failed (the daemon\'s log has why)', 'error');
  }

  private onResponse(response: Dispatcher.ResponseData): void {
    if (this.state !== 'calling') return void response.body.destroy();
    const { statusCode: status, headers } = response;
    const location = headers.location;
    if (this.redirectsLeft > 0 && REDIRECTS.has(status) && typeof location === 'string' && this.follow(status, location, response)) return;
    const method = this.request!.method;
    const stated = Number(headers['content-length']);
    const length = isBodiless(method, status) ? undefined : Number.isSafeInteger(stated) && stated >= 0 ? stated : null;
    if (typeof length === 'number' && length > this.ctx.limits.maxBytes) {
      response.body.destroy();
      return this.fail(502, 'too-large', `the response has ${length} bytes, more than outbound_max_bytes (${this.ctx.limits.maxBytes})`, 'warn');
    }
    this.state = 'responding';
    this.status = status;
    this.chunked = length === null;
    this.endpoint.write(responseHead({ status, statusText: response.statusText, headers: headers as HeaderValues, length }));
    this.responseBody = response.body;
    response.body.on('data', (bytes: Buffer) => this.guarded(() => this.onResponseBytes(bytes)));
    response.body.on('end', () => this.guarded(() => this.onResponseEnd()));
    response.body.on('error', (e) => this.guarded(() => this.onCallFailed(e)));
  }

  private guarded(act: () => void): void {
    try {
      act();
    } catch (e) {
      this.internalFailure(e);
    }
  }

  private onResponseBytes(bytes: Buffer): void {
    if (this.state !== 'responding') return;
    this.bodyBytes += bytes.length;
    if (this.bodyBytes > this.ctx.limits.maxBytes) {
      return this.cut(`the response went past outbound_max_bytes (${this.ctx.limits.maxBytes})`);
    }
    if (!this.endpoint.write(this.chunked ? chunk(bytes) : bytes)) this.responseBody?.pause();
  }

  private onResponseEnd(): void {
    if (this.state !== 'responding') return;
    if (this.chunked) this.endpoint.write(LAST_CHUNK);
    this.answered();
  }

  /** Follows a redirect (each hop checked as the first was), or answers with
   * it: false when it cannot be followed (a body that would have to go again). */
  private follow(status: number, location: string, response: Dispatcher.ResponseData): boolean {
    const request = this.request!;
    let next: URL;
    try {
      next = new URL(location, this.url);
    } catch {
      return false;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return false;
    const toGet = status === 303 ? request.method !== 'HEAD' : (status === 301 || status === 302) && request.method === 'POST';
    if (request.hasBody && !toGet) return false;
    void response.body.dump().catch(() => {});
    this.redirectsLeft--;
    const sameOrigin = next.origin === this.url!.origin;
    const headers = keepHeaders(request.headers, (name) => !(toGet && BODY_HEADERS.has(name)) && (sameOrigin || !CREDENTIALS.has(name)));
    this.requestBody?.destroy();
    if (this.permit(next)) this.call(next, toGet ? 'GET' : request.method, headers, undefined);
    return true;
  }

  private onCallFailed(e: unknown): void {
    if (this.state !== 'calling' && this.state !== 'responding') return;
    const { status, failure, reason } = describeFailure(e, this.url!, this.ctx.limits.timeoutMs);
    this.fail(status, failure, reason, status === 403 ? 'info' : 'warn');
  }

  // ---- answers

  /** Embly answers instead of an origin; after a response has begun, it is cut short. */
  private fail(status: number, failure: OutboundFailure, reason: string, level: LogLevel): void {
    if (this.state === 'answered' || this.state === 'closed') return;
    if (this.state === 'responding') return this.cut(reason);
    this.stopCall();
    this.ctx.log(level, `${this.ctx.label} ${this.describe()} -> ${status}: ${reason}`);
    this.status = status;
    this.endpoint.write(failureResponse(status, failure, reason));
    this.answered();
  }

  /** The response stops where it is: the guest reads it incomplete, then EOF. */
  private cut(reason: string): void {
    this.ctx.log('warn', `${this.ctx.label} ${this.describe()} -> ${this.status}, cut short: ${reason}`);
    this.stopCall();
    this.answered();
  }

  private answered(): void {
    this.record(String(this.status));
    this.state = 'answered';
    this.releaseSlot();
    this.dropRequestBody();
    this.endpoint.end();
    this.closeIfDone();
  }

  /** Whatever more the guest sends of its request is dropped: nothing reads it. */
  private dropRequestBody(): void {
    this.requestBody?.destroy();
    if (!this.bodyFull) return;
    this.bodyFull = false;
    this.endpoint.resume();
  }

  private record(code: string): void {
    this.ctx.observer?.called(this.ctx.function, this.allowance?.pattern.text ?? 'none', code, (performance.now() - this.startedAt) / 1000);
  }

  /** The instance ends once its answer is out and its request read: a guest
   * still sending a request that was answered early gets the time of a call
   * to finish (writes to an ended peer fail, and it would miss the answer). */
  private closeIfDone(): void {
    if (this.state !== 'answered') return;
    if (this.requestDone) return this.close();
    this.graceTimer ??= setTimeout(() => this.close(), this.ctx.limits.timeoutMs).unref();
  }

  private stopCall(): void {
    this.abort.abort();
    this.responseBody?.destroy();
    this.dropRequestBody();
    this.releaseSlot();
  }

  private releaseSlot(): void {
    if (!this.slot) return;
    this.slot = false;
    this.ctx.giveSlot();
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.endpoint.close();
  }

  /** "GET https://example.com/path", for the log. */
  private describe(): string {
    const request = this.request;
    if (!request) return 'a request';
    const target = `${this.url!.origin}${this.url === request.url ? request.path : this.url!.pathname + this.url!.search}`;
    return `${request.method} ${target.length > 200 ? `${target.slice(0, 200)}...` : target}`;
  }
}

function originText(origin: Origin): string {
  const host = origin.host.includes(':') ? `[${origin.host}]` : origin.host;
  return `${origin.scheme}://${host}${origin.port === DEFAULT_PORTS[origin.scheme] ? '' : `:${origin.port}`}`;
}

function keepHeaders(headers: string[], keep: (lowerName: string) => boolean): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (keep(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!);
  return kept;
}

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const UNRESOLVED = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/** What the guest is told for a call that failed, from undici's or the system's error. */
function describeFailure(error: unknown, url: URL, timeoutMs: number): { status: number; failure: OutboundFailure; reason: string } {
  const e = (error instanceof Error && !(error as NodeJS.ErrnoException).code && error.cause instanceof Error ? error.cause : error) as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (e instanceof OutboundRefusedError) return { status: 403, failure: 'not-allowed', reason: e.message };
  if (TIMEOUTS.has(code)) return { status: 504, failure: 'timeout', reason: `${url.host} did not answer within outbound_timeout (${timeoutMs} ms)` };
  if (UNRESOLVED.has(code)) return { status: 502, failure: 'unreachable', reason: `${url.hostname} could not be resolved (${code})` };
  if (code === 'ECONNREFUSED') return { status: 502, failure: 'unreachable', reason: `${url.host} refused the connection` };
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code)) return { status: 502, failure: 'unreachable', reason: `TLS with ${url.host} failed: ${e.message} (${code})` };
  if (e?.name === 'HTTPParserError' || code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return { status: 502, failure: 'bad-response', reason: `${url.host} answered with invalid HTTP: ${e.message}` };
  }
  return { status: 502, failure: 'unreachable', reason: `the call to ${url.host} failed: ${e?.message ?? String(error)}${code ? ` (${code})` : ''}` };
}
