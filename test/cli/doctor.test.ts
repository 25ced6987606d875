// `embly doctor` on this machine (which has every toolchain: scripts/setup.sh
// --test), and with clang made unreachable (EMBLY_CLANG, as a user's own
// choice of clang would be): the table says so with the install command, and
// the exit status is 69 only for a project that has a C function.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../daemon/helpers.js';
import { runProcess } from '../helpers/objects.js';
import { emblyScript } from './helpers.js';

const CHECKS = ['Node.js', 'native build', 'C compiler', 'wabt', 'simde', 'c: clang', 'rust: rustc', 'assemblyscript: asc', 'seccomp', 'master socket', 'metrics port', 'service unit'];

function doctor(cwd: string, env: NodeJS.ProcessEnv = {}) {
  return runProcess('/usr/bin/env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, emblyScript, 'doctor'], '', cwd);
}

const project = (language: string, path: string) => `functions:\n  - name: f\n    path: ${path}\n    language: ${language}\n`;

test('embly doctor: every check ok here, one row each, exit 0', async (t) => {
  const result = await doctor(await tempDir(t, 'embly-doctor-'));
  t.is(result.code, 0, result.stdout.toString() + result.stderr);
  const rows = result.stdout.toString().trimEnd().split('\n');
  for (const check of CHECKS) t.truthy(rows.find((r) => r.startsWith(check) && /\s ok\s/.test(r)), `${check}: ${result.stdout.toString()}`);
});

test('embly doctor: a missing clang is named with its install command; fatal for a C project only', async (t) => {
  const env = { EMBLY_CLANG: '/nonexistent/clang' };
  const cProject = await tempDir(t, 'embly-doctor-');
  await writeFile(join(cProject, 'embly-project.yml'), project('c', './f.c'));
  await writeFile(join(cProject, 'f.c'), 'int main(void) { return 0; }\n');
  const forC = await doctor(cProject, env);
  const out = forC.stdout.toString();
  t.is(forC.code, 69, out);
  t.regex(out, /^c: clang \+ wasi-libc\s+MISSING\s+.*\/nonexistent\/clang/m);
  t.regex(out, /^fix c: clang \+ wasi-libc: apt-get install clang lld wasi-libc/m);
  t.regex(out, /missing what this project needs: c: clang/);

  const watProject = await tempDir(t, 'embly-doctor-');
  await writeFile(join(watProject, 'embly-project.yml'), project('wat', './f.wat'));
  await writeFile(join(watProject, 'f.wat'), '(module)\n');
  const forWat = await doctor(watProject, env);
  t.is(forWat.code, 0, forWat.stdout.toString());
  t.regex(forWat.stdout.toString(), /^c: clang \+ wasi-libc\s+MISSING/m, 'still shown, though this project does not need it');
});
