// prometheus/embly-rules.yml and prometheus/prometheus.yml as promtool
// (Debian's prometheus package) checks them, and the alerts' unit tests
// (embly-rules.promtool.yml: each alert fires past its threshold, and not
// below it).
import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/paths.js';
import { PROMETHEUS_CONFIG_FILE, RULES_FILE } from './expressions.js';

const run = promisify(execFile);
const UNIT_TESTS = join(packageRoot, 'test', 'metrics', 'embly-rules.promtool.yml');

/** promtool's output; a failed check rejects with it. */
async function promtool(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('promtool', args).catch((e: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  });
  return stdout + stderr;
}

test('promtool check rules passes on the rules file', async (t) => {
  t.regex(await promtool('check', 'rules', RULES_FILE), /SUCCESS: \d+ rules found/);
});

test('promtool check config passes on the example prometheus.yml, which loads the rules file', async (t) => {
  const output = await promtool('check', 'config', PROMETHEUS_CONFIG_FILE);
  t.regex(output, /SUCCESS: 1 rule files found/);
  t.regex(output, /Checking \S*prometheus\/embly-rules\.yml\n\s+SUCCESS: \d+ rules found/);
});

test('each alert fires past its threshold and not below it (promtool test rules)', async (t) => {
  t.regex(await promtool('test', 'rules', UNIT_TESTS), /SUCCESS/);
});
