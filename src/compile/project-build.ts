// `embly build` for a whole project: each function's source -> .wasm (its
// language toolchain) -> AOT object (aot.ts), in parallel up to the cores.
// A function whose inputs (source files, language, toolchain flags) are
// unchanged since the last build skips its language toolchain: its record in
// .embly/<name>.build.json names the wasm it produced. The AOT step has a
// cache of its own (aot.ts), keyed by everything that makes the object, so a
// new runtime ABI or compiler rebuilds the object from that wasm. All of it
// lives in the project's state directory: .embly/ in the project, or the one
// given (--state-dir), so that a read-only project (under a service) builds.

import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { access, constants, mkdir, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cachedAot, compileAot, type AotObject, type Sidecar } from './aot.js';
import { checkImports } from './imports.js';
import { checkMemoryLimit } from './memory-limit.js';
import { withLock } from './lock.js';
import { sourceInputs } from './toolchains/index.js';
import type { WasmModule } from './wasm-module.js';
import { writeFileAtomically } from './write-atomically.js';
import type { FunctionSpec, Project } from '../project/index.js';
import { sdkDir } from '../paths.js';
import { BuildFailedError, FunctionBuildError, StateDirError } from '../errors.js';

export interface BuiltFunction {
  spec: FunctionSpec;
  wasmPath: string;
  objectPath: string;
  sidecar: Sidecar;
  /** false when nothing had to be compiled */
  compiled: boolean;
  /** How long its build took, from its first check to its object ready (metrics: embly_build_duration_seconds). */
  buildMs: number;
}

export type BuildStep = 'checking' | 'compiling' | 'translating' | 'done' | 'failed';
export type ProgressListener = (fn: string, step: BuildStep, detail?: string) => void;

interface BuildRecord { inputsHash: string; wasmSha256: string; objectKey: string; toolchain?: string; }

/** The project's build state (wasm, objects, build records, the build lock):
 * `stateDir` when given, else .embly/ in the project. */
export function projectStateDir(project: Project, stateDir?: string): string {
  return stateDir === undefined ? join(project.root, '.embly') : resolve(stateDir);
}

/** Why a directory cannot hold the build's files, when it is the file system's or the permissions' fault. */
const NOT_WRITABLE = new Set(['EROFS', 'EACCES', 'EPERM']);

/** The file system's or the permissions' reason that `error` happened making `dir`, if it is one.
 * A recursive mkdir under a read-only directory says only ENOENT: the nearest
 * existing directory above says why. */
async function notWritableReason(dir: string, error: NodeJS.ErrnoException): Promise<string | null> {
  if (NOT_WRITABLE.has(error.code ?? '')) return error.code!;
  if (error.code !== 'ENOENT') return null;
  let existing = dirname(dir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const code = await access(existing, constants.W_OK).then(() => null, (e: NodeJS.ErrnoException) => e.code ?? null);
  return code !== null && NOT_WRITABLE.has(code) ? code : null;
}

/** Creates the state directory and checks it can be written, before any toolchain runs. */
async function prepareStateDir(dir: string, given: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    const reason = await notWritableReason(dir, e as NodeJS.ErrnoException);
    if (reason === null) throw e;
    const hint = given ? 'give a writable directory' : 'give a writable one with --state-dir DIR (or EMBLY_STATE_DIR)';
    throw new StateDirError(`cannot write the build's files to ${dir} (${reason}): ${hint}`, { cause: e });
  }
}

async function inputsHash(spec: FunctionSpec): Promise<string> {
  const hash = createHash('sha256').update(`${spec.language}\n${spec.path}\n${spec.simd ? 'simd128\n' : ''}`);
  for (const file of (await sourceInputs(spec.language, spec.path)).sort()) {
    hash.update(`${file}\n`).update(await readFile(file));
  }
  return hash.digest('hex');
}

async function readRecord(path: string): Promise<BuildRecord | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as BuildRecord;
  } catch {
    return null;
  }
}

/** The wasm of the last build when its inputs are unchanged, with the toolchain that made it. */
async function reusableWasm(dir: string, spec: FunctionSpec, hash: string): Promise<{ toolchain?: string } | null> {
  const record = await readRecord(join(dir, `${spec.name}.build.json`));
  if (record?.inputsHash !== hash || !existsSync(join(dir, `${spec.name}.wasm`))) return null;
  return { toolchain: record.toolchain };
}

/** Runs the function's language toolchain into .embly/<name>.wasm: the module and the toolchain's identity. */
async function compileSource(dir: string, spec: FunctionSpec, wasmPath: string): Promise<{ module: WasmModule; toolchain: string }> {
  const workDir = join(dir, 'work', spec.name);
  await mkdir(workDir, { recursive: true });
  const { compileToWasm } = await import('./toolchains/index.js'); // the toolchains and wabt: not on the path of a fresh build
  const compiled = await compileToWasm({ name: spec.name, language: spec.language, sourcePath: spec.path, outDir: workDir, sdkDir, simd: spec.simd });
  await writeFileAtomically(wasmPath, compiled.module.bytes);
  return compiled;
}

/** The function's module: last build's when its inputs are unchanged, else freshly compiled. */
async function functionModule(dir: string, spec: FunctionSpec, hash: string, progress: ProgressListener) {
  const wasmPath = join(dir, `${spec.name}.wasm`);
  const reused = await reusableWasm(dir, spec, hash);
  const { loadWasmModule } = await import('./wasm-module.js');
  if (reused) return { wasmPath, reused: true, toolchain: reused.toolchain, module: await loadWasmModule(await readFile(wasmPath)) };
  progress(spec.name, 'compiling', spec.language);
  const { module, toolchain } = await compileSource(dir, spec, wasmPath);
  progress(spec.name, 'translating', 'wasm2c + cc');
  return { wasmPath, reused: false, toolchain, module };
}

/** The object of the last build, when the function's inputs are unchanged and
 * its object is in the AOT cache, intact: found without reading the module
 * (the sidecar says what the build needs of it). */
async function freshObject(dir: string, spec: FunctionSpec, hash: string, warn: Warn): Promise<AotObject | null> {
  const record = await readRecord(join(dir, `${spec.name}.build.json`));
  if (record?.inputsHash !== hash) return null;
  const wasmBytes = await stat(join(dir, `${spec.name}.wasm`)).then((s) => s.size, () => null);
  if (wasmBytes === null) return null;
  return cachedAot({ cacheDir: join(dir, 'objects'), functionName: spec.name, wasmSha256: record.wasmSha256, wasmBytes, warn });
}

async function buildFunction(dir: string, spec: FunctionSpec, progress: ProgressListener, warnEach: Warn): Promise<BuiltFunction> {
  const startedAt = performance.now();
  // The cache is asked twice for the same object (the fresh-build check, then compileAot): one line of a damaged one.
  const told = new Set<string>();
  const warn: Warn = (line) => { if (!told.has(line)) { told.add(line); warnEach(line); } };
  progress(spec.name, 'checking');
  const hash = await inputsHash(spec);
  const fresh = await freshObject(dir, spec, hash, warn);
  if (fresh) {
    checkMemoryLimit(fresh.sidecar.memory?.minPages ?? null, spec.limits.memoryPages); // the limit may have changed alone
    return built(spec, join(dir, `${spec.name}.wasm`), fresh, false, startedAt);
  }
  const { wasmPath, reused, toolchain, module } = await functionModule(dir, spec, hash, progress);
  checkImports(module.info);
  checkMemoryLimit(module.info.memories[0] ? Number(module.info.memories[0].min) : null, spec.limits.memoryPages);
  const object = await compileAot({ wasm: module, cacheDir: join(dir, 'objects'), functionName: spec.name, sourceToolchain: toolchain, warn });
  if (!reused || object.compiled) {
    const record: BuildRecord = { inputsHash: hash, wasmSha256: module.sha256, objectKey: object.key, toolchain };
    await writeFileAtomically(join(dir, `${spec.name}.build.json`), JSON.stringify(record, null, 2));
  }
  return built(spec, wasmPath, object, !reused || object.compiled, startedAt);
}

function built(spec: FunctionSpec, wasmPath: string, object: AotObject, compiled: boolean, startedAt: number): BuiltFunction {
  return { spec, wasmPath, objectPath: object.objectPath, sidecar: object.sidecar, compiled, buildMs: performance.now() - startedAt };
}

export interface BuildOptions {
  progress?: ProgressListener;
  jobs?: number;
  /** Where the build's files go instead of the project's .embly/ (projectStateDir). */
  stateDir?: string;
  /** What the build has to say besides progress (a damaged cached object built again); default: a log line on stderr. */
  warn?: Warn;
}

export type Warn = (line: string) => void;

/** The log's format (src/log.ts), without loading it on `embly exec`'s path. */
const warnOnStderr: Warn = (line) => { process.stderr.write(`warn build: ${line}\n`); };

/** Builds every function; once all have finished, rejects with every
 * failure, so each error is reported once. */
export async function buildProject(project: Project, options: BuildOptions = {}): Promise<BuiltFunction[]> {
  const dir = projectStateDir(project, options.stateDir);
  await prepareStateDir(dir, options.stateDir !== undefined);
  return withLock(join(dir, 'build.lock'), () => buildAll(project, dir, options));
}

async function buildAll(project: Project, dir: string, options: BuildOptions): Promise<BuiltFunction[]> {
  const progress = options.progress ?? (() => {});
  const warn = options.warn ?? warnOnStderr;
  const specs = project.functions;
  const jobs = Math.max(1, options.jobs ?? availableParallelism());
  const results: BuiltFunction[] = [];
  const failures: FunctionBuildError[] = [];
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      try {
        const built = await buildFunction(dir, spec, progress, warn);
        results.push(built);
        progress(spec.name, 'done', built.compiled ? undefined : 'up to date');
      } catch (e) {
        const failure = new FunctionBuildError(spec.name, e as Error);
        failures.push(failure);
        progress(spec.name, 'failed', (e as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, specs.length) }, worker));
  if (failures.length > 0) throw new BuildFailedError(failures);
  return specs.map((s) => results.find((r) => r.spec.name === s.name)!);
}
