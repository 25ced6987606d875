// Rust: a crate directory is built with cargo, a single .rs file with rustc (with the
// embly SDK crate available as `embly`). The rustc must have the wasm32 WASI standard
// library; Debian 12's /usr/bin/rustc 1.63 does, a rustup rustc earlier on PATH may not.

import { readFile, readlink, copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { aptInstall } from './debian.js';
import { CompileError, ToolchainMissingError } from '../../errors.js';
import { isMissingBinary, outputOf, run, type RunResult } from './run.js';
import { entryFile, exists, findFiles, isDirectory, uniqueSorted } from './sources.js';
import type { CompileRequest, CompiledWasm, Toolchain } from './types.js';
import { whichAll } from './which.js';

/** Rust 1.78+ calls the target wasm32-wasip1 (and 1.84 dropped wasm32-wasi). */
const TARGETS = ['wasm32-wasip1', 'wasm32-wasi'] as const;
/** rustc links wasm with /usr/bin/rust-lld: a link to lld-14 shipped by rustc on Debian 12,
 * to lld-19 shipped by rust-llvm on Debian 13. */
const PACKAGES = {
  bookworm: ['rustc', 'cargo', 'libstd-rust-dev-wasm32', 'lld-14'],
  trixie: ['rustc', 'cargo', 'libstd-rust-dev-wasm32', 'rust-llvm'],
};
const SHAPE_HINT = 'a Rust function is a binary crate: give it fn main()';
/** Release wasm carries megabytes of std's DWARF; names stay for readable traps. */
const STRIP_FLAGS = ['-C', 'debuginfo=0', '-C', 'strip=debuginfo'];

interface Rust {
  rustc: string;
  /** cargo from the same installation as rustc (a newer cargo may not drive an older rustc). */
  cargo: string | null;
  target: (typeof TARGETS)[number];
  toolchain: string;
}

function missing(reason: string): ToolchainMissingError {
  const install = aptInstall(PACKAGES);
  return new ToolchainMissingError(
    `Rust functions need a rustc with the WebAssembly WASI standard library (target wasm32-wasip1 or wasm32-wasi), but ${reason}. ` +
      `Install it with: ${install}; or, with rustup: rustup target add wasm32-wasip1`,
    install,
  );
}

async function wasmTargetOf(rustc: string, cwd: string): Promise<Rust['target'] | null> {
  let result: RunResult;
  try {
    result = await run(rustc, ['--print', 'sysroot'], { cwd });
  } catch {
    return null;
  }
  if (result.code !== 0) return null;
  const sysroot = result.stdout.trim();
  for (const target of TARGETS) {
    if (await exists(join(sysroot, 'lib', 'rustlib', target, 'lib'))) return target;
  }
  return null;
}

/** rustc candidates: EMBLY_RUSTC alone if set, else every rustc on PATH, then Debian's. */
function rustcCandidates(): string[] {
  const chosen = process.env['EMBLY_RUSTC'];
  if (chosen) return [whichAll(chosen)[0] ?? chosen];
  return [...new Set([...whichAll('rustc'), '/usr/bin/rustc'])];
}

const probes = new Map<string, Promise<Rust>>();

/** The first rustc with a wasm target; `cwd` matters to rustup's per-directory overrides. */
export function findRust(cwd: string): Promise<Rust> {
  const candidates = rustcCandidates();
  const key = `${candidates.join(':')}@${cwd}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = probeRust(candidates, cwd);
    probe.catch(() => probes.delete(key));
    probes.set(key, probe);
  }
  return probe;
}

async function probeRust(candidates: string[], cwd: string): Promise<Rust> {
  for (const rustc of candidates) {
    const target = await wasmTargetOf(rustc, cwd);
    if (!target) continue;
    const cargo = whichAll(join(dirname(rustc), 'cargo'))[0] ?? null;
    const version = (await run(rustc, ['--version'], { cwd })).stdout.trim().split(' ').slice(0, 2).join(' ');
    return { rustc, cargo, target, toolchain: `${version} (${target})` };
  }
  const tried = candidates.filter((c) => whichAll(c).length > 0);
  throw missing(tried.length === 0 ? 'no rustc is installed' : `none has it (tried ${tried.join(', ')})`);
}

/** A failed link because rust-lld is absent is a missing toolchain, not a bad source. */
async function linkerMissing(rust: Rust, output: string): Promise<ToolchainMissingError | null> {
  if (!/linker `?rust-lld`? not found|rust-lld.*(No such file|not found)/.test(output)) return null;
  const lld = await readlink(join(dirname(rust.rustc), 'rust-lld')).catch(() => null);
  if (!lld) return missing('its linker rust-lld is missing');
  const install = `apt-get install ${basename(lld)}`;
  return new ToolchainMissingError(`Rust functions need the linker rust-lld, a link to ${lld} that is not installed. Install it with: ${install}`, install);
}

async function failure(req: CompileRequest, rust: Rust, result: RunResult): Promise<Error> {
  const output = outputOf(result);
  return (await linkerMissing(rust, output)) ?? new CompileError(req.name, rust.toolchain, output);
}

// ---------------------------------------------------------------- cargo crates

interface CargoMessage {
  reason?: string;
  target?: { kind?: string[]; name?: string };
  filenames?: string[];
}

function parseJsonLine(line: string): CargoMessage | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as CargoMessage;
  } catch {
    return null; // not one of cargo's messages (e.g. a build script's output)
  }
}

/** The .wasm binaries cargo reported building, by target name. */
function builtBinaries(stdout: string): Map<string, string> {
  const binaries = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const message = parseJsonLine(line);
    if (message?.reason !== 'compiler-artifact' || !message.target?.kind?.includes('bin')) continue;
    const wasm = message.filenames?.find((f) => f.endsWith('.wasm'));
    if (wasm && message.target.name) binaries.set(message.target.name, wasm);
  }
  return binaries;
}

function pickBinary(req: CompileRequest, rust: Rust, binaries: Map<string, string>): string {
  if (binaries.size === 1) return [...binaries.values()][0]!;
  const named = binaries.get(req.name) ?? binaries.get(req.name.replaceAll('-', '_'));
  if (named) return named;
  const found = binaries.size === 0 ? 'no binary' : `binaries ${[...binaries.keys()].join(', ')}`;
  throw new CompileError(req.name, rust.toolchain, `the crate built ${found}: a function needs exactly one (or one named "${req.name}")`);
}

/** A crate names `embly = "0.1"` as from crates.io; cargo takes it from the
 * SDK that ships in this package instead (docs/sdk.md): no path into a source
 * tree in the user's Cargo.toml. A crate with a path dependency on the SDK
 * (examples/) leaves the patch unused, which cargo only warns about. */
export function sdkPatch(sdkDir: string): string[] {
  return ['--config', `patch.crates-io.embly.path=${JSON.stringify(join(sdkDir, 'rust'))}`];
}

/** `simd: true`: wasm SIMD instructions (core::arch::wasm32's v128) and auto-vectorised loops. */
const SIMD_FLAGS = ['-C', 'target-feature=+simd128'];

async function compileCrate(req: CompileRequest, rust: Rust): Promise<string> {
  if (!rust.cargo) throw missing(`there is no cargo beside ${rust.rustc}`);
  const args = ['build', '--release', '--offline', '--target', rust.target,
    '--manifest-path', join(req.sourcePath, 'Cargo.toml'), '--target-dir', join(req.outDir, 'cargo-target'),
    '--message-format=json-render-diagnostics', ...sdkPatch(req.sdkDir)];
  const env = {
    ...process.env,
    RUSTC: rust.rustc, // else cargo asks whichever rustc is first on PATH
    CARGO_PROFILE_RELEASE_DEBUG: '0',
    CARGO_PROFILE_RELEASE_STRIP: 'debuginfo',
    CARGO_TERM_COLOR: 'never',
    CARGO_TERM_PROGRESS_WHEN: 'never',
    // RUSTFLAGS reaches the crate and its dependencies, not build scripts on the host.
    ...(req.simd ? { RUSTFLAGS: [process.env.RUSTFLAGS, ...SIMD_FLAGS].filter(Boolean).join(' ') } : {}),
  };
  const result = await run(rust.cargo, args, { cwd: req.sourcePath, env });
  if (result.code !== 0) throw await failure(req, rust, { ...result, stdout: '' });
  return pickBinary(req, rust, builtBinaries(result.stdout));
}

// ---------------------------------------------------------------- single files

/** The SDK as an rlib, so a single-file function can `use embly::...`. */
async function buildSdkRlib(req: CompileRequest, rust: Rust): Promise<string> {
  const dir = join(req.outDir, 'embly-sdk');
  await mkdir(dir, { recursive: true });
  const rlib = join(dir, 'libembly.rlib');
  const args = ['--edition', '2021', '--crate-type', 'rlib', '--crate-name', 'embly', '--target', rust.target,
    '-C', 'opt-level=s', ...STRIP_FLAGS, '-o', rlib, join(req.sdkDir, 'rust', 'src', 'lib.rs')];
  const result = await run(rust.rustc, args);
  if (result.code !== 0) throw await failure(req, rust, result);
  return rlib;
}

async function compileFile(req: CompileRequest, rust: Rust, source: string): Promise<string> {
  const rlib = await buildSdkRlib(req, rust);
  const wasmPath = join(req.outDir, `${req.name}.rustc.wasm`);
  const args = ['--edition', '2021', '--crate-type', 'bin', '--crate-name', req.name.replaceAll('-', '_'),
    '--target', rust.target, '-C', 'opt-level=s', ...STRIP_FLAGS, ...(req.simd ? SIMD_FLAGS : []),
    '--extern', `embly=${rlib}`, '-L', `dependency=${dirname(rlib)}`, '-o', wasmPath, source];
  const result = await run(rust.rustc, args, { cwd: dirname(source) });
  if (result.code !== 0) throw await failure(req, rust, result);
  return wasmPath;
}

// ---------------------------------------------------------------- the toolchain

async function compile(req: CompileRequest): Promise<CompiledWasm> {
  const isCrate = await isDirectory(req.sourcePath);
  const source = isCrate ? req.sourcePath : await entryFile(req.name, req.sourcePath, '.rs');
  if (isCrate && !(await exists(join(source, 'Cargo.toml')))) {
    throw new CompileError(req.name, 'embly build', `${source} has no Cargo.toml: point "path" at a crate directory or a .rs file`);
  }
  const rust = await findRust(isCrate ? source : dirname(source)).catch(rethrowUnlessMissing);
  const built = isCrate ? await compileCrate(req, rust) : await compileFile(req, rust, source);
  const wasmPath = join(req.outDir, `${req.name}.wasm`);
  await copyFile(built, wasmPath);
  return { wasmPath, toolchain: rust.toolchain };
}

function rethrowUnlessMissing(error: unknown): never {
  if (isMissingBinary(error)) throw missing('rustc cannot be run');
  throw error;
}

/** A crate's sources and manifest, and those of every crate it names by `path`. */
async function crateInputs(dir: string, seen: Set<string>): Promise<string[]> {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const files = await findFiles(dir, ['.rs', 'Cargo.toml']);
  for (const path of pathValues(await readFile(join(dir, 'Cargo.toml'), 'utf8'))) {
    const target = resolve(dir, path);
    if (await exists(join(target, 'Cargo.toml'))) files.push(...(await crateInputs(target, seen)));
  }
  return files;
}

/** Every `path = "..."` string of a manifest: path dependencies (and target paths, harmless). */
function pathValues(manifest: string): string[] {
  return [...manifest.matchAll(/\bpath\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]!);
}

async function inputs(sourcePath: string, sdkDir: string): Promise<string[]> {
  if (await isDirectory(sourcePath)) {
    if (!(await exists(join(sourcePath, 'Cargo.toml')))) return findFiles(sourcePath, ['.rs']);
    const root = resolve(sourcePath);
    const lock = join(root, 'Cargo.lock'); // only the root crate's lock file is used
    const sdk = await crateInputs(join(sdkDir, 'rust'), new Set()); // patched in when the crate names embly = "0.1"
    return uniqueSorted([...(await crateInputs(root, new Set())), ...sdk, ...((await exists(lock)) ? [lock] : [])]);
  }
  const source = await entryFile(sourcePath, sourcePath, '.rs');
  return uniqueSorted([source, ...(await crateInputs(join(sdkDir, 'rust'), new Set()))]);
}

export const rust: Toolchain = { compile, inputs, shapeHint: SHAPE_HINT };
