// C: clang --target=wasm32-wasi with wasi-libc and lld, the SDK header on the include path.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { aptInstall } from './debian.js';
import { CompileError, ToolchainMissingError } from '../../errors.js';
import { isMissingBinary, outputOf, run, type RunResult } from './run.js';
import { entryFile, findFiles, isDirectory, uniqueSorted } from './sources.js';
import type { CompileRequest, CompiledWasm, Toolchain } from './types.js';
import { definedFunctions } from './wasm-object.js';
import { which } from './which.js';

/** Older Debian wasi-libc installs the wasm32-wasi triple, newer releases may only have wasm32-wasip1. */
const TARGETS = ['wasm32-wasi', 'wasm32-wasip1'] as const;
/** `clang` first, then versioned names (Debian installs clang-NN without `clang` if asked). */
const CLANG_NAMES = ['clang', 'clang-21', 'clang-20', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14'];
const ALL_PACKAGES = ['clang', 'lld', 'wasi-libc', 'libclang-rt-dev-wasm32'];
const SHAPE_HINT = 'a C function is a program: define int main(void)';
/** What clang names main: main(void) is __main_void (older clangs: main), main(argc, argv)
 * is __main_argc_argv. */
const MAIN_SYMBOLS = ['main', '__main_void', '__main_argc_argv'];
/** `simd: true`: wasm SIMD instructions, <wasm_simd128.h> and auto-vectorised loops. */
const SIMD_FLAG = '-msimd128';

interface Clang {
  path: string;
  target: (typeof TARGETS)[number];
  toolchain: string;
}

const probes = new Map<string, Promise<Clang>>();

/** The clang to use (EMBLY_CLANG overrides the search), probed once per process. */
export function findClang(): Promise<Clang> {
  const chosen = process.env['EMBLY_CLANG'] ?? CLANG_NAMES.map(which).find((p): p is string => p !== null);
  if (chosen === undefined) return Promise.reject(missing('clang is not installed', ALL_PACKAGES));
  let probe = probes.get(chosen);
  if (!probe) {
    probe = probeClang(chosen);
    probe.catch(() => probes.delete(chosen)); // a later install is seen without a restart
    probes.set(chosen, probe);
  }
  return probe;
}

function missing(reason: string, packages: readonly string[]): ToolchainMissingError {
  const install = aptInstall({ bookworm: packages, trixie: packages });
  return new ToolchainMissingError(`C functions need clang with the WebAssembly WASI sysroot, but ${reason}. Install it with: ${install}`, install);
}

/** Links a tiny libc program for each target until one works; the failure names what is missing. */
async function probeClang(path: string): Promise<Clang> {
  const dir = await mkdtemp(join(tmpdir(), 'embly-clang-probe-'));
  try {
    const source = join(dir, 'probe.c');
    await writeFile(source, '#include <string.h>\nint main(void) { return (int)strlen(""); }\n');
    let firstFailure: RunResult | null = null;
    for (const target of TARGETS) {
      const result = await runClang(path, [`--target=${target}`, '-O2', source, '-o', join(dir, 'probe.wasm')]);
      if (result.code === 0) return { path, target, toolchain: `${await clangVersion(path)} (${target})` };
      firstFailure ??= result;
    }
    throw diagnose(path, outputOf(firstFailure!));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runClang(path: string, args: string[]): Promise<RunResult> {
  try {
    return await run(path, args);
  } catch (error) {
    if (isMissingBinary(error)) throw missing(`${path} cannot be run`, ALL_PACKAGES);
    throw error;
  }
}

/** Names the package behind a failed probe from clang's own words (the runtime and libc
 * checks come first: wasm-ld itself reports their missing files). */
function diagnose(path: string, output: string): ToolchainMissingError {
  const detail = output.split('\n').find((line) => /error/i.test(line))?.trim() ?? output.trim();
  if (/libclang_rt\.builtins|clang_rt/.test(output)) {
    return missing(`the WebAssembly compiler runtime is missing (${detail})`, ['libclang-rt-dev-wasm32']);
  }
  if (/file not found|crt1|-lc\b|libc\.a/.test(output)) return missing(`the WASI C library is missing (${detail})`, ['wasi-libc']);
  if (/invalid linker name|wasm-ld[^\n]*(doesn't exist|not found)/.test(output)) {
    return missing(`the linker wasm-ld is missing (${detail})`, ['lld']);
  }
  return missing(`${path} cannot build a WebAssembly program (${detail})`, ALL_PACKAGES);
}

async function clangVersion(path: string): Promise<string> {
  const result = await run(path, ['--version']);
  const version = /clang version (\S+)/.exec(result.stdout)?.[1];
  return version ? `clang ${version}` : (result.stdout.split('\n')[0] ?? 'clang').trim();
}

/** The .c files to compile: the file itself, or every .c file at the top of a directory. */
async function cFiles(name: string, sourcePath: string): Promise<string[]> {
  if (await isDirectory(sourcePath)) {
    const files = await findFiles(sourcePath, ['.c'], false);
    if (files.length === 0) throw new CompileError(name, 'embly build', `${sourcePath} holds no .c file`);
    return files;
  }
  return [await entryFile(name, sourcePath, '.c')];
}

function sourceDir(files: readonly string[], sourcePath: string, isDir: boolean): string {
  return isDir ? sourcePath : dirname(files[0]!);
}

async function compile(req: CompileRequest): Promise<CompiledWasm> {
  const files = await cFiles(req.name, req.sourcePath);
  const dir = sourceDir(files, req.sourcePath, await isDirectory(req.sourcePath));
  const clang = await findClang();
  const objects = await compileObjects(req, clang, files, dir);
  const wasmPath = join(req.outDir, `${req.name}.wasm`);
  const result = await runClang(clang.path, [`--target=${clang.target}`, ...objects, '-o', wasmPath, '-Wl,--strip-debug']);
  if (result.code !== 0) throw new CompileError(req.name, clang.toolchain, outputOf(result));
  return { wasmPath, toolchain: clang.toolchain };
}

/** Compiles each .c file to an object and checks that one of them defines main: wasi-libc
 * since 2023 (Debian 13) references main weakly, so a program without one would link and
 * trap when started, where older ones (Debian 12) fail to link. */
async function compileObjects(req: CompileRequest, clang: Clang, files: readonly string[], dir: string): Promise<string[]> {
  const objDir = join(req.outDir, `${req.name}.objects`);
  await rm(objDir, { recursive: true, force: true });
  await mkdir(objDir, { recursive: true });
  const objects: string[] = [];
  let hasMain = false;
  for (const [i, file] of files.entries()) {
    const object = join(objDir, `${i}-${basename(file, '.c')}.o`);
    const args = [`--target=${clang.target}`, '-O2', ...(req.simd ? [SIMD_FLAG] : []), '-Wall', `-I${join(req.sdkDir, 'c')}`, `-I${dir}`, '-c', file, '-o', object];
    const result = await runClang(clang.path, args);
    if (result.code !== 0) throw new CompileError(req.name, clang.toolchain, outputOf(result));
    const defined = definedFunctions(await readFile(object));
    hasMain ||= MAIN_SYMBOLS.some((name) => defined.has(name));
    objects.push(object);
  }
  if (!hasMain) throw new CompileError(req.name, clang.toolchain, `no main function is defined: ${SHAPE_HINT}`);
  return objects;
}

/** The .c files, every header beside them (recursively) and the SDK header. */
async function inputs(sourcePath: string, sdkDir: string): Promise<string[]> {
  const files = await cFiles(sourcePath, sourcePath);
  const dir = sourceDir(files, sourcePath, await isDirectory(sourcePath));
  return uniqueSorted([...files, ...(await findFiles(dir, ['.h'])), join(sdkDir, 'c', 'embly.h')]);
}

export const c: Toolchain = { compile, inputs, shapeHint: SHAPE_HINT };
