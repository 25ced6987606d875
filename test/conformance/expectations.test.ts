// The spec suite's own machinery: value comparison, the trap-text table, the
// protocol's encoding and the job pool. Fast and independent of the suite.
import test from 'ava';
import { TRAP_KINDS, trapKindFor, v128Hex, valueMatches } from './expectations.js';
import { Pool } from './pool.js';
import { actionLine, encodeName, parseAnswer } from './protocol.js';
import type { LaneType, ScalarValue, V128Value } from './wast.js';

const v = (type: ScalarValue['type'], value: string): ScalarValue => ({ type, value });
const v128 = (lane_type: LaneType, ...value: string[]): V128Value => ({ type: 'v128', lane_type, value });

test('integers compare by bits, types must agree', (t) => {
  t.true(valueMatches(v('i32', '4294967295'), 'i32:4294967295'));
  t.false(valueMatches(v('i32', '1'), 'i32:2'));
  t.false(valueMatches(v('i64', '1'), 'i32:1'));
  t.true(valueMatches(v('i64', '18446744073709551615'), 'i64:18446744073709551615'));
});

test('floats compare by exact bit pattern: signed zeros and NaN payloads differ', (t) => {
  t.true(valueMatches(v('f32', '0'), 'f32:0'));
  t.false(valueMatches(v('f32', '0'), 'f32:2147483648')); // -0.0
  t.false(valueMatches(v('f64', '9221120237041090560'), 'f64:9221120237041090561'));
});

test('nan:canonical is the quiet bit alone, either sign', (t) => {
  t.true(valueMatches(v('f32', 'nan:canonical'), `f32:${0x7fc00000}`));
  t.true(valueMatches(v('f32', 'nan:canonical'), `f32:${0xffc00000}`));
  t.false(valueMatches(v('f32', 'nan:canonical'), `f32:${0x7fc00001}`));
  t.false(valueMatches(v('f32', 'nan:canonical'), `f32:${0x7f800000}`)); // infinity
  t.true(valueMatches(v('f64', 'nan:canonical'), `f64:${0x7ff8000000000000n}`));
  t.true(valueMatches(v('f64', 'nan:canonical'), `f64:${0xfff8000000000000n}`));
  t.false(valueMatches(v('f64', 'nan:canonical'), `f64:${0x7ff8000000000001n}`));
});

test('nan:arithmetic is any quiet NaN; a signaling NaN is not', (t) => {
  t.true(valueMatches(v('f32', 'nan:arithmetic'), `f32:${0x7fc00001}`));
  t.true(valueMatches(v('f32', 'nan:arithmetic'), `f32:${0xffe00000}`));
  t.false(valueMatches(v('f32', 'nan:arithmetic'), `f32:${0x7fa00000}`));
  t.false(valueMatches(v('f32', 'nan:arithmetic'), `f32:${0x3fc00000}`));
  t.true(valueMatches(v('f64', 'nan:arithmetic'), `f64:${0x7ffc000000000000n}`));
  t.false(valueMatches(v('f64', 'nan:arithmetic'), `f64:${0x7ff4000000000000n}`));
});

test('v128 lanes travel as 16 little-endian bytes, lane 0 first', (t) => {
  t.is(v128Hex(v128('i32', '1', '2', '3', '4294967295')), '010000000200000003000000ffffffff');
  t.is(v128Hex(v128('i8', ...Array.from({ length: 16 }, (_, i) => String(i)))), '000102030405060708090a0b0c0d0e0f');
  t.is(v128Hex(v128('i16', '-1', '0', '0', '0', '0', '0', '0', '32768')), `ffff${'0000'.repeat(6)}0080`);
  t.is(v128Hex(v128('f64', String(0x3ff0000000000000n), '0')), `000000000000f03f${'00'.repeat(8)}`);
});

test('v128 results compare lane by lane in the expected lane type, NaN classes per lane', (t) => {
  const hex = v128Hex(v128('i32', '1', '2', '3', '4'));
  t.true(valueMatches(v128('i32', '1', '2', '3', '4'), `v128:${hex}`));
  t.true(valueMatches(v128('i64', String(1n | (2n << 32n)), String(3n | (4n << 32n))), `v128:${hex}`), 'the same bits in other lanes');
  t.false(valueMatches(v128('i32', '1', '2', '3', '5'), `v128:${hex}`));
  t.false(valueMatches(v128('i32', '1', '2', '3', '4'), `i32:1`));
  const nans = v128Hex(v128('f32', String(0x7fc00000), String(0xffc00000), String(0x7fe00000), '0'));
  t.true(valueMatches(v128('f32', 'nan:canonical', 'nan:canonical', 'nan:arithmetic', '0'), `v128:${nans}`));
  t.false(valueMatches(v128('f32', 'nan:canonical', 'nan:canonical', 'nan:canonical', '0'), `v128:${nans}`), 'lane 2 is not canonical');
  t.false(valueMatches(v128('f32', 'nan:arithmetic', 'nan:arithmetic', 'nan:arithmetic', String(0x80000000)), `v128:${nans}`), '+0 is not -0');
  const signaling = v128Hex(v128('f64', String(0x7ff4000000000000n), '0'));
  t.false(valueMatches(v128('f64', 'nan:arithmetic', '0'), `v128:${signaling}`));
});

test('references: externref by host number, null distinct; funcref only null or not', (t) => {
  t.true(valueMatches(v('externref', '1'), 'externref:1'));
  t.false(valueMatches(v('externref', '0'), 'externref:null'));
  t.false(valueMatches(v('externref', 'null'), 'externref:0'));
  t.true(valueMatches(v('funcref', 'null'), 'funcref:null'));
  t.false(valueMatches(v('funcref', 'null'), 'funcref:func'));
  t.true(valueMatches({ type: 'funcref' }, 'funcref:func'));
});

test('every trap text of the suite has a kind; prefixes pick the first match', (t) => {
  const texts = ['integer divide by zero', 'integer overflow', 'invalid conversion to integer',
    'out of bounds memory access', 'out of bounds table access', 'undefined element', 'uninitialized element',
    'uninitialized element 2', 'indirect call type mismatch', 'unreachable', 'call stack exhausted'];
  for (const text of texts) t.truthy(trapKindFor(text), text);
  t.is(trapKindFor('uninitialized element 2'), 'CALL_INDIRECT');
  t.is(trapKindFor('something new'), undefined);
  t.is(new Set(TRAP_KINDS.map(([text]) => text)).size, TRAP_KINDS.length);
});

test('names travel as hex, so any byte survives the line protocol', (t) => {
  t.is(encodeName(''), 'x');
  t.is(encodeName('\0 a'), 'x002061');
  t.is(actionLine(7, { type: 'invoke', field: 'f', args: [v('i32', '1'), v('externref', 'null')] }),
    '7 invoke - x66 i32:1 externref:null');
  t.is(actionLine(8, { type: 'get', module: '$M', field: 'g' }), '8 get x244d x67');
  t.is(actionLine(9, { type: 'invoke', field: 'f', args: [v128('i64', '1', '18446744073709551615')] }),
    `9 invoke - x66 v128:0100000000000000${'ff'.repeat(8)}`);
});

test('answers parse into status, values and the rest', (t) => {
  t.deepEqual(parseAnswer('12 ok i32:1 f32:0'), { line: 12, status: 'ok', rest: 'i32:1 f32:0', values: ['i32:1', 'f32:0'] });
  t.deepEqual(parseAnswer('3 ok'), { line: 3, status: 'ok', rest: '', values: [] });
  t.deepEqual(parseAnswer('4 trap OOB'), { line: 4, status: 'trap', rest: 'OOB', values: [] });
  t.is(parseAnswer('garbage'), null);
});

test('the pool never runs more than its size and starts lower priorities first', async (t) => {
  const pool = new Pool(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const job = (id: number) => async () => {
    running++;
    peak = Math.max(peak, running);
    order.push(id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running--;
  };
  await Promise.all([pool.run(job(0), 5), pool.run(job(1), 5), pool.run(job(2), 9), pool.run(job(3), 1), pool.run(job(4), 5)]);
  t.is(peak, 2);
  t.deepEqual(order, [0, 1, 3, 4, 2]);
});
