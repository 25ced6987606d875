// Every command answers --help with its usage on stdout and exit 0.
import test from 'ava';
import { embly } from './helpers.js';

for (const command of ['build', 'dev', 'doctor', 'exec', 'new', 'run', 'sdk-path']) {
  test(`embly ${command} --help shows its usage and options, exit 0`, async (t) => {
    const result = await embly(command, '--help');
    t.is(result.code, 0, result.stderr);
    t.regex(result.stdout.toString(), new RegExp(`^Usage: embly ${command} \\[options\\]`));
    t.regex(result.stdout.toString(), /-h, --help/);
    t.is(result.stderr, '');
  });

  test(`embly help ${command} is embly ${command} --help`, async (t) => {
    const [viaHelp, viaFlag] = await Promise.all([embly('help', command), embly(command, '--help')]);
    t.is(viaHelp.code, 0);
    t.is(viaHelp.stdout.toString(), viaFlag.stdout.toString());
  });
}

test('embly, embly --help and embly -h list every command, exit 0', async (t) => {
  for (const args of [[], ['--help'], ['-h']]) {
    const result = await embly(...args);
    t.is(result.code, 0, result.stderr);
    for (const command of ['build', 'dev', 'doctor', 'exec', 'new', 'run', 'sdk-path', 'version', 'help']) t.regex(result.stdout.toString(), new RegExp(`^  ${command} `, 'm'));
  }
});

test('embly version and embly --version print the package version', async (t) => {
  for (const args of [['version'], ['--version']]) {
    const result = await embly(...args);
    t.is(result.code, 0);
    t.regex(result.stdout.toString(), /^\d+\.\d+\.\d+\n$/);
  }
});
