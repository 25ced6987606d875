// Build caching and build errors on a small project made in a temp dir.
import test from 'ava';
import { EMBLY_ABI_VERSION } from '../../src/compile/abi.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProject } from '../../src/compile/project-build.js';
import { BuildFailedError, MemoryLimitError } from '../../src/errors.js';
import { loadProject } from '../../src/project/index.js';
import { packageRoot } from '../../src/paths.js';
import { runProcess } from '../helpers/objects.js';

const WAT = `(module (memory (export "memory") 1) (func (export "_start")))`;
const C = `#include "embly.h"\nint main(void) { return 0; }\n`;

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embly-build-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const YAML = `functions:
  - name: tiny-wat
    path: ./tiny.wat
    language: wat
  - name: tiny-c
    path: ./tiny.c
    language: c
`;

test('a second build compiles nothing; a changed source rebuilds only its function', async (t) => {
  const dir = await project({ 'embly-project.yml': YAML, 'tiny.wat': WAT, 'tiny.c': C });
  const first = await buildProject(await loadProject(dir));
  t.deepEqual(first.map((b) => b.compiled), [true, true]);
  const second = await buildProject(await loadProject(dir));
  t.deepEqual(second.map((b) => b.compiled), [false, false]);
  t.deepEqual(second.map((b) => b.objectPath), first.map((b) => b.objectPath));
  await writeFile(join(dir, 'tiny.c'), `${C}/* changed */\nint unused(void) { return 1; }\n`);
  const third = await buildProject(await loadProject(dir));
  t.deepEqual(third.map((b) => b.compiled), [false, true]);
});

test('the sidecar describes the object', async (t) => {
  const dir = await project({ 'embly-project.yml': YAML, 'tiny.wat': WAT, 'tiny.c': C });
  const [wat] = await buildProject(await loadProject(dir));
  const sidecar = JSON.parse(await readFile(wat!.objectPath.replace(/\.so$/, '.json'), 'utf8'));
  t.is(sidecar.function, 'tiny-wat');
  t.is(sidecar.abiVersion, EMBLY_ABI_VERSION);
  t.regex(sidecar.wasmSha256, /^[0-9a-f]{64}$/);
  t.deepEqual(sidecar.exports.map((e: { name: string }) => e.name), ['memory', '_start']);
  t.deepEqual(sidecar.memory, { minPages: 1, maxPages: null });
  t.is(sidecar.toolchain.wasm2c, '1.0.39');
});

test('a compile error names the function and shows the compiler output', async (t) => {
  const dir = await project({ 'embly-project.yml': YAML, 'tiny.wat': WAT, 'tiny.c': 'int main(void) { return nope; }\n' });
  const error = await t.throwsAsync(buildProject(await loadProject(dir)), { instanceOf: BuildFailedError });
  t.regex(error!.message, /function "tiny-c"/);
  t.regex(error!.message, /use of undeclared identifier 'nope'/);
});

test('an invalid wasm module is refused before translation, with wabt\'s reason', async (t) => {
  const dir = await project({
    'embly-project.yml': 'functions:\n  - name: bad\n    path: ./bad.wasm\n    language: wasm\n',
    'bad.wasm': '\0asm\x01\0\0\0\x01\x04\x01\x60\0',
  });
  const error = await t.throwsAsync(buildProject(await loadProject(dir)), { instanceOf: BuildFailedError });
  t.regex(error!.message, /^function "bad": malformed module: 0+a: error: invalid section size/);
  t.false(existsSync(join(dir, '.embly', 'objects')), 'nothing was translated');
});

test('an import Embly does not provide is refused at build time', async (t) => {
  const dir = await project({
    'embly-project.yml': 'functions:\n  - name: needy\n    path: ./needy.wat\n    language: wat\n',
    'needy.wat': '(module (import "env" "thing" (func)) (memory (export "memory") 1) (func (export "_start")))',
  });
  const error = await t.throwsAsync(buildProject(await loadProject(dir)));
  t.is(error!.message, 'function "needy": import "env"."thing" comes from module "env", which Embly does not provide (only "embly" and "wasi_snapshot_preview1")');
});

test('embly build prints file:line:col for a malformed project file', async (t) => {
  const dir = await project({ 'embly-project.yml': 'functions:\n  - name: x\n    path: ./x.wat\n    langauge: wat\n' });
  const result = await runProcess(process.execPath, [join(packageRoot, 'bin', 'embly.js'), 'build', dir]);
  t.is(result.code, 78); // EX_CONFIG, docs/errors.md
  t.regex(result.stderr, /embly-project\.yml:4:5: .*langauge/);
});

test('an object made for another runtime ABI is rebuilt from the unchanged wasm, without its toolchain', async (t) => {
  const dir = await project({ 'embly-project.yml': YAML, 'tiny.wat': WAT, 'tiny.c': C });
  const [first] = await buildProject(await loadProject(dir));
  // What a runtime upgrade leaves behind: the record names an object made under another key.
  const objects = join(dir, '.embly', 'objects');
  await copyFile(first!.objectPath, join(objects, 'stale.so'));
  await copyFile(first!.objectPath.replace(/\.so$/, '.json'), join(objects, 'stale.json'));
  const record = join(dir, '.embly', 'tiny-wat.build.json');
  await writeFile(record, JSON.stringify({ ...JSON.parse(await readFile(record, 'utf8')), objectKey: 'stale' }));
  const [again] = await buildProject(await loadProject(dir));
  t.is(again!.objectPath, first!.objectPath);
  t.false(again!.compiled, 'the current object is found in the AOT cache');
  t.is(JSON.parse(await readFile(record, 'utf8')).objectKey, 'stale', 'nothing was compiled, so nothing is rewritten');
});

const BIG_START = '(module (memory (export "memory") 3) (func (export "_start")))'; // 3 pages: 192 KiB at start

test('a function whose module starts with more memory than its memory limit is refused at build time', async (t) => {
  const dir = await project({
    'embly-project.yml': 'functions:\n  - name: greedy\n    path: ./greedy.wat\n    language: wat\n    memory: 2\n',
    'greedy.wat': BIG_START,
  });
  const error = await t.throwsAsync(buildProject(await loadProject(dir)), { instanceOf: BuildFailedError });
  t.is(error!.failures[0]!.reason.constructor, MemoryLimitError);
  t.is(error!.message, 'function "greedy": its module starts with 192 KiB (3 pages) of memory, more than its memory limit of ' +
    '128 KiB (2 pages): raise `memory:` in the project file, or make the module start smaller');
  const cli = await runProcess(process.execPath, [join(packageRoot, 'bin', 'embly.js'), 'build', dir]);
  t.is(cli.code, 78, cli.stderr); // EX_CONFIG: the project file's limit is what is wrong
  t.regex(cli.stderr, /^.*greedy.*: its module starts with 192 KiB \(3 pages\) of memory, more than its memory limit of 128 KiB \(2 pages\)/m);
  t.notRegex(cli.stderr, /\n\s+at /, 'one line, no stack');
  await writeFile(join(dir, 'embly-project.yml'), 'functions:\n  - name: greedy\n    path: ./greedy.wat\n    language: wat\n    memory: 3\n');
  const [built] = await buildProject(await loadProject(dir));
  t.true(built!.compiled, 'at the limit, it builds');
});

test('a damaged object in the build cache is built again, with a log line, and runs', async (t) => {
  const dir = await project({ 'embly-project.yml': 'functions:\n  - name: tiny-c\n    path: ./tiny.c\n    language: c\n', 'tiny.c': C });
  const [first] = await buildProject(await loadProject(dir));
  const object = await readFile(first!.objectPath);
  object.fill(0xcc, object.length >> 1, (object.length >> 1) + 64); // a disk fault in its code, say: same size, other bytes
  await writeFile(first!.objectPath, object);
  const warnings: string[] = [];
  const [again] = await buildProject(await loadProject(dir), { warn: (line) => warnings.push(line) });
  t.true(again!.compiled);
  t.is(again!.objectPath, first!.objectPath);
  t.deepEqual(warnings, [`the cached object of tiny-c (${first!.objectPath}) is damaged or missing: building it again`]);
  t.deepEqual(await readFile(again!.objectPath), await readFile(first!.objectPath));
  const digest = createHash('sha256').update(await readFile(again!.objectPath)).digest('hex');
  t.is(JSON.parse(await readFile(first!.objectPath.replace(/\.so$/, '.json'), 'utf8')).objectSha256, digest);

  // Through the command line: the log line on stderr, and the function runs from the rebuilt object.
  await writeFile(first!.objectPath, 'truncated');
  const cli = await runProcess(process.execPath, [join(packageRoot, 'bin', 'embly.js'), 'exec', 'tiny-c', '--project', dir]);
  t.is(cli.code, 0, cli.stderr);
  t.regex(cli.stderr, /^warn build: the cached object of tiny-c \(.*\) is damaged or missing: building it again$/m);
  const [third] = await buildProject(await loadProject(dir), { warn: (line) => warnings.push(line) });
  t.false(third!.compiled, 'an intact object is reused');
  t.is(warnings.length, 1);
});
