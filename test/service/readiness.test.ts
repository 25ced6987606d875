// `embly run` under a stand-in service manager: a real `embly run`
// (bin/embly.js) tells a real notification socket READY=1 with its STATUS=
// once it serves, STOPPING=1 when it stops, and WATCHDOG=1 while it runs.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startEmbly } from '../cli/helpers.js';
import { tempDir } from '../daemon/helpers.js';
import { HELLO } from '../gateways/functions.js';
import { notifySocket, type NotifySocket } from '../helpers/notify-socket.js';
import { waitFor } from '../helpers/wait.js';

/** A port nobody listens on now (the kernel's choice of an ephemeral one). */
function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  }));
}

const IDLE = '(module (memory (export "memory") 1) (func (export "_start")))';

/** Two functions, one behind an HTTP gateway on `port`. */
async function project(dir: string, port: number): Promise<void> {
  await writeFile(join(dir, 'embly-project.yml'), 'functions:\n' +
    '  - name: hello\n    path: ./hello.wat\n    language: wat\n' +
    '  - name: idle\n    path: ./idle.wat\n    language: wat\n' +
    `gateways:\n  - name: web\n    type: http\n    port: ${port}\n    function: hello\n`);
  await writeFile(join(dir, 'hello.wat'), HELLO);
  await writeFile(join(dir, 'idle.wat'), IDLE);
}

interface Served { dir: string; port: number; metricsPort: number; pid: number; stop(): Promise<{ code: number | null; stderr: string }>; }

async function runUnder(t: Parameters<typeof tempDir>[0], notify: NotifySocket, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const dir = await tempDir(t, 'embly-notify-');
  const [port, metricsPort] = [await freePort(), await freePort()];
  await project(dir, port);
  const run = startEmbly(['run', dir, '--host', '127.0.0.1', '--runners', '1', '--socket', join(dir, 'embly.sock'), '--metrics', `127.0.0.1:${metricsPort}`],
    'embly: serving', 60_000, { NOTIFY_SOCKET: notify.address, ...env });
  t.teardown(() => { run.child.kill('SIGKILL'); });
  await run.started;
  return { dir, port, metricsPort, pid: run.child.pid!, stop: () => { run.child.kill('SIGTERM'); return run.exited; } };
}

test('embly run notifies READY=1 with a STATUS= summary once it serves, then STOPPING=1, all from its own pid', async (t) => {
  const notify = await notifySocket(t, join(await tempDir(t, 'embly-notify-socket-'), 'notify.sock'));
  const served = await runUnder(t, notify);
  await notify.next((n) => n.message.startsWith('READY=1'), 'READY=1');
  // READY=1 means serving: the gateway answers at once.
  t.is((await fetch(`http://127.0.0.1:${served.port}/`)).status, 200);
  const { code, stderr } = await served.stop();
  t.is(code, 0, stderr); // SIGTERM drains, then exits 0
  await notify.next((n) => n.message === 'STOPPING=1', 'STOPPING=1');
  t.deepEqual(notify.lifecycle().map((n) => n.message), [
    'STATUS=building 2 functions',
    `READY=1\nSTATUS=serving 2 functions, 1 gateway (http 127.0.0.1:${served.port}); metrics 127.0.0.1:${served.metricsPort}`,
    'STOPPING=1',
  ]);
  t.true(notify.received.every((n) => n.pid === served.pid), 'systemd (NotifyAccess=main) takes only the main pid\'s messages');
});

test('on an abstract socket (@name), WATCHDOG=1 arrives every half of WATCHDOG_USEC while embly run serves', async (t) => {
  const notify = await notifySocket(t, `@embly-test-${randomBytes(6).toString('hex')}`);
  const served = await runUnder(t, notify, { WATCHDOG_USEC: '200000' }); // a ping every 100 ms
  await notify.next((n) => n.message.startsWith('READY=1'), 'READY=1');
  const pings = () => notify.received.filter((n) => n.message === 'WATCHDOG=1');
  await waitFor(() => pings().length > 20, { what: () => `21 pings, got ${pings().length}` });
  // 20 intervals of 100 ms: 2 s. Timers on a noisy machine run late, but
  // pinging every WATCHDOG_USEC (4 s) or every quarter (1 s) would be outside.
  const spanMs = (pings()[20]!.receivedUsec - pings()[0]!.receivedUsec) / 1000;
  t.true(spanMs > 1500 && spanMs < 3500, `20 intervals took ${spanMs} ms`);
  await served.stop();
  await notify.next((n) => n.message === 'STOPPING=1', 'STOPPING=1');
  t.true(notify.received.every((n) => n.pid === served.pid));
});
