// `embly new` as a user runs it, in a fresh folder: the hello builds and
// answers at once (embly build, embly exec); an existing project file keeps
// its comments and order; a name taken is refused with nothing written.
// All four languages from an installed package: test/install/global.test.ts.
import test from 'ava';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { tempDir } from '../daemon/helpers.js';
import { runProcess } from '../helpers/objects.js';
import { assertOneLineError, emblyScript } from './helpers.js';

const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

function emblyIn(cwd: string, args: string[], input = '') {
  return runProcess(process.execPath, [emblyScript, ...args], input, cwd);
}

const COMMENTED = `# my project: keep this comment
metrics: off # and this one

functions:
  # the first one
  - name: first
    path: ./first.wat
    language: wat
`;

test('embly new writes a wat and a c hello that build and answer, added to a commented project file that keeps its comments and order', async (t) => {
  const dir = await tempDir(t, 'embly-new-');
  await writeFile(join(dir, 'embly-project.yml'), COMMENTED);
  await writeFile(join(dir, 'first.wat'), '(module (memory (export "memory") 1) (func (export "_start")))');
  for (const [name, language, gateway] of [['hello-wat', 'wat', 'http:18400'], ['hello-c', 'c', 'tcp:18401']] as const) {
    const made = await emblyIn(dir, ['new', name, '--language', language, '--gateway', gateway]);
    t.is(made.code, 0, made.stderr);
  }
  const text = await readFile(join(dir, 'embly-project.yml'), 'utf8');
  t.true(text.startsWith(COMMENTED.slice(0, COMMENTED.indexOf('  - name: first'))), text);
  t.regex(text, /# the first one\n  - name: first\n/);
  t.deepEqual(parse(text), {
    metrics: 'off',
    functions: [
      { name: 'first', path: './first.wat', language: 'wat' },
      { name: 'hello-wat', path: './hello-wat', language: 'wat' },
      { name: 'hello-c', path: './hello-c', language: 'c' },
    ],
    gateways: [
      { name: 'hello-wat', type: 'http', port: 18400, function: 'hello-wat' },
      { name: 'hello-c', type: 'tcp', port: 18401, function: 'hello-c' },
    ],
  });
  const built = await emblyIn(dir, ['build']);
  t.is(built.code, 0, built.stderr);
  for (const name of ['hello-wat', 'hello-c']) {
    const answer = await emblyIn(dir, ['exec', name], REQUEST);
    t.is(answer.code, 0, answer.stderr);
    t.regex(answer.stdout.toString(), new RegExp(`^HTTP/1.1 200 OK\\r\\n[^]*\\r\\n\\r\\nHello from ${name}!\\n$`));
  }
});

test('embly new in an empty folder writes the project file', async (t) => {
  const dir = await tempDir(t, 'embly-new-');
  const made = await emblyIn(dir, ['new', 'solo', '--language', 'wat']);
  t.is(made.code, 0, made.stderr);
  t.deepEqual(parse(await readFile(join(dir, 'embly-project.yml'), 'utf8')), { functions: [{ name: 'solo', path: './solo', language: 'wat' }] });
  t.deepEqual(await readdir(join(dir, 'solo')), ['solo.wat']);
});

test('embly new refuses a name the project has, writing nothing; and a bad name, language or gateway', async (t) => {
  const dir = await tempDir(t, 'embly-new-');
  await writeFile(join(dir, 'embly-project.yml'), COMMENTED);
  assertOneLineError(t, await emblyIn(dir, ['new', 'first', '--language', 'c']), 73, /already has a function named "first"/);
  t.deepEqual((await readdir(dir)).sort(), ['embly-project.yml']);
  t.is(await readFile(join(dir, 'embly-project.yml'), 'utf8'), COMMENTED);
  assertOneLineError(t, await emblyIn(dir, ['new', 'Bad Name', '--language', 'c']), 64, /lower-case/);
  assertOneLineError(t, await emblyIn(dir, ['new', 'ok', '--language', 'cobol']), 64, /cobol/);
  assertOneLineError(t, await emblyIn(dir, ['new', 'ok', '--language', 'c', '--gateway', 'udp:1']), 64, /http:PORT or tcp:PORT/);
});
