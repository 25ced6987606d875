// assert_invalid and assert_malformed: the module must be refused by the
// build path with an error (never accepted, never a crash).
//  - binary modules go through compileAot, whose first step is the pinned
//    wabt's validation; the refusal must be that WasmInvalidError, i.e. the
//    module never reaches wasm2c or the C compiler;
//  - text modules (.wat) go through the wat toolchain (compileToWasm, the
//    pinned wabt's wat2wasm); the refusal must be wat2wasm's own, not the
//    toolchain's later check that a function exports memory and _start.
//    wat2wasm is a Node process per module (~0.1 s of CPU each, 567 modules),
//    so its refusals are cached, keyed by the text, the wabt version and the
//    toolchain's own code; only refusals are cached, never a problem.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAot } from '../../src/compile/aot.js';
import { CompileError, compileToWasm } from '../../src/compile/toolchains/index.js';
import { WasmInvalidError } from '../../src/errors.js';
import { sdkDir } from '../../src/paths.js';

export type Refusal = { refused: true; message: string } | { refused: false; problem: string };

export async function refuseBinary(path: string, cacheDir: string): Promise<Refusal> {
  const wasm = await readFile(path);
  try {
    await compileAot({ wasm, cacheDir, functionName: 'spec' });
  } catch (e) {
    if (e instanceof WasmInvalidError) return { refused: true, message: e.message };
    return { refused: false, problem: `refused after validation, by ${(e as Error).constructor?.name}: ${String(e).slice(0, 300)}` };
  }
  return { refused: false, problem: 'accepted: compileAot built an object' };
}

/** The toolchain's command-shape check (src/compile/toolchains/shape.ts) runs after wat2wasm accepted. */
const SHAPE_REFUSAL = 'the module does not export';
/** How the wabt JS tools die (an abort in their wasm build), as opposed to refusing. */
const CRASH = /\bAborted\(|RuntimeError|Segmentation fault/;

let toolchainIdentity: Promise<string> | undefined;

/** The wabt version and the code of the wat toolchain: what a refusal depends on besides the text. */
function watToolchainIdentity(): Promise<string> {
  toolchainIdentity ??= (async () => {
    const wabtManifest = createRequire(import.meta.url).resolve('wabt/package.json');
    const watToolchain = fileURLToPath(new URL('../../src/compile/toolchains/wat.js', import.meta.url));
    return createHash('sha256').update(await readFile(wabtManifest)).update(await readFile(watToolchain)).digest('hex');
  })();
  return toolchainIdentity;
}

export async function refuseText(path: string, name: string, outDir: string, cacheDir: string): Promise<Refusal> {
  const key = createHash('sha256').update(await readFile(path)).update(await watToolchainIdentity()).digest('hex');
  const cached = join(cacheDir, key);
  const message = await readFile(cached, 'utf8').catch(() => null);
  if (message !== null) return { refused: true, message };
  const refusal = await runWatToolchain(path, name, outDir);
  if (refusal.refused) {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(cached, refusal.message);
  }
  return refusal;
}

async function runWatToolchain(path: string, name: string, outDir: string): Promise<Refusal> {
  try {
    await compileToWasm({ name, language: 'wat', sourcePath: path, outDir, sdkDir });
  } catch (e) {
    if (e instanceof CompileError) {
      if (e.output.startsWith(SHAPE_REFUSAL)) return { refused: false, problem: 'accepted by wat2wasm (refused only by the command-shape check)' };
      if (CRASH.test(e.output)) return { refused: false, problem: `wat2wasm crashed: ${e.output.slice(0, 300)}` };
      return { refused: true, message: e.output.split('\n')[0]! };
    }
    return { refused: false, problem: `the toolchain failed instead of refusing: ${String(e).slice(0, 300)}` };
  }
  return { refused: false, problem: 'accepted: wat2wasm produced a module' };
}
