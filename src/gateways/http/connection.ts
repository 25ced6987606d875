// A client connection to the HTTP gateway: requests are read one at a time
// (a pipelined next request waits, unread, until the current one is
// answered), each becomes an Exchange, and the connection is kept alive
// between them. A request the gateway cannot read is answered 400, 431, 501
// or 505 here, and the connection ends.

import type { Socket } from 'node:net';
import { channel } from 'node:diagnostics_channel';
import { HttpSyntaxError, parseRequestHead, type RequestHead } from './head.js';
import { MessageReader } from './reader.js';
import { Exchange, type ExchangeOwner, type GatewayContext } from './exchange.js';
import { errorResponse } from './error-response.js';

export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;
/** unread bytes of pipelined requests held before the client is paused */
const MAX_INBOX_BYTES = 64 * 1024;

/** How long a connection may wait, counted in the gateway's sweeps. */
export interface ConnectionDeadlines {
  /** an idle keep-alive connection ends after this many sweeps */
  idleSweeps: number;
  /** a request head must be complete within this many sweeps (else 408) */
  headSweeps: number;
}

/** Published as each request's head is read, for probes (bench/http-server.ts). */
export const requestStart = channel('embly.http.request-start');

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

export class ClientConnection implements ExchangeOwner {
  private readonly reader: MessageReader<RequestHead>;
  private exchange: Exchange | null = null;
  /** bytes after the request being answered, read when it is done */
  private inbox: Buffer | null = null;
  private clientEnded = false;
  /** reading paused: pipelined bytes wait, or the function's window is full */
  private inboxFull = false;
  private requestHeld = false;
  private closed = false;
  /** the gateway is draining: this connection ends after the response under way */
  closing = false;
  private quietSweeps = 0;
  private headSweeps = 0;

  constructor(
    private readonly socket: Socket,
    private readonly gw: GatewayContext,
    private readonly deadlines: ConnectionDeadlines,
    private readonly onGone: (c: ClientConnection) => void,
  ) {
    this.reader = new MessageReader<RequestHead>(parseRequestHead, { maxHeadBytes: MAX_REQUEST_HEAD_BYTES, headTooLargeStatus: 431 }, {
      head: (head, framing, raw) => this.onRequestHead(head, framing.kind !== 'none', raw),
      body: (raw) => this.exchange?.requestBytes(raw),
      end: () => this.exchange?.requestEnd(),
    });
    socket.setNoDelay(true);
    socket.on('data', (bytes: Buffer) => this.onBytes(bytes));
    socket.on('end', () => this.onClientEnd());
    socket.on('drain', () => this.exchange?.drained());
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
  }

  /** Called at each sweep: ends idle connections and heads that take too long. */
  sweep(): void {
    if (this.exchange) return;
    if (this.reader.partialHead) {
      if (++this.headSweeps >= this.deadlines.headSweeps) this.refuse(408, 'the request head took too long');
    } else if (++this.quietSweeps >= this.deadlines.idleSweeps) {
      this.socket.destroy();
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The gateway stops (drain): an idle connection ends now, as Node's
   * closeIdleConnections() ends one; a request under way is answered, with
   * `Connection: close`, and the connection ends after it. */
  drain(): void {
    this.closing = true;
    if (!this.exchange && !this.reader.partialHead) this.socket.destroy();
  }

  send(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  holdRequest(held: boolean): void {
    this.requestHeld = held;
    this.updateReading();
  }

  private updateReading(): void {
    if (this.inboxFull || this.requestHeld) this.socket.pause();
    else this.socket.resume();
  }

  done(next: 'keep' | 'close' | 'cut'): void {
    this.exchange = null;
    if (next === 'cut') return void this.socket.destroy();
    // Reading goes on: the next request, or, when the connection ends, the
    // rest of this one, read and dropped so that the client can finish
    // sending and see the answer and the end.
    if (this.inboxFull || this.requestHeld) {
      this.inboxFull = this.requestHeld = false;
      this.updateReading();
    }
    if (next === 'close' || this.closing) return void this.socket.end();
    this.reader.reset();
    this.quietSweeps = 0;
    const inbox = this.inbox;
    this.inbox = null;
    if (inbox) this.read(inbox);
    // A client that sent its last request and half-closed is answered in full first.
    if (this.clientEnded && !this.exchange && !this.closed) this.socket.end();
  }

  private onBytes(bytes: Buffer): void {
    this.quietSweeps = 0;
    if (this.reader.complete) return this.hold(bytes);
    this.read(bytes);
  }

  /** Keeps the next request's bytes until the current one is answered. */
  private hold(bytes: Buffer): void {
    this.inbox = this.inbox ? Buffer.concat([this.inbox, bytes]) : bytes;
    if (this.inbox.length > MAX_INBOX_BYTES && !this.inboxFull) {
      this.inboxFull = true;
      this.updateReading();
    }
  }

  private read(bytes: Buffer): void {
    try {
      const used = this.reader.push(bytes);
      if (used < bytes.length) this.hold(bytes.subarray(used));
    } catch (e) {
      if (!(e instanceof HttpSyntaxError)) throw e;
      this.refuse(e.status, e.message);
    }
  }

  private onRequestHead(head: RequestHead, hasBody: boolean, raw: Buffer): void {
    this.headSweeps = 0;
    if (requestStart.hasSubscribers) requestStart.publish(head);
    // Clients that wait for a go-ahead before sending a body get it at once:
    // the function reads the body as it streams.
    if (hasBody && head.minor === 1 && head.fields.expect.includes('100-continue')) this.send(CONTINUE);
    this.exchange = new Exchange(this.gw, head, this);
    this.exchange.requestBytes(raw);
  }

  /** Answers a request the gateway cannot read, and ends the connection. */
  private refuse(status: number, why: string): void {
    const answered = this.exchange?.abandon() ?? false;
    this.exchange = null;
    this.gw.log.info(`refused a request (${status}): ${why}`);
    this.gw.observer?.answered(status, null);
    if (answered) return void this.socket.destroy(); // too late for a status
    this.send(errorResponse(status, why, 'Connection: close\r\n'));
    this.socket.end();
    this.closed = true;
  }

  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.exchange && !this.reader.complete) {
      // The request was cut short: nobody will ever see all of it.
      this.exchange.abandon();
      this.exchange = null;
    }
    if (!this.exchange) this.socket.end();
  }

  private onClose(): void {
    this.closed = true;
    this.exchange?.abandon();
    this.exchange = null;
    this.onGone(this);
  }
}
