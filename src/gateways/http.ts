// The HTTP gateway: a listener per gateway port. Each request spawns an
// instance of the gateway's function, which gets the raw HTTP/1.1 request on
// handle 1 and answers a raw HTTP response, relayed to the client as it
// streams. Node's own parser (llhttp) guards the client side: malformed
// requests get 400, oversized heads 431. What the function writes is parsed
// by ResponseParser: no valid response is a 502, no response within the
// function's timeout a 504, max_instances a 503 with Retry-After.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ExitReason } from '../master/frames.js';
import { listenOn } from './listen.js';
import { ERRNO, SpawnError, type Master } from '../master/master.js';
import { BadResponseError, endToEndHeaders, ResponseParser } from './http-response.js';

export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;

export interface HttpGatewayOptions {
  master: Master;
  function: string;
  timeoutMs: number;
  port: number;
  host?: string;
  log?: (message: string) => void;
  /** told about every answered request, for metrics */
  onResponse?: (status: number, seconds: number) => void;
}

/** The request as the bytes a client would have sent, head first. */
export function requestHead(req: IncomingMessage): Buffer {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < req.rawHeaders.length; i += 2) head += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

const isChunked = (req: IncomingMessage) => /(^|,)\s*chunked\s*$/i.test(req.headers['transfer-encoding'] ?? '');

/** One request's life: spawn, stream the request in, stream the answer out. */
class Exchange {
  private address?: bigint;
  private readonly endpoint: bigint;
  private timer?: NodeJS.Timeout;
  private finished = false;
  private readonly started = process.hrtime.bigint();
  private readonly parser: ResponseParser;
  private held?: Buffer;

  constructor(private readonly gw: HttpGatewayOptions, private readonly req: IncomingMessage, private readonly res: ServerResponse) {
    this.parser = new ResponseParser({
      head: (head) => {
        const flat = endToEndHeaders(head).flat();
        if (head.reason) res.writeHead(head.status, head.reason, flat);
        else res.writeHead(head.status, flat);
      },
      // The first chunk is held until push() returns, so a response that
      // arrived whole leaves in one res.end(body).
      body: (bytes) => {
        if (this.held) res.write(this.held);
        this.held = bytes;
      },
      end: () => this.complete(),
    });
    this.endpoint = gw.master.openEndpoint({
      data: (bytes) => this.onData(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
      close: () => this.onFunctionDone(ExitReason.Ok),
      exit: (reason) => this.onFunctionDone(reason),
    });
    res.on('close', () => this.onClientGone());
  }

  async start(): Promise<void> {
    try {
      this.address = await this.gw.master.spawn(this.gw.function, this.endpoint, (address) => {
        this.address = address;
        this.streamRequest(address);
      });
    } catch (e) {
      const full = e instanceof SpawnError && e.errno === ERRNO.ENOMEM;
      this.fail(full ? 503 : 502, (e as Error).message, full ? { 'Retry-After': '1' } : {});
      return;
    }
    if (this.finished) return this.gw.master.kill(this.address, ExitReason.Killed);
    this.timer = setTimeout(() => this.onTimeout(), this.gw.timeoutMs);
  }

  private streamRequest(to: bigint): void {
    const { master } = this.gw;
    const chunked = isChunked(this.req);
    master.send(this.endpoint, to, requestHead(this.req));
    this.req.on('data', (chunk: Buffer) => {
      if (this.finished) return;
      master.send(this.endpoint, to, chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
    });
    this.req.on('end', () => {
      if (this.finished) return;
      if (chunked) master.send(this.endpoint, to, Buffer.from('0\r\n\r\n'));
      master.closeTowards(this.endpoint, to);
    });
  }

  private onData(bytes: Buffer): void {
    try {
      this.parser.push(bytes);
      if (this.held && !this.finished) {
        this.res.write(this.held);
        this.held = undefined;
      }
    } catch (e) {
      if (!(e instanceof BadResponseError)) throw e;
      this.fail(502, `${this.gw.function} answered an invalid HTTP response: ${e.message}`);
    }
  }

  /** The function closed handle 1 or ended: whatever it sent is all there is. */
  private onFunctionDone(reason: ExitReason): void {
    if (this.finished || this.parser.finish()) return;
    const why = reason === ExitReason.Ok ? 'ended without a complete HTTP response' : `ended (${ExitReason[reason].toLowerCase()}) before its response was complete`;
    this.fail(reason === ExitReason.Timeout ? 504 : 502, `${this.gw.function} ${why}`);
  }

  private onTimeout(): void {
    if (this.finished) return;
    if (this.address) this.gw.master.kill(this.address, ExitReason.Timeout);
    this.fail(504, `${this.gw.function} did not answer within ${this.gw.timeoutMs} ms`);
  }

  private onClientGone(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.address) this.gw.master.kill(this.address, ExitReason.Killed);
    this.cleanup();
  }

  /** Answers an error status, or cuts the response short if it has begun. */
  private fail(status: number, why: string, headers: Record<string, string> = {}): void {
    if (this.finished) return;
    this.gw.log?.(`${this.req.method} ${this.req.url} -> ${status}: ${why}`);
    if (this.res.headersSent) {
      this.res.destroy();
    } else {
      this.res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
      this.res.end(`${status} ${why}\n`);
    }
    this.report(status);
  }

  private complete(): void {
    if (this.finished) return;
    const held = this.held;
    this.held = undefined;
    if (held) this.res.end(held);
    else this.res.end();
    this.report(this.res.statusCode);
  }

  private report(status: number): void {
    this.finished = true;
    this.gw.onResponse?.(status, Number(process.hrtime.bigint() - this.started) / 1e9);
    this.cleanup();
  }

  private cleanup(): void {
    clearTimeout(this.timer);
    this.gw.master.closeEndpoint(this.endpoint);
  }
}

export class HttpGateway {
  private server?: Server;

  constructor(private readonly options: HttpGatewayOptions) {}

  /** Starts listening; resolves with the port (useful when asked for 0). */
  async listen(): Promise<number> {
    const server = createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES, keepAlive: true }, (req, res) => {
      void new Exchange(this.options, req, res).start();
    });
    this.server = server;
    return listenOn(server, this.options.port, this.options.host);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
