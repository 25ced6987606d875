// The two sides of the differential check: what V8 (this Node's
// WebAssembly) does with each call, and whether what Embly's driver answered
// is the same. Values are bit patterns; a float result is compared the way
// the spec tests do: exact bits, except that a quiet NaN from V8 (an
// arithmetic NaN, whose sign and payload wasm leaves open) only asks for any
// quiet NaN (nan:arithmetic). A signaling NaN can only come from moving bits
// (locals, memory, abs/neg/copysign), which wasm fixes, so it must match.
import { valueMatches } from '../conformance/expectations.js';
import type { Answer } from '../conformance/protocol.js';
import type { WastValue } from '../conformance/wast.js';
import { carrier, type Invocation, type Num } from './generator.js';

export type Outcome =
  | { kind: 'return'; type: Num | null; bits: string | null }
  | { kind: 'trap'; message: string };

/**
 * V8's trap messages and the driver's trap kinds (wasm_rt_trap_t). V8 says
 * "float unrepresentable" both for a NaN (the spec's "invalid conversion to
 * integer") and for a value out of range ("integer overflow"): either kind
 * matches it.
 */
const V8_TRAPS: readonly (readonly [message: string, kinds: string[]])[] = [
  ['divide by zero', ['DIV_BY_ZERO']],
  ['remainder by zero', ['DIV_BY_ZERO']],
  ['divide result unrepresentable', ['INT_OVERFLOW']],
  ['float unrepresentable in integer range', ['INT_OVERFLOW', 'INVALID_CONVERSION']],
  ['memory access out of bounds', ['OOB']],
  ['unreachable', ['UNREACHABLE']],
  ['table index is out of bounds', ['CALL_INDIRECT']],
  ['null function or function signature mismatch', ['CALL_INDIRECT']],
];

export function trapKindsFor(message: string): string[] {
  const entry = V8_TRAPS.find(([m]) => message === m);
  if (!entry) throw new Error(`V8 trapped with "${message}", which test/differential/outcomes.ts does not map`);
  return entry[1];
}

type Export = (...args: (number | bigint)[]) => number | bigint | undefined;

/** Runs every invocation in order on one V8 instance (state carries over, as in the driver). */
export async function runInV8(wasm: Uint8Array<ArrayBuffer>, results: Map<string, Num | null>, invocations: Invocation[]): Promise<Outcome[]> {
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(wasm));
  return invocations.map((inv) => {
    const fn = instance.exports[inv.field] as Export;
    const args = inv.args.map((a) => (a.type === 'i32' ? Number(BigInt.asIntN(32, BigInt(a.bits))) : BigInt.asIntN(64, BigInt(a.bits))));
    const type = results.get(inv.field) ?? null;
    try {
      const value = fn(...args);
      if (type === null) return { kind: 'return', type, bits: null };
      return { kind: 'return', type, bits: String(BigInt.asUintN(carrier(type) === 'i32' ? 32 : 64, BigInt(value!))) };
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        trapKindsFor(e.message); // an unmapped trap fails here, not as a mismatch
        return { kind: 'trap', message: e.message };
      }
      throw new Error(`V8 failed on ${inv.field} in a way the generator should rule out: ${String(e)}`);
    }
  });
}

/** a quiet NaN's exponent and quiet bit */
const QUIET = { f32: 0x7fc00000n, f64: 0x7ff8000000000000n };

/** The spec-test form of V8's result: nan:arithmetic for a quiet NaN, else the bits. */
export function expectedValue(type: Num, bits: string): WastValue {
  if (type === 'f32' || type === 'f64') {
    const b = BigInt(bits);
    if ((b & QUIET[type]) === QUIET[type]) return { type, value: 'nan:arithmetic' };
  }
  return { type, value: bits };
}

/** null when Embly's answer is V8's outcome, otherwise what differs. */
export function compare(expected: Outcome, answer: Answer): string | null {
  const got = `${answer.status}${answer.rest ? ` ${answer.rest}` : ''}`;
  if (expected.kind === 'trap') {
    const kinds = trapKindsFor(expected.message);
    return answer.status === 'trap' && kinds.includes(answer.rest) ? null : `expected trap ${kinds.join('|')} ("${expected.message}"), got ${got}`;
  }
  if (answer.status !== 'ok') return `expected ok ${describe(expected)}, got ${got}`;
  if (expected.type === null || expected.bits === null) return answer.values.length === 0 ? null : `expected ok, got ${got}`;
  const [value, ...more] = answer.values;
  // The export carries a float's bits as an integer: compare them as the float.
  const asFloat = value?.replace(/^i(32|64):/, `${expected.type}:`) ?? '';
  return more.length === 0 && value !== undefined && valueMatches(expectedValue(expected.type, expected.bits), asFloat)
    ? null : `expected ok ${describe(expected)}, got ${got}`;
}

export function describe(o: Outcome): string {
  if (o.kind === 'trap') return `trap "${o.message}"`;
  if (o.type === null) return '(no result)';
  const v = expectedValue(o.type, o.bits!);
  return `${o.type}:${v.value}${v.value === 'nan:arithmetic' ? ` (V8: ${o.bits})` : ''}`;
}
