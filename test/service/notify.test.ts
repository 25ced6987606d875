// The notifier against a real notification socket: what each call sends,
// what it reads from the environment, and errors that come back as errors.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotifyError } from '../../src/errors.js';
import { memoryLogger } from '../../src/log.js';
import { monotonicMicros, sendNotification } from '../../src/native/index.js';
import { notify, ServiceNotifier } from '../../src/service/notify.js';
import { buildingStatus, servingStatus } from '../../src/service/serving-status.js';
import { tempDir } from '../daemon/helpers.js';
import { notifySocket } from '../helpers/notify-socket.js';
import { waitFor } from '../helpers/wait.js';

const socketIn = async (t: Parameters<typeof tempDir>[0]) => join(await tempDir(t, 'embly-notify-'), 'notify.sock');

test('around a reload: RELOADING=1 with MONOTONIC_USEC= on CLOCK_MONOTONIC, then READY=1 with the new STATUS=', async (t) => {
  const stand = await notifySocket(t, await socketIn(t));
  const notifier = new ServiceNotifier({ socket: stand.address, log: memoryLogger() });
  const before = monotonicMicros();
  notifier.reloading();
  notifier.ready('serving 3 functions, no gateway; metrics off');
  await waitFor(() => stand.received.length === 2, { what: 'two datagrams' });
  const [reloading, ready] = stand.received;
  const match = /^RELOADING=1\nMONOTONIC_USEC=(\d+)$/.exec(reloading!.message);
  t.truthy(match, reloading!.message);
  const usec = Number(match![1]);
  // The receiver read the same clock when the datagram arrived.
  t.true(usec >= before && usec <= reloading!.receivedUsec, `${before} <= ${usec} <= ${reloading!.receivedUsec}`);
  t.is(ready!.message, 'READY=1\nSTATUS=serving 3 functions, no gateway; metrics off');
  t.is(ready!.pid, process.pid);
});

test('a STATUS= stays one line: a line break cannot start another assignment', async (t) => {
  const stand = await notifySocket(t, await socketIn(t));
  new ServiceNotifier({ socket: stand.address }).status('failed:\nREADY=1\r\n  at line 2');
  await waitFor(() => stand.received.length === 1);
  t.is(stand.received[0]!.message, 'STATUS=failed:; READY=1; at line 2');
});

test('an abstract address (@name) reaches a socket bound in the abstract namespace', async (t) => {
  const stand = await notifySocket(t, `@embly-test-${randomBytes(6).toString('hex')}`);
  new ServiceNotifier({ socket: stand.address }).stopping();
  await waitFor(() => stand.received.length === 1);
  t.is(stand.received[0]!.message, 'STOPPING=1');
});

test('WATCHDOG=1 comes from a timer of the event loop: a stalled loop sends none', async (t) => {
  const stand = await notifySocket(t, await socketIn(t));
  const notifier = new ServiceNotifier({ socket: stand.address, watchdogUsec: 40_000 });
  t.teardown(() => notifier.close());
  t.is(notifier.watchdogIntervalMs, 20);
  await waitFor(() => stand.received.length >= 3, { what: 'pings before the stall' });
  const stallFrom = monotonicMicros();
  while (monotonicMicros() - stallFrom < 500_000); // the loop is busy for 0.5 s
  const stallTo = monotonicMicros();
  const count = stand.received.length;
  await waitFor(() => stand.received.length > count + 2, { what: 'pings after the stall' });
  notifier.close();
  // One sent just before the stall may arrive a little into it.
  const duringStall = stand.received.filter((n) => n.receivedUsec > stallFrom + 100_000 && n.receivedUsec < stallTo);
  t.deepEqual(duringStall, []);
  t.true(stand.received.every((n) => n.message === 'WATCHDOG=1'));
});

test('fromEnvironment takes NOTIFY_SOCKET and the watchdog out of the environment that children would inherit', (t) => {
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '4242', PATH: '/bin' };
  const notifier = ServiceNotifier.fromEnvironment({ env, pid: 4242, log: memoryLogger() });
  t.teardown(() => notifier.close());
  t.true(notifier.enabled);
  t.is(notifier.watchdogIntervalMs, 15_000);
  t.deepEqual(env, { PATH: '/bin' });
});

test('the watchdog is not ours when WATCHDOG_PID names another process, nor without NOTIFY_SOCKET', (t) => {
  const other = ServiceNotifier.fromEnvironment({ env: { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }, pid: 4242, log: memoryLogger() });
  t.true(other.enabled);
  t.is(other.watchdogIntervalMs, undefined);
  const none = ServiceNotifier.fromEnvironment({ env: { WATCHDOG_USEC: '30000000' }, log: memoryLogger() });
  t.false(none.enabled);
  t.is(none.watchdogIntervalMs, undefined);
  none.ready('serving'); // nothing to send to, nothing thrown
  const log = memoryLogger();
  const bad = ServiceNotifier.fromEnvironment({ env: { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: 'soon' }, log });
  t.is(bad.watchdogIntervalMs, undefined);
  t.deepEqual(log.lines, ['warn WATCHDOG_USEC=soon is not a number of microseconds; no watchdog']);
});

test('a notification that cannot be sent is a NotifyError naming why, never a crash', async (t) => {
  const dir = await tempDir(t, 'embly-notify-');
  t.throws(() => notify('run/notify', 'READY=1'), { instanceOf: NotifyError, message: 'NOTIFY_SOCKET=run/notify is neither an absolute path nor an @abstract name' });
  t.throws(() => notify(join(dir, 'absent.sock'), 'READY=1'), { instanceOf: NotifyError, message: `cannot notify the service manager at ${join(dir, 'absent.sock')}: no such file or directory (ENOENT)` });
  t.throws(() => notify(`/${'x'.repeat(200)}`, 'READY=1'), { instanceOf: NotifyError, message: /name too long \(ENAMETOOLONG\)$/ });
  await writeFile(join(dir, 'plain'), '');
  t.throws(() => notify(join(dir, 'plain'), 'READY=1'), { instanceOf: NotifyError, message: /connection refused \(ECONNREFUSED\)$/ });
  t.throws(() => notify(`@embly-test-nobody-${randomBytes(6).toString('hex')}`, 'READY=1'), { instanceOf: NotifyError, message: /connection refused \(ECONNREFUSED\)$/ });
  // The addon checks its arguments' types and throws; it never reads past them.
  t.throws(() => sendNotification(42 as unknown as string, 'READY=1'), { instanceOf: TypeError, message: 'notifySend(address, message): malformed arguments' });
});

test('a ServiceNotifier logs what it could not send and serves on', (t) => {
  const log = memoryLogger();
  const notifier = new ServiceNotifier({ socket: '/nonexistent/notify.sock', log });
  notifier.ready('serving');
  notifier.stopping();
  t.deepEqual(log.lines, [
    'warn cannot notify the service manager at /nonexistent/notify.sock: no such file or directory (ENOENT)',
    'warn cannot notify the service manager at /nonexistent/notify.sock: no such file or directory (ENOENT)',
  ]);
});

test('the STATUS= summaries', (t) => {
  t.is(buildingStatus(1), 'building 1 function');
  t.is(servingStatus({ functions: 2, gateways: [{ type: 'http', port: 8080 }], host: '0.0.0.0', metrics: { host: '127.0.0.1', port: 9465 } }),
    'serving 2 functions, 1 gateway (http :8080); metrics 127.0.0.1:9465');
  t.is(servingStatus({ functions: 1, gateways: [{ type: 'http', port: 80 }, { type: 'tcp', port: 9000 }], host: '::1' }),
    'serving 1 function, 2 gateways (http [::1]:80, tcp [::1]:9000); metrics off');
  t.is(servingStatus({ functions: 3, gateways: [] }), 'serving 3 functions, no gateway; metrics off');
});
