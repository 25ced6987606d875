// Every trap kind ends the instance that trapped, is reported with its kind,
// and never takes the runner down.
import test from 'ava';
import { RunnerStatus } from '../../src/supervisor/index.js';
import { runExec, watFunction } from '../helpers/objects.js';

const module = (body: string) => `(module
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $nullary (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $identity)
  (func $identity (param i32) (result i32) local.get 0)
  (func $recurse (param i32) (result i32) local.get 0 i32.const 1 i32.add call $recurse)
  (func (export "_start") ${body}))`;

const TRAPS: [string, string, string][] = [
  ['out of bounds load', 'i32.const 70000 i32.load drop', 'out of bounds memory access'],
  ['out of bounds store far past memory', 'i32.const 0xfffffff0 i32.const 1 i32.store offset=0xffff', 'out of bounds memory access'],
  ['unreachable', 'unreachable', 'unreachable executed'],
  ['division by zero', 'i32.const 1 i32.const 0 i32.div_s drop', 'integer divide by zero'],
  ['signed division overflow', 'i32.const 0x80000000 i32.const -1 i32.div_s drop', 'integer overflow'],
  ['invalid conversion', 'f32.const nan i32.trunc_f32_s drop', 'invalid conversion to integer'],
  ['call_indirect signature mismatch', 'i32.const 0 call_indirect (type $nullary) drop', 'indirect call type mismatch or null'],
  ['call_indirect null entry', 'i32.const 1 call_indirect (type $nullary) drop', 'indirect call type mismatch or null'],
  ['stack exhaustion', 'i32.const 0 call $recurse drop', 'call stack exhausted'],
];

for (const [title, body, message] of TRAPS) {
  test(`trap: ${title}`, async (t) => {
    const fn = await watFunction('trapper', module(body));
    const result = await runExec('trapper', [fn]);
    t.is(result.code, RunnerStatus.trap, result.stderr);
    t.regex(result.stderr, new RegExp(`of trapper ended: trap \\(${message.replace(/[()]/g, '\\$&')}\\)`));
  });
}

test('a trapping child ends alone: its parent sees EOF and carries on', async (t) => {
  const child = await watFunction('child', module('unreachable'));
  const parent = await watFunction('parent', `(module
    (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
    (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "child")
    (data (i32.const 16) "survived")
    (func (export "_start")
      (drop (call $spawn (i32.const 0) (i32.const 5) (i32.const 100)))
      (block $eof (loop $wait
        (drop (call $events (i64.const -1) (i32.const 200) (i32.const 4) (i32.const 204)))
        (drop (call $read (i32.load (i32.const 100)) (i32.const 300) (i32.const 64) (i32.const 208)))
        (br_if $wait (i32.load (i32.const 208)))))
      (drop (call $write (i32.const 1) (i32.const 16) (i32.const 8) (i32.const 212)))))`);
  const result = await runExec('parent', [parent, child]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout.toString(), 'survived');
  t.regex(result.stderr, /of child ended: trap \(unreachable executed\)/);
});
