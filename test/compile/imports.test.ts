import test from 'ava';
import { checkImports } from '../../src/compile/imports.js';
import { readWasmInfo } from '../../src/compile/wasm-info.js';
import { watToWasm } from '../helpers/objects.js';

async function importsOf(imports: string): Promise<() => void> {
  const info = readWasmInfo(await watToWasm(`(module ${imports} (memory (export "memory") 1))`));
  return () => checkImports(info);
}

test('accepts the embly imports and any errno-returning WASI function', async (t) => {
  t.notThrows(await importsOf(`
    (import "embly" "read" (func (param i32 i32 i32 i32) (result i32)))
    (import "embly" "events" (func (param i64 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
    (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))`));
});

test('refuses an import from another module, naming it', async (t) => {
  const error = t.throws(await importsOf('(import "env" "printf" (func (param i32 i32) (result i32)))'));
  t.is(error?.message, 'import "env"."printf" comes from module "env", which Embly does not provide (only "embly" and "wasi_snapshot_preview1")');
});

test('refuses an embly import with the wrong signature', async (t) => {
  const error = t.throws(await importsOf('(import "embly" "read" (func (param i32 i32) (result i32)))'));
  t.is(error?.message, 'import "embly"."read" has type func (i32, i32) -> (i32), expected func (i32, i32, i32, i32) -> (i32)');
});

test('refuses an unknown embly import', async (t) => {
  const error = t.throws(await importsOf('(import "embly" "fork" (func (result i32)))'));
  t.is(error?.message, 'import "embly"."fork" does not exist; the embly imports are read, write, spawn, events, close');
});

test('refuses a memory import', async (t) => {
  const error = t.throws(await importsOf('(import "wasi_snapshot_preview1" "mem" (memory 1))'));
  t.regex(error?.message ?? '', /is a memory: functions may import only functions/);
});
