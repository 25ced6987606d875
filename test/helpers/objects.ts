// Test helpers: build AOT objects from inline wat and run them in the runner.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { compileAot, type Preemption } from '../../src/compile/aot.js';
import { packageRoot, runnerBinary } from '../../src/paths.js';
import { execArguments } from '../../src/supervisor/index.js';

export const testCache = join(packageRoot, 'test', '.cache');

let wabt: ReturnType<typeof wabtInit> | undefined;

export async function watToWasm(source: string): Promise<Uint8Array> {
  wabt ??= wabtInit();
  const module = (await wabt).parseWat('test.wat', source);
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

export interface TestFunction {
  name: string;
  objectPath: string;
  sha256: string;
  memoryPages?: number;
  timeoutMs?: number;
  maxInstances?: number;
  env?: Record<string, string>;
  /** serve mode in the harness: enter seccomp; exit after one instance (isolation: process) */
  sandbox?: boolean;
  singleInstance?: boolean;
}

export async function watFunction(name: string, source: string, limits: Partial<TestFunction> = {}, preemption?: Preemption): Promise<TestFunction> {
  const wasm = await watToWasm(source);
  const object = await compileAot({ wasm, cacheDir: join(testCache, 'objects'), functionName: name, preemption });
  return { name, objectPath: object.objectPath, sha256: object.sidecar.wasmSha256, ...limits };
}

export interface RunResult { code: number | null; signal: string | null; stdout: Buffer; stderr: string; }

/** Runs the runner in exec mode; stdin `null` keeps it open (never EOF). */
export function runExec(root: string, functions: TestFunction[], stdin: string | Buffer | null = ''): Promise<RunResult> {
  const args = execArguments(root, functions, { sandbox: false });
  return runProcess(runnerBinary, args, stdin);
}

export function runProcess(command: string, args: string[], stdin: string | Buffer | null = '', cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on('error', () => {}); // the function may end before reading it all
    if (stdin !== null) child.stdin.end(stdin);
    child.on('exit', () => child.stdin.destroy());
  });
}
