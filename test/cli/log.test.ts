// `embly run`'s log: level words on a terminal, the journal's priority
// prefixes under systemd (JOURNAL_STREAM set), and --log-level.
import { join } from 'node:path';
import test from 'ava';
import { projectDir, startEmbly } from './helpers.js';

const PROJECT = {
  'embly-project.yml': 'functions:\n  - name: idle\n    path: ./idle.wat\n    language: wat\n',
  'idle.wat': '(module (memory (export "memory") 1) (func (export "_start")))',
};

async function runAndStop(flags: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const dir = await projectDir(PROJECT);
  const run = startEmbly(['run', dir, '--runners', '1', '--socket', join(dir, 'embly.sock'), '--metrics', 'off', ...flags], 'embly: serving', 60_000, env);
  await run.started;
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.exited;
  if (code !== 0) throw new Error(`embly run exited ${code}:\n${stderr}`);
  return stderr;
}

test('embly run under systemd writes the journal\'s priority prefix instead of the level', async (t) => {
  const stderr = await runAndStop([], { JOURNAL_STREAM: '8:12345' });
  t.regex(stderr, /^<6>embly: stopping$/m);
  t.notRegex(stderr, /^info /m);
});

test('embly run --log-level warn leaves out the info lines', async (t) => {
  const stderr = await runAndStop(['--log-level', 'warn']);
  t.notRegex(stderr, /stopping/);
});
