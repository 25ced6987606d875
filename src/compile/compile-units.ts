// The AOT step split in compile units (docs/loader.md, "Compile units"):
// most of a cold build is the C compiler on wasm2c's output, and one file
// uses one core. wasm2c writes the module as several C files
// (--num-outputs), each compiled to an object file on its own core, then
// linked with the glue into the .so. A compiled part is kept in a cache
// keyed by its whole text (with the headers it includes, the flags and the
// compiler), so a build whose change touches one part (a string literal, one
// function) compiles only that part again.

import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomically } from './write-atomically.js';
import { AotCompileError } from '../errors.js';

const run = promisify(execFile);

/** Below this much code, one unit: a second compiler process and a link cost more than they save. */
const SPLIT_FROM_CODE_BYTES = 16 * 1024;
/** Units at most, however many cores: each one parses the headers again and adds to the link. */
const MAX_UNITS = 8;

/** How many units a module with `codeBytes` of code is compiled in: one
 * per core, but one alone for small modules. */
export function unitsFor(codeBytes: number): number {
  if (codeBytes < SPLIT_FROM_CODE_BYTES) return 1;
  return Math.min(MAX_UNITS, Math.max(2, availableParallelism()));
}

/** wasm2c's C files for `units` units, in the order it numbers them. */
export function guestFiles(units: number): string[] {
  return units === 1 ? ['guest.c'] : Array.from({ length: units }, (_, i) => `guest_${i}.c`);
}

/** C compilers at once, across every build in this process: each function
 * of a project builds in parallel too, and more compilers than cores only
 * share them. */
const slots = { free: availableParallelism(), waiting: [] as (() => void)[] };

async function withCompilerSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (slots.free > 0) slots.free--;
  else await new Promise<void>((resolve) => slots.waiting.push(resolve));
  try {
    return await fn();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  }
}

export interface UnitBuild {
  /** the work directory: wasm2c's output and the glue are in it */
  work: string;
  /** the C files to compile there (the units, then the glue) */
  sources: string[];
  /** the only files they include from the work directory (guest.h, guest-impl.h): part of every part's key */
  localHeaders: string[];
  cflags: string[];
  ldlibs: string[];
  /** what else decides the object code: the compiler's and the runtime headers' identity */
  identity: string;
  /** where compiled parts are kept */
  partsDir: string;
}

function compilerFailed(e: { stderr?: string }): never {
  throw new AotCompileError(`the C compiler failed on the wasm2c output:\n${e.stderr ?? e}`);
}

/** Compiles every source to an object file (the cached one when its text is
 * unchanged), in parallel, then links them into `output` in the work directory. */
export async function compileAndLink(build: UnitBuild, output: string): Promise<void> {
  const headers = await Promise.all(build.localHeaders.map((h) => readFile(join(build.work, h))));
  const shared = createHash('sha256').update(`${build.cflags.join(' ')}\n${build.identity}\n`);
  for (const h of headers) shared.update(h);
  await mkdir(build.partsDir, { recursive: true });
  const objects = await Promise.all(build.sources.map((source) => compilePart(build, source, shared.copy())));
  await withCompilerSlot(() => run(process.env.CC ?? 'cc', [...build.cflags, '-o', output, ...objects, ...build.ldlibs],
    { cwd: build.work, maxBuffer: 16 << 20 })).catch(compilerFailed);
}

/** One source's object file, from the parts cache or compiled (and kept there). */
async function compilePart(build: UnitBuild, source: string, hash: ReturnType<typeof createHash>): Promise<string> {
  const key = hash.update(await readFile(join(build.work, source))).digest('hex');
  const object = `${source}.o`;
  const cached = await readPart(build.partsDir, key);
  if (cached) {
    await writeFile(join(build.work, object), cached);
    return object;
  }
  await withCompilerSlot(() => run(process.env.CC ?? 'cc', [...build.cflags, '-c', '-o', object, source],
    { cwd: build.work, maxBuffer: 16 << 20 })).catch(compilerFailed);
  await keepPart(build.partsDir, key, await readFile(join(build.work, object)));
  return object;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A kept part is <key>.o beside <key>.sha256, the digest of its bytes, written after it. */
async function keepPart(dir: string, key: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomically(join(dir, `${key}.o`), bytes);
  await writeFileAtomically(join(dir, `${key}.sha256`), sha256(bytes));
}

/** A kept part whose bytes are still the ones compiled; null when missing or damaged (then it is compiled again). */
async function readPart(dir: string, key: string): Promise<Buffer | null> {
  try {
    const [bytes, digest] = await Promise.all([readFile(join(dir, `${key}.o`)), readFile(join(dir, `${key}.sha256`), 'utf8')]);
    return sha256(bytes) === digest ? bytes : null;
  } catch {
    return null;
  }
}

/** A unit's C file: the preemption declarations the glue defines, then
 * wasm2c's part itself (not an #include of it: a part's cache key is the
 * text of the file compiled, with the local headers). */
export async function writeUnit(work: string, guestFile: string, prelude: string): Promise<string> {
  const unit = `unit_${guestFile}`;
  await writeFile(join(work, unit), `${prelude}\n#line 1 "${guestFile}"\n${await readFile(join(work, guestFile), 'utf8')}`);
  return unit;
}
