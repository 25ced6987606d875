// A bad command line is one line on stderr and exit 64 (EX_USAGE), never a
// stack, and nothing runs.
import test from 'ava';
import { assertOneLineError, embly } from './helpers.js';

const BAD_VALUES: [string[], RegExp][] = [
  [['build', '-j', 'x'], /^embly: option '-j, --jobs <n>' argument 'x' is invalid\. It must be a whole number from 1 up\.$/],
  [['build', '--jobs', '0'], /argument '0' is invalid/],
  [['run', '--runners', 'x'], /^embly: option '--runners <n>' argument 'x' is invalid\. It must be a whole number from 1 up\.$/],
  [['run', '--socket', ''], /^embly: option '--socket <path>' argument '' is invalid\. It must not be empty\.$/],
  [['run', '--log-level', 'loud'], /^embly: option '--log-level <level>' argument 'loud' is invalid\. Allowed choices are error, warn, info, debug\.$/],
  [['run', '--metrics', 'nowhere'], /^embly: option '--metrics <host:port>' argument 'nowhere' is invalid\. It must be HOST:PORT \(127\.0\.0\.1:9465, say\) or off\.$/],
  [['exec', 'hello', '--project', ''], /^embly: option '-p, --project <dir>' argument '' is invalid/],
];

for (const [args, message] of BAD_VALUES) {
  test(`embly ${args.map((a) => a || "''").join(' ')}: a bad flag value, one line, exit 64`, async (t) => {
    assertOneLineError(t, await embly(...args), 64, message);
  });
}

for (const command of ['build', 'exec', 'run']) {
  test(`embly ${command} --bogus: an unknown option, exit 64`, async (t) => {
    assertOneLineError(t, await embly(command, '--bogus'), 64, /^embly: unknown option '--bogus'$/);
  });
}

test('embly exec without a function: a missing argument, exit 64', async (t) => {
  assertOneLineError(t, await embly('exec'), 64, /^embly: missing required argument 'function'$/);
});

test('embly bogus: an unknown command, exit 64', async (t) => {
  assertOneLineError(t, await embly('bogus'), 64, /^embly: unknown command 'bogus'$/);
});

test('--debug shows the stack of a usage error, with the same exit status', async (t) => {
  const result = await embly('build', '-j', 'x', '--debug');
  t.is(result.code, 64);
  t.regex(result.stderr, /^UsageError: option '-j, --jobs <n>'/);
  t.regex(result.stderr, /^\s+at /m);
});
