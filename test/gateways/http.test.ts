// The HTTP gateway against real runners on loopback ports.
import test from 'ava';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { HttpGateway, type HttpGatewayOptions } from '../../src/gateways/http/index.js';
import { memoryLogger } from '../../src/log.js';
import { ExitReason } from '../../src/master/frames.js';
import type { InstanceExit } from '../../src/master/master.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { watFunction, type TestFunction } from '../helpers/objects.js';
import { waitFor } from '../helpers/wait.js';
import { BIG, ECHO, GARBAGE, HELLO, SPIN, TRAP } from './functions.js';

interface Served { h: Harness; port: number; gateway: HttpGateway; }

async function serve(t: { teardown(fn: () => Promise<void>): void }, fn: TestFunction, timeoutMs = 5000, more: Partial<HttpGatewayOptions> = {}): Promise<Served> {
  const h = await startHarness([fn]);
  const gateway = new HttpGateway({ master: h.master, function: fn.name, timeoutMs, port: 0, host: '127.0.0.1', log: memoryLogger(), ...more });
  const port = await gateway.listen();
  t.teardown(async () => { await gateway.close(); await h.stop(); });
  return { h, port, gateway };
}

/** Sends raw bytes, returns everything the server answered until it closed. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.on('data', (d) => { answer += d.toString('latin1'); });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

test('answers with the function\'s response', async (t) => {
  const { port } = await serve(t, await watFunction('hello', HELLO));
  const response = await fetch(`http://127.0.0.1:${port}/`);
  t.is(response.status, 200);
  t.is(response.headers.get('content-type'), 'text/plain');
  t.is(await response.text(), 'hello\n');
});

test('the function gets the raw request, body included; chunked bodies stay chunked', async (t) => {
  const { port } = await serve(t, await watFunction('echo', ECHO));
  const plain = await fetch(`http://127.0.0.1:${port}/path?q=1`, { method: 'POST', body: 'the body', headers: { 'X-Test': 'yes' } });
  const echoed = await plain.text();
  t.regex(echoed, /^POST \/path\?q=1 HTTP\/1\.1\r\n/);
  t.regex(echoed, /\r\nX-Test: yes\r\n/i);
  t.true(echoed.endsWith('\r\n\r\nthe body'));
  const chunked = await new Promise<string>((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/c', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.write('abc');
    req.end('de');
  });
  const split = chunked.indexOf('\r\n\r\n');
  const head = chunked.slice(0, split);
  const body = chunked.slice(split + 4);
  t.regex(head, /\r\nTransfer-Encoding: chunked$/im);
  t.is(dechunk(body), 'abcde');
});

/** Decodes a complete chunked body. */
function dechunk(body: string): string {
  let out = '';
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (eol < 0 || Number.isNaN(size)) throw new Error(`not a chunked body: ${JSON.stringify(body)}`);
    if (size === 0) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

test('streams a large response', async (t) => {
  const { port } = await serve(t, await watFunction('big', BIG));
  const body = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer());
  t.is(body.length, 4 * 1024 * 1024);
  t.true(body.every((b) => b === 0x78));
});

test('keeps the client connection alive across requests', async (t) => {
  const { port } = await serve(t, await watFunction('hello', HELLO));
  const sockets = new Set<unknown>();
  const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 3; i++) {
    const body = await new Promise<string>((resolve, reject) => {
      httpRequest({ port, host: '127.0.0.1', agent, path: `/${i}` }, (res) => {
        sockets.add(res.socket);
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve(text));
      }).on('error', reject).end();
    });
    t.is(body, 'hello\n');
  }
  agent.destroy();
  t.is(sockets.size, 1);
});

test('an invalid response from the function is a 502 whose body says only that; the detail is logged', async (t) => {
  const log = memoryLogger();
  const { port } = await serve(t, await watFunction('garbage', GARBAGE), 5000, { log });
  const response = await fetch(`http://127.0.0.1:${port}/`);
  t.is(response.status, 502);
  t.is(await response.text(), '502 Bad Gateway: the function\'s response was not valid HTTP\n');
  t.regex(log.lines.join('\n'), /^warn GET \/ -> 502: garbage answered an invalid HTTP response: malformed status line/m);
});

test('a trapping function is a 502', async (t) => {
  const { port } = await serve(t, await watFunction('trap', TRAP));
  t.is((await fetch(`http://127.0.0.1:${port}/`)).status, 502);
});

test('no answer within the function timeout is a 504', async (t) => {
  const { port } = await serve(t, await watFunction('spin', SPIN, { timeoutMs: 300 }), 300);
  t.is((await fetch(`http://127.0.0.1:${port}/`)).status, 504);
});

test('at max_instances the gateway answers 503 with Retry-After, saying only that the function is at capacity', async (t) => {
  const log = memoryLogger();
  const { h, port } = await serve(t, await watFunction('spin', SPIN, { maxInstances: 1, timeoutMs: 2000 }), 2000, { log });
  const first = fetch(`http://127.0.0.1:${port}/`);
  await waitFor(() => h.master.liveInstances('spin') === 1, { timeoutMs: 5000, what: 'the first request\'s instance' });
  const second = await fetch(`http://127.0.0.1:${port}/`);
  t.is(second.status, 503);
  t.is(second.headers.get('retry-after'), '1');
  t.is(await second.text(), '503 Service Unavailable: the function is at capacity\n');
  t.regex(log.lines.join('\n'), /^warn GET \/ -> 503: cannot start spin: spin is at max_instances \(1\)$/m);
  const timedOut = await first;
  t.is(timedOut.status, 504);
  t.is(await timedOut.text(), '504 Gateway Timeout: the function did not answer in time\n');
});

test('a malformed request is a 400 and an oversized head a 431', async (t) => {
  const { port } = await serve(t, await watFunction('hello', HELLO));
  t.regex(await raw(port, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request/);
  t.regex(await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`), /^HTTP\/1\.1 431/);
});

test('a runner killed mid-request gives that request a 502 and the next one succeeds', async (t) => {
  const fn = await watFunction('hello', HELLO);
  const { h, port } = await serve(t, fn);
  // The request body never ends, so the function is still reading when its runner dies.
  const pending = new Promise<number>((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', reject);
    req.write('partial');
  });
  await waitFor(() => h.master.liveInstances('hello') === 1, { timeoutMs: 5000, what: 'the request\'s instance' });
  h.runners.get('hello')!.kill('SIGKILL');
  t.is(await pending, 502);
  await h.startRunner(fn);
  t.is((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
});

/** A client socket that collects what it is answered and notes when it is closed. */
function client(port: number) {
  const socket = connect(port, '127.0.0.1');
  const state = { text: '', closed: false };
  socket.on('data', (d) => { state.text += d.toString('latin1'); });
  socket.on('close', () => { state.closed = true; });
  socket.on('error', () => {});
  const until = (ok: () => boolean, what: string) =>
    waitFor(ok, { timeoutMs: 5000, what: () => `${what}; got ${JSON.stringify(state.text)}` });
  return { socket, state, until };
}

const count = (text: string, part: string) => text.split(part).length - 1;

test('a head with bare LF line ends is answered 400 at once, not left to hang until its deadline', async (t) => {
  const { port } = await serve(t, await watFunction('hello', HELLO)); // head deadline: 30 s
  for (const typed of [['GET / HTTP/1.1\nHost: a\n\n'], ['GET / HTTP/1.1\n', 'Host: a\n', '\n']]) {
    const c = client(port);
    // Line by line, as someone typing into nc: the first line is enough.
    c.socket.write(typed[0]!);
    await c.until(() => c.state.closed, 'the connection to close');
    t.regex(c.state.text, /^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\nConnection: close\r\n[^]*bare LF in the head/);
  }
  t.regex(await raw(port, 'GET / HTTP/1.1\nHost: a\n\n'), /^HTTP\/1\.1 400 Bad Request/, 'a client that half-closes after it is answered too');
});

test('pipelined requests on one connection are answered in order, one at a time', async (t) => {
  const { port } = await serve(t, await watFunction('hello', HELLO));
  const answer = await raw(port, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
  t.is(count(answer, 'HTTP/1.1 200 OK'), 2);
  t.is(count(answer, 'hello\n'), 2);
});

test('an answer framed by the end of the connection ends the connection, pipelined requests unanswered', async (t) => {
  const { port } = await serve(t, await watFunction('echo', ECHO));
  const answer = await raw(port, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
  t.is(count(answer, 'HTTP/1.1 200 OK'), 1);
  t.regex(answer, /\r\nConnection: close\r\n/);
  t.true(answer.includes('GET /first') && !answer.includes('GET /second'));
});

test('HEAD: the answer is the head alone, and the connection goes on', async (t) => {
  const { port } = await serve(t, await watFunction('hello', HELLO));
  const answer = await raw(port, 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
  t.is(count(answer, 'HTTP/1.1 200 OK'), 2);
  t.is(count(answer, 'hello\n'), 1);
  t.true(answer.endsWith('\r\n\r\nhello\n'));
});

test('the gateway adds Date to an answer without one, and says when it will close', async (t) => {
  const { port } = await serve(t, await watFunction('hello', HELLO));
  const response = await fetch(`http://127.0.0.1:${port}/`);
  t.truthy(Date.parse(response.headers.get('date') ?? ''), 'a valid Date');
  await response.text();
  const c = client(port);
  c.socket.write('GET / HTTP/1.0\r\n\r\n');
  await c.until(() => c.state.closed, 'the HTTP/1.0 connection to close');
  t.regex(c.state.text, /\r\nConnection: close\r\n/);
  const keep = client(port);
  keep.socket.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  await keep.until(() => keep.state.text.endsWith('hello\n'), 'the answer');
  t.regex(keep.state.text, /\r\nConnection: keep-alive\r\n/);
  t.false(keep.state.closed);
  keep.socket.destroy();
});

test('Expect: 100-continue gets its go-ahead before the body is sent', async (t) => {
  const { port } = await serve(t, await watFunction('echo', ECHO));
  const c = client(port);
  c.socket.write('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
  await c.until(() => c.state.text.includes('HTTP/1.1 100 Continue\r\n\r\n'), '100 Continue');
  c.socket.write('abcde');
  await c.until(() => c.state.text.endsWith('abcde'), 'the echoed body');
  t.true(c.state.text.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK'));
  c.socket.destroy();
});

test('an idle keep-alive connection is closed, and a head that takes too long gets 408', async (t) => {
  const { port } = await serve(t, await watFunction('hello', HELLO), 5000, { keepAliveTimeoutMs: 300, headTimeoutMs: 300 });
  const idle = client(port);
  idle.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await idle.until(() => idle.state.closed, 'the idle connection to close');
  t.true(idle.state.text.endsWith('hello\n'), 'after its answer');
  const slow = client(port);
  slow.socket.write('GET / HTTP/1.1\r\nHo');
  await slow.until(() => slow.state.closed, 'the slow connection to close');
  t.regex(slow.state.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
});

test('a malformed chunked body after the head is a 400, and the instance is ended', async (t) => {
  const { h, port } = await serve(t, await watFunction('hello', HELLO));
  const exits: InstanceExit[] = [];
  h.master.on('exit', (e) => exits.push(e));
  const answer = await raw(port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n');
  t.regex(answer, /^HTTP\/1\.1 400 Bad Request\r\n[^]*malformed chunk size/);
  await waitFor(() => exits.length > 0, { timeoutMs: 5000, what: 'the instance to end' });
  t.is(exits[0]!.reason, ExitReason.Killed, 'the gateway ended it; it did not answer and exit');
  t.is(h.master.liveInstances('hello'), 0);
});
