// The parts of the control socket that need no daemon: where it is, the
// quantiles read from a histogram, the log ring, emblyctl's formatting.
import test from 'ava';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Histogram, Registry } from 'prom-client';
import { quantile, samples } from '../../src/control/figures.js';
import { LogRing } from '../../src/control/log-ring.js';
import { controlSocketPath, prepareSocketDirectory } from '../../src/control/path.js';
import { bytes, duration, latency, painter, table, wantsColour } from '../../src/cli/emblyctl/format.js';
import { createLogger } from '../../src/log.js';
import { tempDir } from '../daemon/helpers.js';

test('the control socket path: --control, then $EMBLY_CONTROL, then systemd\'s, root\'s, the session\'s, /tmp', (t) => {
  const env = { EMBLY_CONTROL: '/e/c.sock', RUNTIME_DIRECTORY: '/run/embly:/run/other', XDG_RUNTIME_DIR: '/run/user/1000' };
  t.is(controlSocketPath({ flag: '/f/c.sock', env, uid: 1000 }), '/f/c.sock');
  t.is(controlSocketPath({ env, uid: 1000 }), '/e/c.sock');
  t.is(controlSocketPath({ env: { ...env, EMBLY_CONTROL: '' }, uid: 1000 }), '/run/embly/control.sock');
  t.is(controlSocketPath({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 0 }), '/run/embly/control.sock');
  t.is(controlSocketPath({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000 }), '/run/user/1000/embly/control.sock');
  t.is(controlSocketPath({ env: {}, uid: 1000 }), '/tmp/embly-1000/control.sock');
});

test('the socket directory is made 0700; one others may write to, not sticky, is refused; a sticky one is not', async (t) => {
  const dir = await tempDir(t, 'embly-dir-');
  await prepareSocketDirectory(join(dir, 'a', 'b', 'control.sock'));
  t.is((await stat(join(dir, 'a', 'b'))).mode & 0o777, 0o700);
  await mkdir(join(dir, 'open'));
  await chmod(join(dir, 'open'), 0o775);
  await t.throwsAsync(prepareSocketDirectory(join(dir, 'open', 'control.sock')), { code: 'EMBLY_CONTROL_SOCKET' });
  await chmod(join(dir, 'open'), 0o1777);
  await t.notThrowsAsync(prepareSocketDirectory(join(dir, 'open', 'control.sock')));
  await chown(join(dir, 'a'), 65534, 65534);
  await t.throwsAsync(prepareSocketDirectory(join(dir, 'a', 'control.sock'), 4242), { message: /owned by uid 65534 with mode 700/ }, 'owned by another user than the daemon\'s (and not root)');
  await t.notThrowsAsync(prepareSocketDirectory(join(dir, 'a', 'control.sock'), 65534), 'owned by the daemon\'s user');
});

test('quantiles from a histogram\'s buckets, as histogram_quantile estimates them', async (t) => {
  const registry = new Registry();
  const h = new Histogram({ name: 'h_seconds', help: 'h', buckets: [0.001, 0.01, 0.1], labelNames: ['f'], registers: [registry] });
  const buckets = async () => (await samples(registry, 'h_seconds')).filter((s) => s.name === 'h_seconds_bucket');
  h.zero({ f: 'a' });
  t.is(quantile(0.5, await buckets()), null, 'no observation: no quantile');
  for (let i = 0; i < 50; i++) h.observe({ f: 'a' }, 0.0005);
  for (let i = 0; i < 50; i++) h.observe({ f: 'a' }, 0.005);
  t.is(quantile(0.5, await buckets()), 0.001); // rank 50: the top of the first bucket
  t.is(quantile(0.75, await buckets()), 0.001 + (0.01 - 0.001) * 0.5);
  h.observe({ f: 'a' }, 5);
  t.is(quantile(1, await buckets()), 0.1, 'in +Inf: the highest finite bound');
  // Series of other labels add up, bound by bound (a function's cold and warm spawns, say).
  for (let i = 0; i < 101; i++) h.observe({ f: 'b' }, 0.05);
  t.is(quantile(0.5, await buckets()), 0.01 + (0.1 - 0.01) * ((101 - 100) / 101));
  t.deepEqual(await samples(registry, 'no_such_metric'), []);
});

test('the log ring keeps the last lines, knows which function each is about, and tells followers', (t) => {
  const ring = new LogRing(3);
  const log = createLogger({ sink: ring.sink, journal: false });
  const followed: string[] = [];
  const stop = ring.follow((e) => followed.push(e.message));
  log.info('serving');
  log.child('supervisor').child('hello').warn('runner 12 exited');
  log.info('[hello 00000000000000ab] hi');
  log.warn('[trap 00000000000000cd] ended: trap');
  log.warn('[hello:ok] ... 3 log lines dropped (over 100/s)');
  t.deepEqual(ring.lines().map((e) => [e.seq, e.function, e.message]), [
    [2, 'hello', '[hello 00000000000000ab] hi'], [3, 'trap', '[trap 00000000000000cd] ended: trap'], [4, 'hello', '[hello:ok] ... 3 log lines dropped (over 100/s)'],
  ]);
  t.deepEqual(ring.lines('hello').map((e) => e.seq), [2, 4]);
  t.is(followed.length, 5);
  stop();
  log.info('after');
  t.is(followed.length, 5);
  t.like(ring.lines()[2], { level: 'info', component: undefined, message: 'after', function: undefined });
});

test('emblyctl\'s formats: durations, sizes, latencies, aligned tables, colour only on a terminal without NO_COLOR', (t) => {
  t.deepEqual([4.25, 45, 185, 7500, 3 * 86400 + 4 * 3600 + 5].map(duration), ['4.3s', '45s', '3m 5s', '2h 5m', '3d 4h']);
  t.is(duration(3600), '1h');
  t.deepEqual([512, 65536, 1.25 * 1048576, 3.8 * 2 ** 30].map(bytes), ['512 B', '64 KiB', '1.3 MiB', '3.8 GiB']);
  t.deepEqual([42e-6, 1.34e-3, 0.25, 2, null].map(latency), ['42 µs', '1.3 ms', '250 ms', '2.00 s', '-']);
  const plain = table([{ title: 'NAME' }, { title: 'N', align: 'right' }], [['a', '1'], ['long', { text: '100', style: 'red' }]], painter(false));
  t.is(plain, 'NAME    N\na       1\nlong  100');
  const coloured = table([{ title: 'N', align: 'right' }], [[{ text: '7', style: 'red' }]], painter(true));
  t.is(coloured, '\x1b[1mN\x1b[0m\n\x1b[31m7\x1b[0m');
  const tty = { isTTY: true } as NodeJS.WriteStream;
  t.true(wantsColour(tty, {}));
  t.false(wantsColour(tty, { NO_COLOR: '1' }));
  t.false(wantsColour(tty, { TERM: 'dumb' }));
  t.false(wantsColour({ isTTY: false } as NodeJS.WriteStream, {}));
});
