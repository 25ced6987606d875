// Runs one WASI command module under Node's own WebAssembly engine (V8) and
// WASI (uvwasi): the "Node/V8" variant of the compute benchmark.
//
//   node dist/bench/node-wasi.js MODULE.wasm [NAME]
//
// The module sees argv [NAME] and, as its environment, only the variables of
// this process whose names start with BENCH_ (as embly-runner passes --env).
// Its stdout and stderr are this process's; its exit code becomes ours.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { WASI } from 'node:wasi';

const [file, name = basename(file ?? '', '.wasm')] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/node-wasi.js MODULE.wasm [NAME]');
  process.exit(64);
}

const env: Record<string, string> = {};
for (const [key, value] of Object.entries(process.env))
  if (key.startsWith('BENCH_') && value !== undefined) env[key] = value;

const wasi = new WASI({ version: 'preview1', args: [name], env, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
process.exitCode = wasi.start(instance);
