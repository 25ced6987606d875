// The master's socket: a second daemon refuses a socket a live master holds,
// and takes over only a stale file.
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MasterSocketInUseError } from '../../src/master/socket-file.js';
import { packageRoot } from '../../src/paths.js';
import { HELLO } from '../gateways/functions.js';
import { runnerPids, startDaemon, tempDir, watProject } from './helpers.js';

const inUse = (path: string, pid: number) =>
  `master socket ${path} is in use by pid ${pid} (another embly run?); stop it, or choose another socket with --socket`;

test('a second daemon on a live master socket refuses, naming its pid, and the first keeps its socket and its runners', async (t) => {
  const project = await watProject(t, [{ name: 'held', wat: HELLO }]);
  const first = await startDaemon(t, project);
  const socketPath = first.daemon.master.socketPath;
  await t.throwsAsync(startDaemon(t, project, { socketPath }), { instanceOf: MasterSocketInUseError, message: inUse(socketPath, process.pid) });
  t.true(lstatSync(socketPath).isSocket(), 'the failed start removed nothing');
  t.is((await fetch(first.url('held'))).status, 200);
  // A replacement runner connects to the first daemon's master, as before.
  const replaced = once(first.daemon.master, 'runner');
  for (const pid of runnerPids('held')) process.kill(pid, 'SIGKILL');
  await replaced;
  t.is((await fetch(first.url('held'))).status, 200);

  // `embly run` says so in one line, and exits 73 (EX_CANTCREAT, docs/errors.md).
  const cli = await promisify(execFile)(process.execPath, [join(packageRoot, 'bin', 'embly.js'), 'run', project, '--socket', socketPath]).catch((e: { code: number; stderr: string }) => e);
  t.is((cli as { code?: number }).code, 73);
  t.is(cli.stderr.trim().split('\n').at(-1), `embly: ${inUse(socketPath, process.pid)}`);
  t.is((await fetch(first.url('held'))).status, 200);
});

test('a stale socket file left by a killed master is replaced', async (t) => {
  const socketPath = join(await tempDir(t, 'embly-socket-'), 'embly.sock');
  const killed = spawn(process.execPath, ['-e', 'require("net").createServer().listen(process.argv[1], () => console.log("up"))', socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(killed.stdout!, 'data');
  killed.kill('SIGKILL');
  await once(killed, 'exit');
  t.true(lstatSync(socketPath).isSocket(), 'its socket file is left behind');
  const { url } = await startDaemon(t, await watProject(t, [{ name: 'stale', wat: HELLO }]), { socketPath });
  t.is((await fetch(url('stale'))).status, 200);
});

test('a file at the socket path that is not a socket is left alone', async (t) => {
  const socketPath = join(await tempDir(t, 'embly-socket-'), 'notes.txt');
  writeFileSync(socketPath, 'keep me');
  await t.throwsAsync(startDaemon(t, await watProject(t, [{ name: 'hello', wat: HELLO }]), { socketPath }), {
    instanceOf: MasterSocketInUseError, message: `${socketPath} exists and is not a socket; not replacing it (choose another with --socket)`,
  });
  t.is(readFileSync(socketPath, 'utf8'), 'keep me');
});
