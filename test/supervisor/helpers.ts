// Helpers for the supervisor tests: functions to run, runners to start
// through the addon, and what /proc says about processes.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { nativeInclude } from '../../src/paths.js';
import { execArguments, type RunnerExit, type RunnerFunction, RunnerProcess, type RunnerProcessOptions } from '../../src/supervisor/index.js';
import { memoryLogger } from '../../src/log.js';
import { testCache, watFunction } from '../helpers/objects.js';

export function readAll(stream: Readable | null): Promise<Buffer> {
  // An empty pipe may have ended before anyone listened: nothing was missed.
  if (!stream || stream.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Resolves with the first chunk the stream gives. */
export function firstChunk(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    stream.once('data', resolve);
    stream.once('error', reject);
  });
}

export interface SandboxedRun { exit: RunnerExit; stdout: Buffer; stderr: string; log: string[] }

/** Runs `root` in a runner started through the addon (sandboxed unless told otherwise), stdin given or empty. */
export async function runThroughSupervisor(root: string, functions: RunnerFunction[], options: { stdin?: string | Buffer; sandbox?: boolean } = {}): Promise<SandboxedRun> {
  const log = memoryLogger();
  const runner = RunnerProcess.start({
    args: execArguments(root, functions, { sandbox: options.sandbox ?? true }),
    stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', label: root, log,
  });
  const stdout = readAll(runner.stdout);
  const stderr = readAll(runner.stderr);
  runner.stdin!.end(options.stdin ?? '');
  const [exit, out, err] = await Promise.all([runner.exited, stdout, stderr]);
  return { exit, stdout: out, stderr: err.toString(), log: log.lines };
}

/** Writes "ready" on handle 1, then echoes handle 1 until EOF: a runner that waits while its stdin stays open. */
export function waiterFunction(): Promise<RunnerFunction> {
  return watFunction('waiter', `(module
    (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "ready")
    (func (export "_start")
      (drop (call $write (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 8)))
      (block $eof (loop $more
        (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
        (if (i32.eqz (call $read (i32.const 1) (i32.const 1024) (i32.const 4096) (i32.const 8)))
          (then
            (br_if $eof (i32.eqz (i32.load (i32.const 8))))
            (drop (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 8)) (i32.const 12)))))
        (br $more)))))`);
}

export function helloFunction(): Promise<RunnerFunction> {
  return watFunction('hello', `(module
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "hello from a sandboxed runner")
    (func (export "_start") (drop (call $write (i32.const 1) (i32.const 16) (i32.const 29) (i32.const 8)))))`);
}

/** Starts the waiter and resolves once its instance runs (it said "ready"). */
export async function startWaiter(options: Partial<RunnerProcessOptions> = {}): Promise<RunnerProcess> {
  const waiter = await waiterFunction();
  const runner = RunnerProcess.start({ args: execArguments('waiter', [waiter]), stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', label: 'waiter', log: memoryLogger(), ...options });
  const ready = await firstChunk(runner.stdout!);
  if (ready.toString() !== 'ready') throw new Error(`the waiter said ${ready.toString()}`);
  return runner;
}

/** What the hand-written object's _start does: a forbidden system call, or abort(). */
export type CObjectCall = 'socket' | 'unix-socket' | 'openat' | 'abort';

/**
 * A hand-written AOT object (native/include/embly/module.h) whose _start makes
 * one system call the sandbox forbids; unsandboxed it prints what the call
 * returned and ends normally. 'abort' crashes the runner the ordinary way.
 * 'unix-socket' is allowed to a template runner only, never to its children.
 */
export function forbiddenSyscallFunction(call: CObjectCall): Promise<RunnerFunction> {
  let built = forbiddenObjects.get(call);
  if (!built) forbiddenObjects.set(call, built = buildForbiddenObject(call));
  return built;
}

const forbiddenObjects = new Map<string, Promise<RunnerFunction>>();

async function buildForbiddenObject(call: CObjectCall): Promise<RunnerFunction> {
  const dir = join(testCache, 'supervisor');
  await mkdir(dir, { recursive: true });
  const unique = `${process.pid}-${call}`;
  const source = join(dir, `forbidden-${unique}.c`);
  await writeFile(source, `/* test-only: an object that asks for a forbidden system call */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "embly/abi.h"
#include "embly/module.h"

static void start(void* ctx, const embly_value* args, embly_value* results) {
#if defined(CALL_SOCKET)
  long rc = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
#elif defined(CALL_UNIX_SOCKET)
  long rc = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
#elif defined(CALL_ABORT)
  long rc = 0;
  abort();
#else
  long rc = syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY);
#endif
  char line[64];
  int n = snprintf(line, sizeof line, "the call returned %ld\\n", rc);
  if (write(1, line, (size_t)n) < 0) {}
}
static void instantiate(void* instance, embly_slot* slots) {}
static void free_instance(void* instance) {}
static const embly_export exports[] = {
  {"_start", 6, {EMBLY_EXTERN_FUNC, "", "", false, 0, 0}, start, NULL},
};
__attribute__((visibility("default"))) const embly_module embly_module_v1 = {
  EMBLY_ABI_VERSION, "test-forbidden-syscall", 16, 0, NULL, 1, exports, instantiate, free_instance,
};
`);
  const objectPath = join(dir, `forbidden-${call}.so`);
  await promisify(execFile)('cc', ['-shared', '-fPIC', '-O2', `-I${nativeInclude}`,
    `-DCALL_${call.toUpperCase().replace('-', '_')}`, '-o', `${objectPath}.${unique}`, source]);
  await rename(`${objectPath}.${unique}`, objectPath); // whole, even if another test process builds it too
  await rm(source);
  return { name: 'forbidden', objectPath, sha256: 'test-forbidden-syscall' };
}

/** A process's state letter from /proc (R, S, Z, ...), or null if it is gone. */
export async function procState(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/stat after the command: [state, ppid, pgrp, ...]. */
export async function procStat(pid: number): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Our child processes in state Z (zombies). */
export async function zombieChildren(): Promise<number[]> {
  const zombies: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [state, ppid] = await procStat(Number(entry));
      if (state === 'Z' && Number(ppid) === process.pid) zombies.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return zombies;
}
