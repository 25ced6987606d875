// What counts as the expected outcome: the trap kind each spec trap text
// stands for, and how a result value the driver printed is compared with an
// expected one (exact bits, NaN classes, references).
import type { LaneType, ScalarValue, V128Value, WastValue } from './wast.js';

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

/** Whether `bits` is the expected float, or a NaN of the expected class. */
function floatMatches(type: 'f32' | 'f64', expected: string, bits: bigint): boolean {
  const f = FLOAT[type];
  const magnitude = bits & ~f.sign;
  if (expected === 'nan:canonical') return magnitude === (f.exponent | f.quiet);
  if (expected === 'nan:arithmetic') return (magnitude & (f.exponent | f.quiet)) === (f.exponent | f.quiet);
  return bits === BigInt(expected);
}

const LANE_BITS: Record<LaneType, number> = { i8: 8, i16: 16, i32: 32, i64: 64, f32: 32, f64: 64 };

/** The 16 bytes of a v128 (lane 0 first, little-endian lanes) as 32 hex digits: the driver's form. */
export function v128Hex(v: V128Value): string {
  const bits = LANE_BITS[v.lane_type];
  return v.value.map((lane) => {
    const n = BigInt.asUintN(bits, BigInt(lane));
    const bytes = Array.from({ length: bits / 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  }).join('');
}

/** The lanes of a v128 in hex form, as unsigned integers of the lane width. */
export function v128Lanes(hex: string, laneType: LaneType): bigint[] {
  const digits = LANE_BITS[laneType] / 4;
  return Array.from({ length: 32 / digits }, (_, i) => {
    const lane = hex.slice(i * digits, (i + 1) * digits);
    // little-endian: the byte pairs of a lane, last first
    return BigInt(`0x${lane.match(/../g)!.reverse().join('')}`);
  });
}

function v128Matches(expected: V128Value, got: string): boolean {
  if (!/^[0-9a-f]{32}$/.test(got)) return false;
  const lanes = v128Lanes(got, expected.lane_type);
  const type = expected.lane_type;
  if (lanes.length !== expected.value.length) return false;
  return expected.value.every((want, i) => (type === 'f32' || type === 'f64'
    ? floatMatches(type, want, lanes[i]!)
    : lanes[i] === BigInt.asUintN(LANE_BITS[type], BigInt(want))));
}

/**
 * Whether `got` (the driver's TYPE:BITS) is the expected value.
 * - integers and floats: the same bit pattern;
 * - nan:canonical: a NaN whose payload is exactly the quiet bit, either sign;
 * - nan:arithmetic: a NaN with the quiet bit set, any other payload, either sign;
 * - v128: lane by lane in the expected lane type, each as above (a float lane
 *   may be a NaN class);
 * - externref N: the host reference N the driver passed in (null is distinct);
 * - funcref: only null or non-null can be told from outside.
 */
export function valueMatches(expected: WastValue, got: string): boolean {
  const colon = got.indexOf(':');
  const type = got.slice(0, colon);
  const value = got.slice(colon + 1);
  if (type !== expected.type) return false;
  if (expected.type === 'v128') return v128Matches(expected, value);
  return scalarMatches(expected, value);
}

function scalarMatches(expected: ScalarValue, value: string): boolean {
  switch (expected.type) {
    case 'i32':
    case 'i64':
      return BigInt(value) === BigInt(expected.value!);
    case 'f32':
    case 'f64':
      return floatMatches(expected.type, expected.value!, BigInt(value));
    case 'externref':
      return value === expected.value;
    case 'funcref':
      return expected.value === 'null' ? value === 'null' : value !== 'null';
  }
}

/** An expected value as the driver would print it, for messages. */
export function describeValue(v: WastValue): string {
  if (v.type === 'v128') return `v128:${v.lane_type}x${v.value.length}(${v.value.join(',')})`;
  return `${v.type}:${v.value ?? '?'}`;
}
