// The error catalogue (src/errors.ts) against its table (docs/errors.md):
// the same codes with the same kind, exit status and HTTP status, and no
// class that src/ never uses.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import * as catalogue from '../src/errors.js';
import { EmblyError } from '../src/errors.js';
import { packageRoot } from '../src/paths.js';

type ErrorClass = typeof EmblyError & { name: string };

const classes = Object.values(catalogue).filter((v): v is ErrorClass => typeof v === 'function' && v.prototype instanceof EmblyError);

interface DocRow { code: string; className: string; kind: string; exit: string; http: string; }

async function documentedRows(): Promise<DocRow[]> {
  const doc = await readFile(join(packageRoot, 'docs', 'errors.md'), 'utf8');
  return [...doc.matchAll(/^\| `(EMBLY_[A-Z_]+)` \| `(\w+)` \| (\w+) \| *(\d*) *\| *(\d*) *\|/gm)]
    .map(([, code, className, kind, exit, http]) => ({ code: code!, className: className!, kind: kind!, exit: exit!, http: http! }));
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

test('the catalogue has classes, each with its own code', (t) => {
  t.true(classes.length >= 20);
  const codes = classes.map((c) => c.spec.code);
  t.is(new Set(codes).size, codes.length, 'no two classes share a code');
});

test('every code in the catalogue is documented in docs/errors.md, as declared, and nothing else is', async (t) => {
  const rows = await documentedRows();
  const declared = classes.map((c) => ({
    code: c.spec.code, className: c.name, kind: c.spec.kind, exit: String(c.spec.exitCode), http: c.spec.httpStatus === undefined ? '' : String(c.spec.httpStatus),
  }));
  const byCode = (a: DocRow, b: DocRow) => a.code.localeCompare(b.code);
  t.deepEqual(rows.sort(byCode), declared.sort(byCode));
});

test('every class of the catalogue is used in src/ outside the catalogue', async (t) => {
  const files = (await sourceFiles(join(packageRoot, 'src'))).filter((f) => !f.endsWith(join('src', 'errors.ts')));
  const source = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
  const unused = classes.filter((c) => !new RegExp(`\\b${c.name}\\b`).test(source)).map((c) => c.name);
  t.deepEqual(unused, []);
});

test('an instance carries its spec; a wrapper takes the kind and exit status of what it wraps', (t) => {
  const missing = new catalogue.ToolchainMissingError('no clang', 'apt-get install clang');
  t.like(missing, { name: 'ToolchainMissingError', code: 'EMBLY_TOOLCHAIN_MISSING', kind: 'user', exitCode: 69 });
  const failed = new catalogue.BuildFailedError([new catalogue.FunctionBuildError('hello', missing)]);
  t.like(failed, { code: 'EMBLY_BUILD_FAILED', kind: 'user', exitCode: 69 });
  const bug = new catalogue.BuildFailedError([
    new catalogue.FunctionBuildError('hello', missing),
    new catalogue.FunctionBuildError('other', new TypeError('x is undefined')),
  ]);
  t.like(bug, { kind: 'internal', exitCode: catalogue.EXIT.software });
  t.false(catalogue.isUserError(bug));
  t.is(new catalogue.HttpSyntaxError('CONNECT is not supported', 501).httpStatus, 501);
});
