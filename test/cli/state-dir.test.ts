// --state-dir (and EMBLY_STATE_DIR): a project on a read-only file system,
// as under the service unit, builds and serves with its build's files in
// another directory, and without one fails in one line that says what to do.
// The project is made read-only for real: a read-only bind mount in a mount
// namespace of the command's own (unshare; these tests run as root).
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { EXIT } from '../../src/errors.js';
import { packageRoot } from '../../src/paths.js';
import { runProcess } from '../helpers/objects.js';
import { tempDir } from '../daemon/helpers.js';
import { assertOneLineError, emblyScript, startProcess } from './helpers.js';

const HELLO = join(packageRoot, 'examples', 'hello-wat', 'hello.wat');

/** argv that runs `embly args` with `dir` mounted read-only, and `env` (NAME=value) set. */
function readOnly(dir: string, args: string[], env: string[] = []): [string, string[]] {
  const script = 'mount --bind -o ro "$0" "$0" && exec "$@"';
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, dir, 'env', ...env, process.execPath, emblyScript, ...args]];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

async function helloProject(t: Parameters<typeof tempDir>[0], port = 8080): Promise<string> {
  const dir = await tempDir(t, 'embly-ro-project-');
  await cp(HELLO, join(dir, 'hello.wat'));
  await writeFile(join(dir, 'embly-project.yml'),
    `functions:\n  - name: hello\n    path: ./hello.wat\n    language: wat\ngateways:\n  - name: web\n    type: http\n    port: ${port}\n    function: hello\n`);
  return dir;
}

test('embly build of a read-only project without --state-dir: one line naming the directory and --state-dir, exit 73', async (t) => {
  const dir = await helloProject(t);
  const [command, args] = readOnly(dir, ['build', dir]);
  const result = await runProcess(command, args);
  assertOneLineError(t, result, EXIT.cantCreate, new RegExp(`^embly: cannot write the build's files to ${join(dir, '.embly')} \\(EROFS\\): .*--state-dir DIR`));
});

test('embly build --state-dir builds a read-only project into that directory, and a second build finds it up to date', async (t) => {
  const dir = await helloProject(t);
  const state = join(await tempDir(t, 'embly-state-'), 'nested', 'state');
  const [command, args] = readOnly(dir, ['build', '--state-dir', state, dir]);
  const first = await runProcess(command, args);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stderr, /built 1 function \(1 compiled, 0 up to date\)/);
  t.deepEqual((await readdir(dir)).sort(), ['embly-project.yml', 'hello.wat'], 'nothing written into the project');
  const files = await readdir(state);
  t.true(files.includes('hello.wasm') && files.includes('hello.build.json') && files.includes('objects'), files.join(' '));
  t.true((await readdir(join(state, 'objects'))).some((f) => f.endsWith('.so')));
  const record = JSON.parse(await readFile(join(state, 'hello.build.json'), 'utf8')) as { objectKey: string };
  t.truthy(record.objectKey);
  const second = await runProcess(command, args);
  t.regex(second.stderr, /built 1 function \(0 compiled, 1 up to date\)/);
});

test('EMBLY_STATE_DIR does what --state-dir does, and the flag wins over it', async (t) => {
  const dir = await helloProject(t);
  const fromEnv = await tempDir(t, 'embly-state-env-');
  const fromFlag = await tempDir(t, 'embly-state-flag-');
  const [command, args] = readOnly(dir, ['build', dir], [`EMBLY_STATE_DIR=${fromEnv}`]);
  const byEnv = await runProcess(command, args);
  t.is(byEnv.code, 0, byEnv.stderr);
  t.true((await readdir(fromEnv)).includes('hello.wasm'));
  const [command2, args2] = readOnly(dir, ['build', '--state-dir', fromFlag, dir], [`EMBLY_STATE_DIR=${join(dir, 'unwritable')}`]);
  const byFlag = await runProcess(command2, args2);
  t.is(byFlag.code, 0, byFlag.stderr);
  t.true((await readdir(fromFlag)).includes('hello.wasm'));
});

test('embly run --state-dir serves a read-only project', async (t) => {
  const port = await freePort();
  const dir = await helloProject(t, port);
  const state = await tempDir(t, 'embly-state-run-');
  const socket = join(state, 'embly.sock');
  const [command, args] = readOnly(dir, ['run', '--state-dir', state, '--socket', socket, '--host', '127.0.0.1', '--runners', '1', '--metrics', 'off', dir]);
  const run = startProcess(command, args, 'embly: serving', 60_000);
  t.teardown(() => { run.child.kill('SIGKILL'); });
  await run.started;
  const response = await fetch(`http://127.0.0.1:${port}/`);
  t.is(response.status, 200);
  t.is(await response.text(), 'Hello from WebAssembly text (wat)!\n');
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.exited;
  t.true(code === 0 || code === 128 + 15, `exit ${code}: ${stderr}`);
  t.deepEqual((await readdir(dir)).sort(), ['embly-project.yml', 'hello.wat']);
});
