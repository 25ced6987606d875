// What counts as the expected outcome: the trap kind each spec trap text
// stands for, and how a result value the driver printed is compared with an
// expected one (exact bits, NaN classes, references).
import type { WastValue } from './wast.js';

/**
 * Spec trap text -> the driver's trap kind (wasm_rt_trap_t without its
 * WASM_RT_TRAP_ prefix). Matched by prefix, first entry wins: the suite has
 * one text with a suffix ("uninitialized element 2", bulk.wast:222).
 * wasm2c reports every table bounds failure (table.get/set/fill/copy/init,
 * elem segments) as OOB, like memory, and every failed call_indirect (index
 * out of range, null entry, wrong signature) as CALL_INDIRECT.
 */
export const TRAP_KINDS: readonly (readonly [text: string, kind: string])[] = [
  ['integer divide by zero', 'DIV_BY_ZERO'],
  ['integer overflow', 'INT_OVERFLOW'],
  ['invalid conversion to integer', 'INVALID_CONVERSION'],
  ['out of bounds memory access', 'OOB'],
  ['out of bounds table access', 'OOB'],
  ['undefined element', 'CALL_INDIRECT'],
  ['uninitialized element', 'CALL_INDIRECT'],
  ['indirect call type mismatch', 'CALL_INDIRECT'],
  ['unreachable', 'UNREACHABLE'],
  ['call stack exhausted', 'EXHAUSTION'],
];

export function trapKindFor(text: string): string | undefined {
  return TRAP_KINDS.find(([prefix]) => text.startsWith(prefix))?.[1];
}

const FLOAT = {
  f32: { bits: 32n, exponent: 0x7f800000n, quiet: 0x00400000n, sign: 0x80000000n },
  f64: { bits: 64n, exponent: 0x7ff0000000000000n, quiet: 0x0008000000000000n, sign: 0x8000000000000000n },
};

/**
 * Whether `got` (the driver's TYPE:BITS) is the expected value.
 * - integers and floats: the same bit pattern;
 * - nan:canonical: a NaN whose payload is exactly the quiet bit, either sign;
 * - nan:arithmetic: a NaN with the quiet bit set, any other payload, either sign;
 * - externref N: the host reference N the driver passed in (null is distinct);
 * - funcref: only null or non-null can be told from outside.
 */
export function valueMatches(expected: WastValue, got: string): boolean {
  const colon = got.indexOf(':');
  const type = got.slice(0, colon);
  const value = got.slice(colon + 1);
  if (type !== expected.type) return false;
  switch (expected.type) {
    case 'i32':
    case 'i64':
      return BigInt(value) === BigInt(expected.value!);
    case 'f32':
    case 'f64': {
      const f = FLOAT[expected.type];
      const bits = BigInt(value);
      const magnitude = bits & ~f.sign;
      if (expected.value === 'nan:canonical') return magnitude === (f.exponent | f.quiet);
      if (expected.value === 'nan:arithmetic') return (magnitude & (f.exponent | f.quiet)) === (f.exponent | f.quiet);
      return bits === BigInt(expected.value!);
    }
    case 'externref':
      return value === expected.value;
    case 'funcref':
      return expected.value === 'null' ? value === 'null' : value !== 'null';
  }
}

/** An expected value as the driver would print it, for messages. */
export function describeValue(v: WastValue): string {
  return `${v.type}:${v.value ?? '?'}`;
}
