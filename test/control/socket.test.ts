// The control socket of a real daemon: 0600 in a 0700 directory, another
// uid refused by its credentials (SO_PEERCRED) even where the file mode would
// let it in, a second daemon refused the socket, malformed input answered and
// survived, and emblyctl's one line and exit 3 with no daemon.
import test from 'ava';
import { spawn } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { ControlServer, LogRing } from '../../src/control/index.js';
import { MAX_REQUEST_BYTES } from '../../src/control/protocol.js';
import { EXIT } from '../../src/errors.js';
import { memoryLogger } from '../../src/log.js';
import { HELLO } from '../gateways/functions.js';
import { tempDir, watProject } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { emblyctl, startControlled } from './helpers.js';

const NOBODY = 65534;
const DAEMON_USER = 1; // Debian's "daemon": a third uid, neither root nor nobody

test('the control socket is 0600 from its creation, in a directory made 0700', async (t) => {
  const { path } = await startControlled(t, await watProject(t, [{ name: 'hello', wat: HELLO }]));
  t.is((await stat(path)).mode & 0o777, 0o600);
  t.is((await stat(dirname(path))).mode & 0o777, 0o700);
});

test('another uid is refused by its credentials, not only by the file mode; root and the owner are served', async (t) => {
  const { path, lines, control } = await startControlled(t, await watProject(t, [{ name: 'hello', wat: HELLO }]));
  // With the file mode shut, the kernel refuses nobody first.
  const shut = await emblyctl(['status', '--control', path], { uid: NOBODY, gid: NOBODY });
  t.is(shut.code, EXIT.noPermission, shut.stderr);
  t.regex(shut.stderr, /^emblyctl: permission denied on the control socket .*: the daemon runs as another user/);
  // Opened wide, only the daemon's check of SO_PEERCRED stands between them.
  await chmod(dirname(dirname(path)), 0o755); // the test's temporary directory
  await chmod(dirname(path), 0o755);
  await chmod(path, 0o666);
  const open = await emblyctl(['status', '--control', path], { uid: NOBODY, gid: NOBODY });
  t.is(open.code, EXIT.noPermission, open.stderr);
  t.is(open.stderr, `emblyctl: the daemon refused this user: this daemon is controlled only by uid ${process.getuid!()} and root\n`);
  await waitFor(() => lines.some((l) => /^warn control: refused a connection from uid 65534 \(pid \d+\)/.test(l)), { what: 'the refusal logged' });
  await waitFor(() => control.connections === 0, { what: 'the refused connection closed' });
  const root = await emblyctl(['status', '--control', path, '--json']);
  t.is(root.code, 0, root.stderr);
  t.is((JSON.parse(root.stdout) as { pid: number }).pid, process.pid);
});

test('emblyctl does not believe a control socket served by another user', async (t) => {
  const dir = await tempDir(t, 'embly-impostor-');
  await chmod(dir, 0o777);
  const path = join(dir, 'control.sock');
  const impostor = spawn(process.execPath, ['-e', `require('net').createServer((s) => { s.on('error', () => {}); s.end('{"id":1,"result":{}}\\n'); }).listen(${JSON.stringify(path)}, () => console.log('up'))`],
    { uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => impostor.kill());
  await new Promise((resolve) => impostor.stdout.once('data', resolve));
  await chmod(path, 0o666);
  const result = await emblyctl(['status', '--control', path], { uid: DAEMON_USER, gid: DAEMON_USER });
  t.is(result.code, EXIT.noPermission, result.stderr);
  t.is(result.stderr, `emblyctl: the control socket ${path} is served by uid ${NOBODY}, not by this user or root: not talking to it\n`);
});

test('a second daemon is refused the control socket, naming the first; the first keeps answering', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }]);
  const first = await startControlled(t, dir);
  const second = ControlServer.listen({ path: first.path, daemon: first.daemon, logs: new LogRing(), log: memoryLogger() });
  await t.throwsAsync(second, { code: 'EMBLY_CONTROL_SOCKET', message: `control socket ${first.path} is in use by pid ${process.pid} (another embly run?); stop it, or choose another with --control` });
  const status = await emblyctl(['status', '--control', first.path]);
  t.is(status.code, 0, status.stderr);
});

test('a control socket directory others may write to is refused', async (t) => {
  const dir = await tempDir(t, 'embly-open-');
  await chmod(dir, 0o777);
  const { daemon } = await startControlled(t, await watProject(t, [{ name: 'hello', wat: HELLO }]));
  await t.throwsAsync(ControlServer.listen({ path: join(dir, 'control.sock'), daemon, logs: new LogRing(), log: memoryLogger() }),
    { code: 'EMBLY_CONTROL_SOCKET', message: /is owned by uid 0 with mode 777: it must be owned by this user or root and writable by nobody else/ });
});

/** A raw connection to the control socket: send lines, read answer lines. */
function rawClient(path: string) {
  const socket = connect(path);
  const answers: unknown[] = [];
  let buffered = '';
  socket.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let at = buffered.indexOf('\n'); at !== -1; at = buffered.indexOf('\n')) {
      answers.push(JSON.parse(buffered.slice(0, at)));
      buffered = buffered.slice(at + 1);
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  const answer = async (n: number) => {
    await waitFor(() => answers.length >= n, { what: () => `${n} answers (have ${JSON.stringify(answers)})` });
    return answers[n - 1] as Record<string, unknown>;
  };
  return { socket, answer, closed };
}

test('malformed requests are answered with errors on a connection that stays; an oversized line drops it; the daemon serves on', async (t) => {
  const { path, url } = await startControlled(t, await watProject(t, [{ name: 'hello', wat: HELLO }]));
  const client = rawClient(path);
  client.socket.write('this is not json\n');
  t.deepEqual(await client.answer(1), { id: null, error: { code: 'EMBLY_CONTROL_REQUEST', message: 'the request is not JSON', exitCode: EXIT.dataError } });
  client.socket.write('[1,2]\n{"method":"status"}\n');
  t.like(await client.answer(2), { id: null, error: { code: 'EMBLY_CONTROL_REQUEST', message: 'the request is not a JSON object' } });
  t.like(await client.answer(3), { id: null, error: { message: 'the request has no "id" (a string or a number)' } });
  client.socket.write('{"id":1,"method":"restart"}\n{"id":"two","method":"logs","params":{"follow":"yes"}}\n');
  t.like(await client.answer(4), { id: 1, error: { code: 'EMBLY_CONTROL_REQUEST', message: 'unknown method "restart"; the methods are status, instances, logs, reload, stop' } });
  t.like(await client.answer(5), { id: 'two', error: { code: 'EMBLY_CONTROL_REQUEST', message: 'logs: "follow" must be true or false' } });
  client.socket.write('{"id":3,"method":"logs","params":{"function":"nope"}}\n{"id":4,"method":"status"}\n');
  t.like(await client.answer(6), { id: 3, error: { code: 'EMBLY_UNKNOWN_FUNCTION' } });
  t.like(await client.answer(7), { id: 4, result: { pid: process.pid } });
  // A line that never ends: answered once, then the connection is closed.
  client.socket.write('{"id":5,"method":"status","params":{"pad":"');
  client.socket.write('x'.repeat(MAX_REQUEST_BYTES));
  t.like(await client.answer(8), { id: null, error: { code: 'EMBLY_CONTROL_REQUEST', message: `a line longer than ${MAX_REQUEST_BYTES} bytes: closing the connection` } });
  await client.closed;
  const after = await emblyctl(['status', '--control', path]);
  t.is(after.code, 0, after.stderr);
  t.is((await fetch(url('hello'))).status, 200);
});

test('with no daemon, emblyctl says so in one line and exits 3, for every command', async (t) => {
  const dir = await tempDir(t, 'embly-none-');
  const path = join(dir, 'control.sock');
  for (const command of ['status', 'ps', 'logs', 'reload', 'stop']) {
    const result = await emblyctl([command, '--control', path]);
    t.is(result.code, 3, `${command}: ${result.stderr}`);
    t.is(result.stderr, `emblyctl: embly is not running: no control socket at ${path}\n`);
    t.is(result.stdout, '');
  }
  // $EMBLY_CONTROL finds it as --control does.
  const byEnv = await emblyctl(['status'], { env: { EMBLY_CONTROL: path } });
  t.is(byEnv.stderr, `emblyctl: embly is not running: no control socket at ${path}\n`);
});

test('a socket left by a killed daemon is not running either (exit 3), and a new daemon takes its place', async (t) => {
  const dir = await tempDir(t, 'embly-stale-');
  const path = join(dir, 'run', 'control.sock');
  await mkdir(dirname(path), { mode: 0o700 });
  const killed = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => killed.on('exit', resolve));
  t.true((await stat(path)).isSocket());
  const result = await emblyctl(['status', '--control', path]);
  t.is(result.code, 3, result.stderr);
  t.is(result.stderr, `emblyctl: embly is not running: nothing listens on the control socket at ${path} (left by a daemon that was killed)\n`);
  const { daemon } = await startControlled(t, await watProject(t, [{ name: 'hello', wat: HELLO }]));
  const control = await ControlServer.listen({ path, daemon, logs: new LogRing(), log: memoryLogger() });
  t.teardown(() => control.close());
  t.is((await emblyctl(['status', '--control', path])).code, 0);
});
