// emblyctl's command line: every command's --help, the list of commands, usage errors.
import test from 'ava';
import { EXIT } from '../../src/errors.js';
import { emblyctl } from './helpers.js';

const COMMANDS = ['status', 'ps', 'logs', 'reload', 'stop'];

for (const command of COMMANDS) {
  test(`emblyctl ${command} --help shows its usage with --json and --control, exit 0`, async (t) => {
    const result = await emblyctl([command, '--help']);
    t.is(result.code, 0, result.stderr);
    t.regex(result.stdout, new RegExp(`^Usage: emblyctl ${command} \\[options\\]`));
    t.regex(result.stdout, /^ {2}--json /m);
    t.regex(result.stdout, /^ {2}--control <path> /m);
    t.is(result.stderr, '');
  });
}

test('emblyctl alone and --help list every command; --version prints the version', async (t) => {
  for (const args of [[], ['--help']]) {
    const result = await emblyctl(args);
    t.is(result.code, 0, result.stderr);
    for (const command of [...COMMANDS, 'help']) t.regex(result.stdout, new RegExp(`^  ${command} `, 'm'));
  }
  t.regex((await emblyctl(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/);
});

test('a bad command line is one line and exit 64', async (t) => {
  for (const [args, message] of [
    [['restart'], /^emblyctl: unknown command 'restart'/],
    [['logs', '-n', 'x'], /^emblyctl: option '-n, --lines <n>' argument 'x' is invalid\. It must be a whole number from 1 up\.$/],
    [['status', '--control', ''], /^emblyctl: option '--control <path>' argument '' is invalid\. It must not be empty\.$/],
  ] as const) {
    const result = await emblyctl([...args]);
    t.is(result.code, EXIT.usage, result.stderr);
    t.regex(result.stderr.trimEnd(), message);
    t.is(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  }
});
