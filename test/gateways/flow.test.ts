// Flow control (docs/protocol.md, CREDIT) through both gateways, against real
// runners: a side that does not read holds the other back, so the daemon
// holds a bounded amount of anybody's bytes, and nothing is lost.
import test from 'ava';
import { connect, type Socket } from 'node:net';
import { HttpGateway } from '../../src/gateways/http/index.js';
import { TcpGateway } from '../../src/gateways/tcp.js';
import { memoryLogger } from '../../src/log.js';
import { WINDOW_BYTES } from '../../src/master/frames.js';
import type { Master } from '../../src/master/master.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { watFunction, type TestFunction } from '../helpers/objects.js';
import { whenSteady } from '../helpers/wait.js';
import { EARLY, ECHO, FLOOD, TCP_ECHO } from './functions.js';

const MiB = 1 << 20;

async function serve(t: { teardown(fn: () => Promise<void>): void }, fn: TestFunction, type: 'http' | 'tcp'): Promise<{ h: Harness; port: number }> {
  const h = await startHarness([fn]);
  const options = { master: h.master, function: fn.name, port: 0, host: '127.0.0.1', log: memoryLogger() };
  const gateway = type === 'http' ? new HttpGateway({ ...options, timeoutMs: 60_000, keepAliveTimeoutMs: 60_000 }) : new TcpGateway(options);
  const port = await gateway.listen();
  t.teardown(async () => { await gateway.close(); await h.stop(); });
  return { h, port };
}

/** DATA bytes the master has routed so far between a function and its
 * gateway connections (`to: true`: towards the function). */
function routedBytes(master: Master, fn: string, to: boolean): () => number {
  let bytes = 0;
  master.on('routed', (r) => { if (r.kind === 'data' && (to ? r.to : r.from) === fn) bytes += r.bytes; });
  return () => bytes;
}

/** "The writer stopped" (whenSteady): 750 ms without a change, within 20 s. */
const STEADY = { steadyMs: 750, timeoutMs: 20_000 };

/** What an echo may have been passed beyond what it answered, once its
 * client has stopped taking the answer: a window of its answer unsent in its
 * runner and the write it is blocked in, a window of the request uncredited
 * (in its runner, unread), and the one client chunk the gateway passes on
 * past a full window. */
const HELD_BACK = 2 * WINDOW_BYTES + 4096 + 64 * 1024;

/** Resumes a paused socket; resolves with what arrived once `bytes` have
 * arrived after the first `skipHead` (an HTTP head, when true). */
function readAll(socket: Socket, bytes: number, skipHead = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  let head = skipHead ? -1 : 0;
  return new Promise((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (head < 0) {
        const end = Buffer.concat(chunks).indexOf('\r\n\r\n');
        if (end >= 0) head = end + 4;
      }
      if (head >= 0 && got - head >= bytes) resolve(Buffer.concat(chunks).subarray(head));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${got} bytes`)));
    socket.resume();
  });
}

function paused(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.pause();
    socket.on('error', reject);
  });
}

test('http: a client that reads nothing holds back a function that answers 64 MiB; then it gets all of it', async (t) => {
  const { h, port } = await serve(t, await watFunction('flood', FLOOD), 'http');
  const answered = routedBytes(h.master, 'flood', false);
  let mib = 0;
  h.master.on('log', (l: { function: string }) => { if (l.function === 'flood') mib++; });
  const socket = await paused(port);
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const sent = await whenSteady(answered, 'the bytes the function sent', () => answered() > WINDOW_BYTES, STEADY);
  t.true(sent < 32 * MiB, `the function sent ${sent} bytes while its client read nothing`);
  t.true(mib < 32, `the function wrote ${mib} MiB`); // its runner holds at most a window more than it sent
  const body = await readAll(socket, 64 * MiB, true);
  t.is(body.length, 64 * MiB);
  t.true(body.every((b) => b === 0x78), 'every byte is the function\'s');
  socket.destroy();
});

test('http: a 64 MiB body is read from the client only as fast as the function takes it', async (t) => {
  const { h, port } = await serve(t, await watFunction('echo', ECHO), 'http');
  const taken = routedBytes(h.master, 'echo', true);
  const answered = routedBytes(h.master, 'echo', false);
  const socket = await paused(port);
  const body = Buffer.alloc(64 * MiB, 'y');
  const request = Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  socket.write(request);
  // The function echoes, into a client that does not read: it stops, so
  // the gateway stops reading the body, so the client's writes stay queued.
  // Both ways steady: nothing is in transit between the master and the runner.
  await whenSteady(() => taken() + answered(), 'the bytes routed either way', () => taken() > WINDOW_BYTES, STEADY);
  t.true(taken() <= answered() + HELD_BACK, `the function was passed ${taken()} bytes and answered ${answered()}`);
  t.true(socket.writableLength > 0, "the client's write is not through");
  const echoed = await readAll(socket, request.length, true); // ECHO answers the raw request
  t.is(echoed.length, request.length);
  t.true(echoed.equals(request));
  socket.destroy();
});

test('tcp: bytes flow both ways no faster than the slower side reads', async (t) => {
  const { h, port } = await serve(t, await watFunction('echo', TCP_ECHO), 'tcp');
  const taken = routedBytes(h.master, 'echo', true);
  const answered = routedBytes(h.master, 'echo', false);
  const socket = await paused(port);
  const sent = Buffer.alloc(64 * MiB);
  for (let i = 0; i < sent.length; i += 4096) sent.writeUInt32LE(i, i);
  socket.write(sent);
  // Both ways steady: nothing is in transit between the master and the runner.
  await whenSteady(() => taken() + answered(), 'the bytes routed either way', () => taken() > WINDOW_BYTES, STEADY);
  t.true(taken() <= answered() + HELD_BACK, `the function was passed ${taken()} bytes and answered ${answered()}`);
  t.true(socket.writableLength > 0, "the client's write is not through");
  const echoed = await readAll(socket, 64 * MiB);
  t.is(echoed.length, 64 * MiB);
  t.true(echoed.equals(sent));
  socket.destroy();
});

test('http: an answer while the function holds the body back ends the connection once the client has sent the rest', async (t) => {
  const { port } = await serve(t, await watFunction('early', EARLY), 'http');
  t.timeout(30_000);
  const socket = await paused(port);
  let error: Error | undefined;
  socket.on('error', (e) => { error = e; });
  socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${64 * MiB}\r\n\r\n`);
  socket.write(Buffer.alloc(64 * MiB, 'y'));
  const answer = await readAll(socket, 6, true);
  t.is(answer.toString(), 'hello\n');
  socket.end();
  // The gateway reads and drops the rest of the body: the client's writes
  // complete and the connection closes.
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  t.is(error, undefined, 'no reset: the gateway read everything the client sent');
});
