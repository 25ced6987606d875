// loadProject reads from disk: the file itself and the function paths.
import test, { type ExecutionContext } from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadProject, parseProject, ProjectFileError } from '../../src/project/index.js';
import { yaml } from './helpers.js';

/** A fresh directory, removed when the test ends. */
async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'embly-project-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const PROJECT = yaml(
  'functions:',
  '  - name: hello',
  '    path: ./hello',
  '    language: rust',
  '  - name: page',
  '    path: page.wat',
  '    language: wat',
  'gateways:',
  '  - name: web',
  '    type: http',
  '    port: 8080',
  '    function: hello',
);

async function writeProject(dir: string, text = PROJECT, name = 'embly-project.yml'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function loadError(t: ExecutionContext, pathOrDir: string): Promise<ProjectFileError> {
  const error = await t.throwsAsync(loadProject(pathOrDir), { instanceOf: ProjectFileError });
  if (error === undefined) throw new Error('loadProject did not throw');
  return error;
}

test('a directory means its embly-project.yml; paths resolve against it', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'hello'));
  await writeFile(path.join(dir, 'page.wat'), '(module)');
  await writeProject(dir);
  const project = await loadProject(dir);
  t.is(project.root, dir);
  t.is(project.file, path.join(dir, 'embly-project.yml'));
  t.deepEqual(project.functions.map((f) => f.path), [path.join(dir, 'hello'), path.join(dir, 'page.wat')]);
  t.deepEqual(project.gateways, [{ name: 'web', type: 'http', port: 8080, function: 'hello' }]);
});

test('a file path is loaded whatever the file is called', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'hello'));
  await writeFile(path.join(dir, 'page.wat'), '(module)');
  const file = await writeProject(dir, PROJECT, 'staging.yml');
  const project = await loadProject(file);
  t.is(project.file, file);
  t.is(project.functions.length, 2);
});

test('a directory without a project file says how to create one', async (t) => {
  const dir = await tempDir(t);
  const error = await loadError(t, dir);
  t.is(error.message, [
    `${path.join(dir, 'embly-project.yml')}: project file not found`,
    '  hint: create embly-project.yml with a "functions:" list (see docs/project-file.md),'
      + ' or pass the path of an existing project file or its directory',
  ].join('\n'));
  t.deepEqual(error.problems.map((p) => [p.line, p.col]), [[0, 0]]);
});

test('a missing file path is reported as given', async (t) => {
  const dir = await tempDir(t);
  const missing = path.join(dir, 'nope', 'app.yml');
  const error = await loadError(t, missing);
  t.is(error.message.split('\n')[0], `${missing}: project file not found`);
});

test('function paths that do not exist are reported with the other problems', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'page.wat'), '(module)');
  const file = await writeProject(dir, PROJECT.replace('port: 8080', 'port: 80800'));
  const error = await loadError(t, dir);
  t.is(error.message, [
    `${file}:3:11: function "hello": path "./hello" does not exist`,
    `  hint: looked for ${path.join(dir, 'hello')}`,
    `${file}:11:11: gateway "web": port 80800 is out of range`,
    '  hint: use a whole number from 1 to 65535',
  ].join('\n'));
});

test('parseProject never looks at the disk', (t) => {
  const project = parseProject(PROJECT, '/no/such/dir/embly-project.yml');
  t.is(project.functions[0]?.path, '/no/such/dir/hello');
});
