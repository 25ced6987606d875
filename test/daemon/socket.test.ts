// The master's socket: a second daemon refuses a socket a live master holds,
// naming who holds it, and takes over only a stale file.
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MasterSocketInUseError } from '../../src/master/socket-file.js';
import { packageRoot } from '../../src/paths.js';
import { startEmbly } from '../cli/helpers.js';
import { HELLO } from '../gateways/functions.js';
import { runnerPids, startDaemon, tempDir, watProject, writeWatProject } from './helpers.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The refusal's one line, naming the embly run that holds `path`. */
const inUse = (path: string, pid: number, project: string) => new RegExp(`^master socket ${escape(path)} is in use by embly run ` +
  `\\(pid ${pid}, project ${escape(join(project, 'embly-project.yml'))}, started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); stop it, or choose another socket with --socket$`);

test('a second daemon on a live master socket refuses, naming its pid and project, and the first keeps its socket and its runners', async (t) => {
  const project = await watProject(t, [{ name: 'held', wat: HELLO }]);
  const first = await startDaemon(t, project);
  const socketPath = first.daemon.master.socketPath;
  await t.throwsAsync(startDaemon(t, project, { socketPath }), { instanceOf: MasterSocketInUseError, message: inUse(socketPath, process.pid, project) });
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
  t.regex(cli.stderr.trim().split('\n').at(-1)!.replace(/^embly: /, ''), inUse(socketPath, process.pid, project));
  t.is((await fetch(first.url('held'))).status, 200);
});

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  }));
}

test('two `embly run`s on one socket: the second is refused in one line naming the first, exits 73, and the first serves on', async (t) => {
  const socketPath = join(await tempDir(t, 'embly-socket-'), 'embly.sock');
  const [firstDir, secondDir] = [await tempDir(t, 'embly-first-'), await tempDir(t, 'embly-second-')];
  const port = await freePort();
  await writeWatProject(firstDir, [{ name: 'held', wat: HELLO }]);
  writeFileSync(join(firstDir, 'embly-project.yml'), readFileSync(join(firstDir, 'embly-project.yml'), 'utf8').replace('port: 8080', `port: ${port}`));
  await writeWatProject(secondDir, [{ name: 'other', wat: HELLO }]);
  const flags = ['--host', '127.0.0.1', '--runners', '1', '--socket', socketPath, '--metrics', 'off'];
  const first = startEmbly(['run', firstDir, ...flags], 'embly: serving', 60_000);
  t.teardown(() => { first.child.kill('SIGKILL'); });
  await first.started;
  // The owner file beside the socket: the first daemon's, for its user only.
  t.is(statSync(`${socketPath}.json`).mode & 0o777, 0o600);
  t.like(JSON.parse(readFileSync(`${socketPath}.json`, 'utf8')), { pid: first.child.pid, project: join(firstDir, 'embly-project.yml') });

  const second = await promisify(execFile)(process.execPath, [join(packageRoot, 'bin', 'embly.js'), 'run', secondDir, ...flags]).catch((e: { code: number; stderr: string }) => e);
  t.is((second as { code?: number }).code, 73);
  // Refused before it builds anything: its stderr is that one line.
  t.is(second.stderr.trim().split('\n').length, 1, second.stderr);
  t.regex(second.stderr.trim().replace(/^embly: /, ''), inUse(socketPath, first.child.pid!, firstDir));
  t.false(existsSync(join(secondDir, '.embly')), 'nothing was built');

  t.is(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'hello\n', 'the first serves on');
  t.like(JSON.parse(readFileSync(`${socketPath}.json`, 'utf8')), { pid: first.child.pid });
  first.child.kill('SIGTERM');
  t.is((await first.exited).code, 0, 'a drained stop exits 0');
  t.false(existsSync(socketPath), 'a master removes its socket at its stop');
  t.false(existsSync(`${socketPath}.json`), 'and its owner file');
});

test('a listener that is not an embly daemon is named by its command line; an owner file naming another pid is not believed', async (t) => {
  const socketPath = join(await tempDir(t, 'embly-socket-'), 'embly.sock');
  const script = 'require("net").createServer().listen(process.argv[1], () => console.log("up"))';
  const other = spawn(process.execPath, ['-e', script, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { other.kill('SIGKILL'); });
  await once(other.stdout!, 'data');
  writeFileSync(`${socketPath}.json`, JSON.stringify({ pid: process.pid, project: '/somewhere/else/embly-project.yml', started: new Date().toISOString() }), { mode: 0o600 });
  const command = `${process.execPath} -e ${script} ${socketPath}`;
  const shown = command.length > 80 ? `${command.slice(0, 79)}…` : command;
  await t.throwsAsync(startDaemon(t, await watProject(t, [{ name: 'hello', wat: HELLO }]), { socketPath }), {
    instanceOf: MasterSocketInUseError,
    message: `master socket ${socketPath} is in use by pid ${other.pid} (${shown}); stop it, or choose another socket with --socket`,
  });
});

test('a stale socket file left by a killed master is replaced, and so is its owner file', async (t) => {
  const socketPath = join(await tempDir(t, 'embly-socket-'), 'embly.sock');
  const killed = spawn(process.execPath, ['-e', 'require("net").createServer().listen(process.argv[1], () => console.log("up"))', socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(killed.stdout!, 'data');
  writeFileSync(`${socketPath}.json`, JSON.stringify({ pid: killed.pid, project: '/killed/embly-project.yml', started: new Date().toISOString() }), { mode: 0o600 });
  killed.kill('SIGKILL');
  await once(killed, 'exit');
  t.true(lstatSync(socketPath).isSocket(), 'its socket file is left behind');
  const project = await watProject(t, [{ name: 'stale', wat: HELLO }]);
  const { url } = await startDaemon(t, project, { socketPath });
  t.is((await fetch(url('stale'))).status, 200);
  t.like(JSON.parse(readFileSync(`${socketPath}.json`, 'utf8')), { pid: process.pid, project: join(project, 'embly-project.yml') });
});

test('a file at the socket path that is not a socket is left alone', async (t) => {
  const socketPath = join(await tempDir(t, 'embly-socket-'), 'notes.txt');
  writeFileSync(socketPath, 'keep me');
  await t.throwsAsync(startDaemon(t, await watProject(t, [{ name: 'hello', wat: HELLO }]), { socketPath }), {
    instanceOf: MasterSocketInUseError, message: `${socketPath} exists and is not a socket; not replacing it (choose another with --socket)`,
  });
  t.is(readFileSync(socketPath, 'utf8'), 'keep me');
});
