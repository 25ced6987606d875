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
import { GUEST_MODULE, generateGlue } from './glue.js';
import { insertSafepoints } from './safepoints.js';
import { codegenPatchesKey, patchGeneratedC } from './codegen-patches.js';
import { describeExtern, type WasmInfo } from './wasm-info.js';
import { loadWasmModule, type WasmModule } from './wasm-module.js';
import { writeFileAtomically } from './write-atomically.js';
import { nativeInclude, wabtBin } from '../paths.js';
import { AotCompileError } from '../errors.js';

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
  toolchain: { wasm2c: string; cc: string; source?: string };
}

export interface AotObject { key: string; objectPath: string; sidecarPath: string; sidecar: Sidecar; compiled: boolean; }

let compilerIdentity: Promise<string> | undefined;

/** "cc (Debian 12.2.0-14) 12.2.0": part of the cache key and the sidecar. */
export function ccIdentity(): Promise<string> {
  compilerIdentity ??= run(process.env.CC ?? 'cc', ['--version']).then(
    ({ stdout }) => stdout.split('\n')[0]!.trim(),
    () => { throw new AotCompileError('no C compiler: install one with `apt-get install gcc` (or set CC)'); },
  );
  return compilerIdentity;
}

let headersDigest: Promise<string> | undefined;

function runtimeHeadersDigest(): Promise<string> {
  headersDigest ??= Promise.all(
    ['wasm-rt.h', 'embly/module.h', 'embly/abi.h'].map((f) => readFile(join(nativeInclude, f))),
  ).then((files) => files.reduce((h, f) => h.update(f), createHash('sha256')).digest('hex'));
  return headersDigest;
}

async function cacheKey(wasmSha256: string, functionName: string, preemption: Preemption): Promise<string> {
  const parts = [wasmSha256, `function ${functionName}`, `preemption ${preemption}`, aotCflags(preemption).join(' '), AOT_LDLIBS.join(' '), `abi ${EMBLY_ABI_VERSION}`, `wasm2c ${WASM2C_VERSION}`,
    await ccIdentity(), await runtimeHeadersDigest(), codegenPatchesKey()];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function describeInterface(info: WasmInfo) {
  return {
    imports: info.imports.map((i) => ({ module: text(i.module), name: text(i.name), type: describeExtern(i.type) })),
    exports: info.exports.map((e) => ({ name: text(e.name), type: describeExtern(e.type) })),
  };
}

/** Puts the safepoints in the generated C (safepoints.ts): one per function defined. */
async function insertSafepointsInto(guestC: string, info: WasmInfo): Promise<void> {
  const { source, functions } = insertSafepoints(await readFile(guestC, 'utf8'));
  if (functions !== info.definedFunctions) {
    throw new AotCompileError(`wasm2c's output has ${functions} function prologues for ${info.definedFunctions} functions: ` +
      `not the pinned wasm2c ${WASM2C_VERSION}?`);
  }
  await writeFile(guestC, source);
}

/** The C flags of an object preempted that way. */
export function aotCflags(preemption: Preemption = PREEMPTION): string[] {
  return [...AOT_CFLAGS, ...PREEMPTION_CFLAGS[preemption]];
}

async function translateAndCompile(module: WasmModule, objectPath: string, preemption: Preemption): Promise<void> {
  const { info } = module;
  const work = `${objectPath}.${randomBytes(6).toString('hex')}.tmp`;
  await mkdir(work, { recursive: true });
  try {
    await writeFile(join(work, 'module.wasm'), module.bytes);
    await run(process.execPath, [wabtBin('wasm2c'), 'module.wasm', '-n', GUEST_MODULE, '-o', 'guest.c'], { cwd: work })
      .catch((e: { stderr?: string }) => { throw new AotCompileError(`wasm2c failed: ${e.stderr ?? e}`); });
    const guestC = join(work, 'guest.c');
    await writeFile(guestC, patchGeneratedC(await readFile(guestC, 'utf8')));
    if (preemption === 'poll') await insertSafepointsInto(guestC, info);
    const glue = generateGlue(info, { guestSource: 'guest.c', wasmSha256: module.sha256, abiVersion: EMBLY_ABI_VERSION, preemption });
    await writeFile(join(work, 'object.c'), glue);
    await run(process.env.CC ?? 'cc', [...aotCflags(preemption), `-I${nativeInclude}`, '-o', 'object.so', 'object.c', ...AOT_LDLIBS],
      { cwd: work, maxBuffer: 16 << 20 })
      .catch((e: { stderr?: string }) => { throw new AotCompileError(`the C compiler failed on the wasm2c output:\n${e.stderr ?? e}`); });
    await rename(join(work, 'object.so'), objectPath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
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
}

/** Builds (or finds in the cache) the AOT object for one module. */
export async function compileAot(req: AotRequest): Promise<AotObject> {
  const module = req.wasm instanceof Uint8Array ? await loadWasmModule(req.wasm) : req.wasm;
  const preemption = req.preemption ?? PREEMPTION;
  const key = await cacheKey(module.sha256, req.functionName, preemption);
  const objectPath = join(req.cacheDir, `${key}.so`);
  const sidecarPath = join(req.cacheDir, `${key}.json`);
  const existing = await readSidecar(sidecarPath);
  if (existing?.key === key) return { key, objectPath, sidecarPath, sidecar: existing, compiled: false };

  await mkdir(req.cacheDir, { recursive: true });
  await translateAndCompile(module, objectPath, preemption);
  const sidecar = await describeObject(module, key, req);
  // The sidecar is written last: its presence marks a complete object.
  await writeFileAtomically(sidecarPath, JSON.stringify(sidecar, null, 2));
  return { key, objectPath, sidecarPath, sidecar, compiled: true };
}

async function describeObject(module: WasmModule, key: string, req: AotRequest): Promise<Sidecar> {
  const memory = module.info.memories[0];
  return {
    function: req.functionName,
    key,
    abiVersion: EMBLY_ABI_VERSION,
    wasmSha256: module.sha256,
    wasmBytes: module.bytes.length,
    ...describeInterface(module.info),
    memory: memory ? { minPages: Number(memory.min), maxPages: memory.max === null ? null : Number(memory.max) } : null,
    toolchain: { wasm2c: WASM2C_VERSION, cc: await ccIdentity(), source: req.sourceToolchain },
  };
}
