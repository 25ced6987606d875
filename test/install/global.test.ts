// Embly installed as a user installs it (the "Done means"): this
// package packed with `npm pack`, installed globally into a temporary npm
// prefix (its install script builds the native parts), then in a fresh
// temporary folder `embly new` for each language, `embly build` and
// `embly exec` answering each hello, and `embly doctor`. Then the native
// build removed, as when npm did not run the install script: doctor says so
// (exit 69), a missing libseccomp-dev is named in one line, and the next
// command builds it first, saying so in one line.
import test from 'ava';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../daemon/helpers.js';
import { runProcess, type RunResult } from '../helpers/objects.js';
import { packageRoot } from '../../src/paths.js';

const LANGUAGES = ['wat', 'c', 'rust', 'assemblyscript'] as const;
const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

function npm(args: string[], cwd: string): Promise<RunResult> {
  return runProcess('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], '', cwd);
}

test('packed, installed globally into a temporary prefix: embly new, build and exec answer in every language; doctor is content; a missing native build is built on first use', async (t) => {
  const work = await tempDir(t, 'embly-install-');
  const packed = await npm(['pack', '--pack-destination', work], packageRoot);
  t.is(packed.code, 0, packed.stderr);
  const tarball = join(work, packed.stdout.toString().trim().split('\n').pop()!);
  const prefix = join(work, 'prefix');
  const installed = await npm(['install', '-g', '--prefix', prefix, tarball], work);
  t.is(installed.code, 0, installed.stderr);
  const installedRoot = join(prefix, 'lib', 'node_modules', 'embly');
  t.true(existsSync(join(installedRoot, 'build', 'native', 'bin', 'embly-runner')), 'the install script built the runner');
  t.true(existsSync(join(installedRoot, 'node_modules', 'assemblyscript')), 'assemblyscript came as a dependency');

  const project = join(work, 'my-app'); // nowhere near this repository
  await runProcess('mkdir', [project]);
  const embly = (args: string[], input = '') => runProcess(join(prefix, 'bin', 'embly'), args, input, project);

  for (const language of LANGUAGES) {
    const made = await embly(['new', `hello-${language}`, '--language', language]);
    t.is(made.code, 0, made.stderr);
  }
  const built = await embly(['build']);
  t.is(built.code, 0, built.stderr);
  t.notRegex(built.stderr, /building the native parts/);
  for (const language of LANGUAGES) {
    const answer = await embly(['exec', `hello-${language}`], REQUEST);
    t.is(answer.code, 0, answer.stderr);
    t.regex(answer.stdout.toString(), new RegExp(`^HTTP/1.1 200 OK\\r\\n[^]*\\r\\n\\r\\nHello from hello-${language}!\\n$`), language);
  }
  const doctor = await embly(['doctor']);
  t.is(doctor.code, 0, doctor.stdout.toString() + doctor.stderr);
  t.regex(doctor.stdout.toString(), /^native build\s+ok/m);

  await rm(join(installedRoot, 'build'), { recursive: true, force: true });
  const unbuilt = await embly(['doctor']);
  t.is(unbuilt.code, 69, unbuilt.stdout.toString());
  t.regex(unbuilt.stdout.toString(), /^fix native build: npm rebuild -g embly$/m);
  // pkg-config told to search nowhere: as on a machine without libseccomp-dev
  const noSeccomp = await runProcess('/usr/bin/env', ['PKG_CONFIG_LIBDIR=/nonexistent', join(prefix, 'bin', 'embly'), 'exec', 'hello-c'], REQUEST, project);
  t.is(noSeccomp.code, 72, noSeccomp.stderr);
  t.is(noSeccomp.stderr.trimEnd().split('\n').pop(), 'embly: the native build failed: it needs libseccomp: apt-get install libseccomp-dev, then "npm rebuild -g embly"');
  await rm(join(installedRoot, 'build'), { recursive: true, force: true }); // cmake's cache of that failure
  const firstUse = await embly(['exec', 'hello-c'], REQUEST);
  t.is(firstUse.code, 0, firstUse.stderr);
  t.regex(firstUse.stderr, /^embly: building the native parts in .* \(npm did not run the install script; once only\)\n/);
  t.regex(firstUse.stdout.toString(), /Hello from hello-c!\n$/);
});
