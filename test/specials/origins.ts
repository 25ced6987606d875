// Origins for the embly/http tests: real HTTP and HTTPS servers on loopback,
// the HTTPS one with a certificate from a CA the test makes with openssl.
import type { ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../daemon/helpers.js';

export interface TestCa { dir: string; caFile: string; key: string; cert: string; }

/** A CA and a certificate it signed for localhost and 127.0.0.1. */
export async function makeTestCa(t: ExecutionContext): Promise<TestCa> {
  const dir = await tempDir(t, 'embly-ca-');
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', '/CN=Embly test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(at('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('server.pem'), '-days', '2', '-extfile', at('san.ext'));
  return { dir, caFile: at('ca.pem'), key: readFileSync(at('server.key'), 'utf8'), cert: readFileSync(at('server.pem'), 'utf8') };
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestOrigin {
  port: number;
  /** "http://127.0.0.1:PORT" */
  origin: string;
  /** TCP connections accepted so far */
  connections: number;
  requests: IncomingMessage[];
}

/** A server on 127.0.0.1, closed when the test ends; with `tls`, HTTPS
 * (`h2`: offering HTTP/2 by ALPN, HTTP/1.1 too). */
export async function startOrigin(t: ExecutionContext, handler: Handler, tls?: TestCa, h2 = false): Promise<TestOrigin> {
  const server = !tls ? createHttpServer(handler)
    : h2 ? createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, handler as never)
      : createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
  const state: TestOrigin = { port: 0, origin: '', connections: 0, requests: [] };
  const sockets = new Set<Socket>();
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage) => state.requests.push(req));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.origin = `${tls ? 'https' : 'http'}://127.0.0.1:${state.port}`;
  t.teardown(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return state;
}

/** What most tests' origin does, by path. */
export const routes: Handler = (req, res) => {
  const url = new URL(req.url!, 'http://x');
  switch (url.pathname) {
    case '/hello': return void res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '22', 'X-Origin': 'yes', 'Embly-Error': 'forged' }).end('hello from the origin\n');
    case '/echo': { // the body back, chunked (no length), with what the origin saw
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'X-Method': req.method!, 'X-Length': req.headers['content-length'] ?? 'none' });
      return void req.pipe(res);
    }
    case '/bytes': { // n bytes of 'x', with a Content-Length
      const n = Number(url.searchParams.get('n'));
      res.writeHead(200, { 'Content-Length': String(n), 'Content-Type': 'application/octet-stream' });
      return void res.end(Buffer.alloc(n, 'x'));
    }
    case '/chunks': { // three chunks over time, no length
      res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'keep-alive, X-Hop', 'X-Hop': 'hop-by-hop', 'Keep-Alive': 'timeout=5' });
      res.write('one,');
      setTimeout(() => res.write('two,'), 20);
      return void setTimeout(() => res.end('three'), 40);
    }
    case '/headers': return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.headers));
    case '/redirect': return void res.writeHead(302, { Location: url.searchParams.get('to') ?? '/hello' }).end();
    case '/never': return; // holds the request unanswered
    default: res.writeHead(404).end('no such route\n');
  }
};
