// Ahead-of-time compilation: wasm -> (pinned wasm2c) -> C + glue -> cc ->
// <key>.so with a JSON sidecar, in a content-addressed cache. The key covers
// everything that affects the object (wasm bytes, C flags, ABI version, the
// runtime headers, wasm2c and cc versions), so an unchanged module never
// compiles twice and a changed runtime never loads a stale object.

import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EMBLY_ABI_VERSION } from './abi.js';
import { compileAndLink, guestFiles, unitsFor, writeUnit } from './compile-units.js';
import { GUEST_MODULE, SIMD_INCLUDE, UNIT_PRELUDE, generateGlue } from './glue.js';
import { insertSafepoints } from './safepoints.js';
import { codegenPatchesKey, patchGeneratedC } from './codegen-patches.js';
import { describeExtern, type WasmInfo } from './wasm-info.js';
import { loadWasmModule, type WasmModule } from './wasm-module.js';
import { keptCompilerIdentity } from './cc-identity.js';
import { writeFileAtomically } from './write-atomically.js';
import { nativeInclude, wabtBin } from '../paths.js';
import { AotCompileError, ToolchainMissingError } from '../errors.js';

const run = promisify(execFile);

export const WASM2C_VERSION = '1.0.39';
export const AOT_CFLAGS = [
  '-O3',                         // 2 % over -O2 on bench/compute (9 % on sieve), docs/benchmarks.md
  '-shared', '-fPIC',
  '-fvisibility=hidden',         // only embly_module_v1 is exported
  '-fstack-clash-protection',    // big frames probe their pages, so they hit the stack guard
  '-fno-strict-aliasing',
  '-fno-optimize-sibling-calls', // wasm calls use stack: recursion must exhaust it, not loop forever
  '-ffp-contract=off',           // no fused multiply-add: wasm rounds a*b+c twice
  '-fsignaling-nans',            // keep x*1, x-0, x/1: they must quiet a signaling NaN
  '-Wno-unused-function', '-Wno-unused-variable',
];

/**
 * How a guest that computes without host calls is preempted (docs/loader.md,
 * "Preemption"): on x86-64 the runner injects a safepoint call at the
 * interrupted instruction, which needs code without a red zone below the
 * stack pointer; elsewhere the code polls a flag at every loop header and
 * function entry. `none` (never preempted) is for measuring what it costs.
 */
export type Preemption = 'inject' | 'poll' | 'none';
export const PREEMPTION: Preemption = process.arch === 'x64' ? 'inject' : 'poll';
const PREEMPTION_CFLAGS: Record<Preemption, string[]> = { inject: ['-mno-red-zone'], poll: [], none: [] };

/** Libraries objects link against: generated code calls libm (sqrt, nearbyint, ...). */
export const AOT_LDLIBS = ['-lm'];

export interface Sidecar {
  function: string;
  key: string;
  abiVersion: number;
  wasmSha256: string;
  wasmBytes: number;
  imports: { module: string; name: string; type: string }[];
  exports: { name: string; type: string }[];
  memory: { minPages: number; maxPages: number | null } | null;
  /** the compile units its C was split in (compile-units.ts) */
  units: number;
  /** the digest of the .so as written: a reused object is checked against it */
  objectSha256: string;
  toolchain: { wasm2c: string; cc: string; source?: string };
}

export interface AotObject { key: string; objectPath: string; sidecarPath: string; sidecar: Sidecar; compiled: boolean; }

let compilerIdentity: Promise<string> | undefined;

/** "cc (Debian 12.2.0-14) 12.2.0": part of the cache key and the sidecar.
 * With a cache directory, kept there while the binary is unchanged (cc-identity.ts). */
export function ccIdentity(cacheDir?: string): Promise<string> {
  compilerIdentity ??= cacheDir === undefined ? askCompiler() : keptCompilerIdentity(cacheDir, process.env.CC ?? 'cc', askCompiler);
  return compilerIdentity;
}

function askCompiler(): Promise<string> {
  return run(process.env.CC ?? 'cc', ['--version']).then(
    ({ stdout }) => stdout.split('\n')[0]!.trim(),
    () => { throw new AotCompileError('no C compiler: install one with `apt-get install gcc` (or set CC)'); },
  );
}

let headersDigest: Promise<string> | undefined;

function runtimeHeadersDigest(): Promise<string> {
  headersDigest ??= Promise.all([
    ...['wasm-rt.h', 'wasm-rt-simd.h', 'embly/module.h', 'embly/abi.h'].map((f) => readFile(join(nativeInclude, f))),
    simdeIdentity(),
  ]).then((files) => files.reduce((h, f) => h.update(f), createHash('sha256')).digest('hex'));
  return headersDigest;
}

// ---- SIMD ------------------------------------------------------------------
// wasm2c translates v128 instructions to calls of simde (Debian's
// libsimde-dev), so a SIMD module's object depends on simde's version, and
// building one needs simde's headers (docs/loader.md, "SIMD").

/** Where the C compiler finds simde by default. */
const SIMDE_INCLUDE_DIRS = ['/usr/local/include', '/usr/include'];
const SIMDE_PACKAGE_HINT = 'apt-get install libsimde-dev';

/** simde's version lines ("none" without simde): part of every cache key, read without running anything. */
async function simdeIdentity(): Promise<string> {
  for (const dir of SIMDE_INCLUDE_DIRS) {
    const common = await readFile(join(dir, 'simde', 'simde-common.h'), 'utf8').catch(() => null);
    if (common !== null) return `simde ${dir} ${common.match(/^#define SIMDE_VERSION_(MAJOR|MINOR|MICRO) .*$/gm)?.join(' ')}`;
  }
  return 'simde none';
}

/** simde's version for `embly doctor`, or a ToolchainMissingError naming the package. */
export async function findSimde(): Promise<string> {
  const identity = await simdeIdentity();
  if (identity === 'simde none') throw new ToolchainMissingError('simde is not installed (SIMD modules need it)', SIMDE_PACKAGE_HINT);
  const [major, minor, micro] = ['MAJOR', 'MINOR', 'MICRO'].map((p) => new RegExp(`SIMDE_VERSION_${p} (\\d+)`).exec(identity)?.[1] ?? '?');
  return `simde ${major}.${minor}.${micro}`;
}

/** Whether wasm2c's output for this module uses SIMD: then it includes simde, in its header when
 * v128 crosses the module's interface, else only in the C files that use it. */
async function usesSimd(work: string, files: string[]): Promise<boolean> {
  const texts = await Promise.all(files.map((f) => readFile(join(work, f), 'utf8')));
  return texts.some((text) => text.includes('#include <simde/wasm/simd128.h>'));
}

function simdeMissing(stderr: string): boolean {
  return /simde\/wasm\/simd128\.h: No such file/.test(stderr);
}

async function cacheKey(cacheDir: string, wasmSha256: string, functionName: string, preemption: Preemption, units: number): Promise<string> {
  const parts = [wasmSha256, `function ${functionName}`, `preemption ${preemption}`, `units ${units}`, aotCflags(preemption).join(' '), AOT_LDLIBS.join(' '), `abi ${EMBLY_ABI_VERSION}`, `wasm2c ${WASM2C_VERSION}`,
    await ccIdentity(cacheDir), await runtimeHeadersDigest(), codegenPatchesKey()];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function describeInterface(info: WasmInfo) {
  return {
    imports: info.imports.map((i) => ({ module: text(i.module), name: text(i.name), type: describeExtern(i.type) })),
    exports: info.exports.map((e) => ({ name: text(e.name), type: describeExtern(e.type) })),
  };
}

/** Puts the safepoints in the generated C files (safepoints.ts): one per function defined. */
async function insertSafepointsInto(guestFiles: string[], info: WasmInfo): Promise<void> {
  let functions = 0;
  for (const file of guestFiles) {
    const inserted = insertSafepoints(await readFile(file, 'utf8'));
    functions += inserted.functions;
    await writeFile(file, inserted.source);
  }
  if (functions !== info.definedFunctions) {
    throw new AotCompileError(`wasm2c's output has ${functions} function prologues for ${info.definedFunctions} functions: ` +
      `not the pinned wasm2c ${WASM2C_VERSION}?`);
  }
}

/** The C flags of an object preempted that way. */
export function aotCflags(preemption: Preemption = PREEMPTION): string[] {
  return [...AOT_CFLAGS, ...PREEMPTION_CFLAGS[preemption]];
}

interface Translation { module: WasmModule; objectPath: string; preemption: Preemption; units: number; partsDir: string; }

async function translateAndCompile({ module, objectPath, preemption, units, partsDir }: Translation): Promise<void> {
  const { info } = module;
  const work = `${objectPath}.${randomBytes(6).toString('hex')}.tmp`;
  await mkdir(work, { recursive: true });
  try {
    await writeFile(join(work, 'module.wasm'), module.bytes);
    await run(process.execPath, [wabtBin('wasm2c'), 'module.wasm', '-n', GUEST_MODULE, '-o', 'guest.c', `--num-outputs=${units}`], { cwd: work })
      .catch((e: { stderr?: string }) => { throw new AotCompileError(`wasm2c failed: ${e.stderr ?? e}`); });
    const guests = guestFiles(units);
    // wasm2c defines its memory-access macros in the one C file, or in the header the units share.
    const macros = join(work, units === 1 ? 'guest.c' : 'guest-impl.h');
    await writeFile(macros, patchGeneratedC(await readFile(macros, 'utf8')));
    if (preemption === 'poll') await insertSafepointsInto(guests.map((g) => join(work, g)), info);
    const simd = await usesSimd(work, ['guest.h', ...(units === 1 ? [] : ['guest-impl.h']), ...guests]);
    const glue = generateGlue(info, { guestSource: units === 1 ? 'guest.c' : 'guest.h', wasmSha256: module.sha256, abiVersion: EMBLY_ABI_VERSION, preemption, simd });
    await writeFile(join(work, 'object.c'), glue);
    await (units === 1 ? compileOneUnit(work, preemption) : compileUnits(work, guests, preemption, partsDir, simd)).catch((e: unknown) => {
      if (simd && e instanceof AotCompileError && simdeMissing(e.message)) {
        throw new ToolchainMissingError(`the module uses SIMD, which needs simde's headers. Install them with: ${SIMDE_PACKAGE_HINT}`, SIMDE_PACKAGE_HINT);
      }
      throw e;
    });
    await rename(join(work, 'object.so'), objectPath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The glue with the whole guest in it: one compiler run, no link step. */
async function compileOneUnit(work: string, preemption: Preemption): Promise<void> {
  await run(process.env.CC ?? 'cc', [...aotCflags(preemption), `-I${nativeInclude}`, '-o', 'object.so', 'object.c', ...AOT_LDLIBS],
    { cwd: work, maxBuffer: 16 << 20 })
    .catch((e: { stderr?: string }) => { throw new AotCompileError(`the C compiler failed on the wasm2c output:\n${e.stderr ?? e}`); });
}

/** Each of wasm2c's parts and the glue compiled on its own, in parallel, then linked (compile-units.ts). */
async function compileUnits(work: string, guests: string[], preemption: Preemption, partsDir: string, simd: boolean): Promise<void> {
  const prelude = simd ? `${UNIT_PRELUDE}\n${SIMD_INCLUDE}` : UNIT_PRELUDE;
  const units = await Promise.all(guests.map((g) => writeUnit(work, g, prelude)));
  await compileAndLink({
    work, sources: [...units, 'object.c'], localHeaders: [`${GUEST_MODULE}.h`, `${GUEST_MODULE}-impl.h`],
    cflags: [...aotCflags(preemption), `-I${nativeInclude}`], ldlibs: AOT_LDLIBS,
    identity: `${await ccIdentity()}\n${await runtimeHeadersDigest()}`, partsDir,
  }, 'object.so');
}

async function readSidecar(path: string): Promise<Sidecar | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Sidecar;
  } catch {
    return null;
  }
}

export interface AotRequest {
  /** A module the build has validated and read, or bytes to validate and read here. */
  wasm: WasmModule | Uint8Array;
  cacheDir: string; functionName: string; sourceToolchain?: string;
  /** Default PREEMPTION. `none` builds an object that nothing preempts and
   * only host calls can stop: bench/compute.ts does, to measure the cost. */
  preemption?: Preemption;
  /** How many compile units (compile-units.ts); default: by the module's size. bench/aot.ts compares them. */
  units?: number;
  /** Told when a cached object is found damaged and built again. */
  warn?: (line: string) => void;
}

/** Builds (or finds in the cache) the AOT object for one module. */
export async function compileAot(req: AotRequest): Promise<AotObject> {
  const module = req.wasm instanceof Uint8Array ? await loadWasmModule(req.wasm) : req.wasm;
  const preemption = req.preemption ?? PREEMPTION;
  const units = req.units ?? unitsFor(module.bytes.length);
  const cached = await cachedAot({ ...req, wasmSha256: module.sha256, wasmBytes: module.bytes.length });
  if (cached) return cached;

  const key = await cacheKey(req.cacheDir, module.sha256, req.functionName, preemption, units);
  const objectPath = join(req.cacheDir, `${key}.so`);
  const sidecarPath = join(req.cacheDir, `${key}.json`);
  await mkdir(req.cacheDir, { recursive: true });
  await translateAndCompile({ module, objectPath, preemption, units, partsDir: join(req.cacheDir, 'parts') });
  const sidecar = await describeObject(module, key, units, await sha256Of(objectPath), req);
  // The sidecar is written last: its presence marks a complete object.
  await writeFileAtomically(sidecarPath, JSON.stringify(sidecar, null, 2));
  return { key, objectPath, sidecarPath, sidecar, compiled: true };
}

export interface CachedAotRequest extends Omit<AotRequest, 'wasm'> { wasmSha256: string; wasmBytes: number; }

/** The intact object already in the cache for a module known by its digest
 * and size, or null: what a build whose sources are unchanged needs, without
 * reading (or validating) the module. A damaged one is reported (req.warn) and left to be rebuilt. */
export async function cachedAot(req: CachedAotRequest): Promise<AotObject | null> {
  const preemption = req.preemption ?? PREEMPTION;
  const key = await cacheKey(req.cacheDir, req.wasmSha256, req.functionName, preemption, req.units ?? unitsFor(req.wasmBytes));
  const objectPath = join(req.cacheDir, `${key}.so`);
  const sidecarPath = join(req.cacheDir, `${key}.json`);
  const existing = await readSidecar(sidecarPath);
  if (existing?.key !== key) return null;
  if (await objectIntact(objectPath, existing)) return { key, objectPath, sidecarPath, sidecar: existing, compiled: false };
  req.warn?.(`the cached object of ${req.functionName} (${objectPath}) is damaged or missing: building it again`);
  return null;
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Whether the object's bytes are those its sidecar recorded when it was written
 * (a disk fault, a truncated copy or a hand edit would load, or crash, the runner). */
async function objectIntact(objectPath: string, sidecar: Sidecar): Promise<boolean> {
  return sidecar.objectSha256 !== undefined && await sha256Of(objectPath).then((d) => d === sidecar.objectSha256, () => false);
}

async function describeObject(module: WasmModule, key: string, units: number, objectSha256: string, req: AotRequest): Promise<Sidecar> {
  const memory = module.info.memories[0];
  return {
    function: req.functionName,
    key,
    abiVersion: EMBLY_ABI_VERSION,
    wasmSha256: module.sha256,
    wasmBytes: module.bytes.length,
    ...describeInterface(module.info),
    memory: memory ? { minPages: Number(memory.min), maxPages: memory.max === null ? null : Number(memory.max) } : null,
    units,
    objectSha256,
    toolchain: { wasm2c: WASM2C_VERSION, cc: await ccIdentity(), source: req.sourceToolchain },
  };
}
