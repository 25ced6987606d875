// `embly build` for a whole project: each function's source -> .wasm (its
// language toolchain) -> AOT object (aot.ts), in parallel up to the cores.
// A function whose inputs (source files, language, toolchain flags) are
// unchanged since the last build is not compiled at all: its record in
// .embly/<name>.build.json names the wasm and object it produced.

import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compileAot, sha256, type Sidecar } from './aot.js';
import { checkImports } from './imports.js';
import { withLock } from './lock.js';
import { compileToWasm, sourceInputs } from './toolchains/index.js';
import { readWasmInfo } from './wasm-info.js';
import type { FunctionSpec, Project } from '../project/index.js';
import { sdkDir } from '../paths.js';

export interface BuiltFunction {
  spec: FunctionSpec;
  wasmPath: string;
  objectPath: string;
  sidecar: Sidecar;
  /** false when nothing had to be compiled */
  compiled: boolean;
}

export type BuildStep = 'checking' | 'compiling' | 'translating' | 'done' | 'failed';
export type ProgressListener = (fn: string, step: BuildStep, detail?: string) => void;

export class FunctionBuildError extends Error {
  readonly code = 'EMBLY_FUNCTION_BUILD_FAILED';
  constructor(readonly functionName: string, readonly reason: Error) {
    super(`function "${functionName}": ${reason.message}`);
  }
}

interface BuildRecord { inputsHash: string; wasmSha256: string; objectKey: string; }

export function buildDir(project: Project): string {
  return join(project.root, '.embly');
}

async function inputsHash(spec: FunctionSpec): Promise<string> {
  const hash = createHash('sha256').update(`${spec.language}\n${spec.path}\n`);
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

async function upToDate(dir: string, spec: FunctionSpec, hash: string): Promise<BuiltFunction | null> {
  const record = await readRecord(join(dir, `${spec.name}.build.json`));
  if (record?.inputsHash !== hash) return null;
  const objectPath = join(dir, 'objects', `${record.objectKey}.so`);
  const sidecarPath = join(dir, 'objects', `${record.objectKey}.json`);
  const wasmPath = join(dir, `${spec.name}.wasm`);
  if (!existsSync(objectPath) || !existsSync(wasmPath)) return null;
  const sidecar = JSON.parse(await readFile(sidecarPath, 'utf8')) as Sidecar;
  return { spec, wasmPath, objectPath, sidecar, compiled: false };
}

async function buildFunction(project: Project, spec: FunctionSpec, progress: ProgressListener): Promise<BuiltFunction> {
  const dir = buildDir(project);
  progress(spec.name, 'checking');
  const hash = await inputsHash(spec);
  const cached = await upToDate(dir, spec, hash);
  if (cached) return cached;

  progress(spec.name, 'compiling', spec.language);
  const workDir = join(dir, 'work', spec.name);
  await mkdir(workDir, { recursive: true });
  const compiled = await compileToWasm({ name: spec.name, language: spec.language, sourcePath: spec.path, outDir: workDir, sdkDir });
  const wasmPath = join(dir, `${spec.name}.wasm`);
  const temporary = `${wasmPath}.${process.pid}.tmp`;
  await copyFile(compiled.wasmPath, temporary);
  await rename(temporary, wasmPath);

  progress(spec.name, 'translating', 'wasm2c + cc');
  const wasm = await readFile(wasmPath);
  checkImports(readWasmInfo(wasm));
  const object = await compileAot({ wasm, cacheDir: join(dir, 'objects'), functionName: spec.name, sourceToolchain: compiled.toolchain });
  const record: BuildRecord = { inputsHash: hash, wasmSha256: sha256(wasm), objectKey: object.key };
  await writeFile(join(dir, `${spec.name}.build.json`), JSON.stringify(record, null, 2));
  return { spec, wasmPath, objectPath: object.objectPath, sidecar: object.sidecar, compiled: true };
}

export interface BuildOptions { progress?: ProgressListener; jobs?: number; only?: string[]; }

/** Builds every function (or `only` those); rejects with the first failure
 * after all have finished, so every error is reported once. */
export async function buildProject(project: Project, options: BuildOptions = {}): Promise<BuiltFunction[]> {
  await mkdir(buildDir(project), { recursive: true });
  return withLock(join(buildDir(project), 'build.lock'), () => buildAll(project, options));
}

async function buildAll(project: Project, options: BuildOptions): Promise<BuiltFunction[]> {
  const progress = options.progress ?? (() => {});
  const specs = project.functions.filter((f) => !options.only || options.only.includes(f.name));
  const jobs = Math.max(1, options.jobs ?? availableParallelism());
  const results: BuiltFunction[] = [];
  const failures: FunctionBuildError[] = [];
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      try {
        const built = await buildFunction(project, spec, progress);
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

export class BuildFailedError extends Error {
  readonly code = 'EMBLY_BUILD_FAILED';
  constructor(readonly failures: FunctionBuildError[]) {
    super(failures.map((f) => f.message).join('\n\n'));
  }
}
