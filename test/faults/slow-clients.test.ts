// Faults: clients that hold the gateway up (docs/faults.md). One sends its
// request head a byte a second: it is answered 408 at the head deadline. Some
// never read a 64 MiB answer: flow control holds their functions back, so the
// daemon holds a bounded amount of their bytes, and serves everybody else.
import test from 'ava';
import { connect, type Socket } from 'node:net';
import { HttpGateway } from '../../src/gateways/http/index.js';
import { memoryLogger } from '../../src/log.js';
import { WINDOW_BYTES } from '../../src/master/frames.js';
import { FLOOD, HELLO } from '../gateways/functions.js';
import { startHarness } from '../helpers/harness.js';
import { watFunction } from '../helpers/objects.js';
import { waitFor } from '../helpers/wait.js';
import { processFigures, startDaemon, watProject } from '../daemon/helpers.js';
import { whenSteady } from '../helpers/wait.js';

const MiB = 1 << 20;
const HEAD_TIMEOUT_MS = 3000;

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

test('a client that sends its head a byte a second is answered 408 at the head deadline; the others are served meanwhile', async (t) => {
  // The gateway as the daemon builds it, with a head deadline shorter than
  // the default 30 s (the daemon has no setting for it), on a real runner.
  const h = await startHarness([await watFunction('hello', HELLO)]);
  const log = memoryLogger();
  const gateway = new HttpGateway({ master: h.master, function: 'hello', port: 0, host: '127.0.0.1', log: log.child('gateway/hello'), timeoutMs: 10_000, headTimeoutMs: HEAD_TIMEOUT_MS });
  const port = await gateway.listen();
  t.teardown(async () => { await gateway.close(); await h.stop(); });
  const head = 'GET / HTTP/1.1\r\nHost: slow\r\nUser-Agent: a-byte-a-second\r\n\r\n';
  const socket = await connected(port);
  let received = '';
  let closed = false;
  socket.on('data', (d: Buffer) => { received += d.toString('latin1'); });
  socket.on('close', () => { closed = true; });
  socket.on('error', () => {});
  let sent = 0;
  const trickle = setInterval(() => { if (!closed && sent < head.length) socket.write(head[sent++]!); }, 1000);
  t.teardown(() => clearInterval(trickle));
  socket.write(head[sent++]!);
  // Others are served while it trickles.
  for (let i = 0; i < 5; i++) t.is(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'hello\n');
  await waitFor(() => closed, { timeoutMs: 30_000, what: 'the gateway to give up on the slow head' });
  clearInterval(trickle);
  t.true(sent < head.length, `it had sent ${sent} of ${head.length} bytes`);
  t.regex(received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  t.regex(received, /\r\nConnection: close\r\n/);
  t.deepEqual(log.lines.filter((l) => l.includes('408')), ['info gateway/hello: refused a request (408): the request head took too long']);
  t.is(h.master.liveInstances(), 0, 'no instance was started for it');
});

const READERS = 4;

test('clients that never read a 64 MiB answer hold their functions back: the daemon\'s memory stays bounded, everybody else is served', async (t) => {
  const log = memoryLogger();
  const { daemon, gateways, url } = await startDaemon(t, await watProject(t, [{ name: 'flood', wat: FLOOD, timeout: '60s' }, { name: 'hello', wat: HELLO }]), { runnersPerFunction: 1, log });
  const { master } = daemon;
  let routed = 0;
  master.on('routed', (r) => { if (r.kind === 'data' && r.from === 'flood') routed += r.bytes; });
  const before = processFigures(process.pid).rssKiB;
  const clients = await Promise.all(Array.from({ length: READERS }, async () => {
    const socket = await connected(gateways.get('flood')!.port);
    socket.pause();
    socket.on('error', () => {});
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    return socket;
  }));
  const sent = await whenSteady(() => routed, 'the bytes the floods sent', () => routed > READERS * WINDOW_BYTES);
  const grownKiB = processFigures(process.pid).rssKiB - before;
  t.log(`${READERS} clients that read nothing: their functions sent ${(sent / MiB).toFixed(1)} MiB of ${READERS * 64}; this process grew by ${(grownKiB / 1024).toFixed(1)} MiB`);
  t.true(sent < READERS * 16 * MiB, `the functions sent ${sent} bytes while their clients read nothing`);
  t.true(grownKiB < 128 * 1024, `the daemon's process grew by ${grownKiB} KiB`);
  t.is(master.liveInstances('flood'), READERS, 'each function waits, alive, for its client');
  for (let i = 0; i < 10; i++) t.is(await (await fetch(url('hello'))).text(), 'hello\n');
  // What each client got, had it read: the start of its answer.
  for (const socket of clients) {
    const first = await new Promise<Buffer>((resolve) => { socket.once('data', resolve); socket.resume(); });
    t.regex(first.subarray(0, 64).toString('latin1'), /^HTTP\/1\.1 200 OK\r\nContent-Length: 67108864\r\n/);
    socket.destroy();
  }
  // A client gone ends its instance: a kill, logged as one.
  await waitFor(() => master.liveInstances('flood') === 0, { timeoutMs: 20_000, what: 'the floods to be killed' });
  t.is(log.lines.filter((l) => /^info \[flood [^\]]+\] ended: killed$/.test(l)).length, READERS);
  t.false(log.lines.some((l) => l.startsWith('warn') || l.startsWith('error')), log.lines.filter((l) => !l.startsWith('info')).join('\n'));
});
