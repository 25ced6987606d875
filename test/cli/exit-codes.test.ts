// What each command exits with: a user error its catalogue status and one
// message, a bug 70 and its stack, `embly exec` its instance's own code or
// the runner's outcome, `embly run` 128 + the signal that stopped it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { EXIT } from '../../src/errors.js';
import { RunnerStatus } from '../../src/supervisor/index.js';
import { assertOneLineError, embly, projectDir, startEmbly } from './helpers.js';

const MALFORMED = 'functions:\n  - name: a\n    path: [oops\n';

const WAT_PROJECT = {
  'embly-project.yml': [
    'functions:',
    '  - name: quitter', '    path: ./quitter.wat', '    language: wat',
    '  - name: trapper', '    path: ./trapper.wat', '    language: wat',
  ].join('\n') + '\n',
  'quitter.wat': `(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (call $exit (i32.const 70))))`,
  'trapper.wat': '(module (memory (export "memory") 1) (func (export "_start") unreachable))',
};

for (const command of ['build', 'exec', 'run']) {
  test(`embly ${command} on a malformed project file: file:line:col, exit 78 (EX_CONFIG)`, async (t) => {
    const dir = await projectDir({ 'embly-project.yml': MALFORMED });
    const args = command === 'exec' ? ['exec', 'a', '--project', dir] : [command, dir];
    assertOneLineError(t, await embly(...args), EXIT.config, new RegExp(`^embly: ${join(dir, 'embly-project.yml')}:4:1: invalid YAML`));
  });
}

test('a user error with --debug prints its stack and keeps its exit status', async (t) => {
  const dir = await projectDir({ 'embly-project.yml': MALFORMED });
  const result = await embly('build', dir, '--debug');
  t.is(result.code, EXIT.config);
  t.regex(result.stderr, /^ProjectFileError: .*embly-project\.yml:4:1: invalid YAML/);
  t.regex(result.stderr, /^\s+at /m);
});

test('an error outside the catalogue (.embly is a file) is a bug: its stack, exit 70', async (t) => {
  const dir = await projectDir(WAT_PROJECT);
  await writeFile(join(dir, '.embly'), '');
  const result = await embly('build', dir);
  t.is(result.code, EXIT.software, result.stderr);
  t.regex(result.stderr, /^Error: EEXIST/);
  t.regex(result.stderr, /^\s+at .*buildProject/m);
});

test('embly exec of a function the project lacks: one line naming those it has, exit 64', async (t) => {
  const dir = await projectDir(WAT_PROJECT);
  assertOneLineError(t, await embly('exec', 'nobody', '--project', dir), EXIT.usage, /^embly: no function "nobody" in .*; it has: quitter, trapper$/);
});

test("embly exec exits with the instance's own code, and with the runner's trap status for a trap", async (t) => {
  const dir = await projectDir(WAT_PROJECT);
  const quit = await embly('exec', 'quitter', '--project', dir);
  t.is(quit.code, 70, quit.stderr);
  const trap = await embly('exec', 'trapper', '--project', dir);
  t.is(trap.code, RunnerStatus.trap, trap.stderr);
  t.regex(trap.stderr, /ended: trap \(unreachable executed\)/);
});

test('embly run stopped by SIGTERM drains and exits 0, a service manager\'s normal stop', async (t) => {
  const dir = await projectDir(WAT_PROJECT);
  const run = startEmbly(['run', dir, '--runners', '1', '--socket', join(dir, 'embly.sock'), '--metrics', 'off'], 'embly: serving', 60_000);
  await run.started;
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.exited;
  t.is(code, 0, stderr);
  t.regex(stderr, /^info embly: stopping$/m);
  t.regex(stderr, /^info embly: drained: every request under way was answered$/m);
});

test('embly run stopped by SIGINT (^C) drains the same way and exits 130 (128 + SIGINT)', async (t) => {
  const dir = await projectDir(WAT_PROJECT);
  const run = startEmbly(['run', dir, '--runners', '1', '--socket', join(dir, 'embly.sock'), '--metrics', 'off'], 'embly: serving', 60_000);
  await run.started;
  run.child.kill('SIGINT');
  const { code, stderr } = await run.exited;
  t.is(code, 128 + 2, stderr);
  t.regex(stderr, /^info embly: drained: every request under way was answered$/m);
});
