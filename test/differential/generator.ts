// A generator of random valid wasm modules (as wat text), type-correct by
// construction: every expression is generated for the type its context needs.
// docs/conformance.md ("The differential check") lists what it covers and why
// it leaves some things out. Three rules keep the outcome deterministic, so
// that V8 and Embly must agree on it:
// - it terminates: a function only calls functions after it, call_indirect
//   only reaches the table's leaf functions (which call nothing), and every
//   loop iteration spends one unit of a fuel global each export call refills;
//   no recursion, so no stack exhaustion (which engines may reach at
//   different depths);
// - no NaN bits leak into integers: wasm leaves an arithmetic NaN's sign and
//   payload open, so a float that is reinterpreted, stored to memory or gives
//   its sign to copysign is first replaced by the canonical NaN if it is one;
// - values cross the boundary as bit patterns: each export takes and returns
//   integers (floats reinterpreted), since a JS number cannot carry NaN bits.
import { Choices } from './choices.js';

export type Num = 'i32' | 'i64' | 'f32' | 'f64';
export const NUMS: readonly Num[] = ['i32', 'i64', 'f32', 'f64'];
type Result = Num | null;

interface Sig { params: Num[]; result: Result }
interface Label { name: string; type: Result }

/** One call of an export: the arguments as unsigned bit patterns (decimal). */
export interface Invocation { field: string; args: { type: Num; bits: string }[] }

export interface GeneratedModule {
  wat: string;
  /** each export's inner result type (the export returns it as integer bits) */
  results: Map<string, Result>;
  invocations: Invocation[];
}

/** The integer type that carries a value's bits across the boundary. */
export const carrier = (t: Num): 'i32' | 'i64' => (t === 'i32' || t === 'f32' ? 'i32' : 'i64');

const FUEL = 64;
const TABLE_NULLS = 2;

// Values that sit on the edges of what wasm's operators do: zero, signs,
// overflow boundaries of division and truncation, NaNs quiet and signaling.
const EDGE_I32 = [0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 2, 7, 31, 32, 0xff, 0x100, 0xffff, 0x10000, 0xfffffff8];
const EDGE_I64 = [0n, 1n, 0xffffffffffffffffn, 0x8000000000000000n, 0x7fffffffffffffffn, 63n, 64n, 0xffffffffn, 0x100000000n, 0x80000000n];
const EDGE_F32 = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0xbf666666, 0x7f800000, 0xff800000, 0x7fc00000,
  0xffc00000, 0x7fa00000, 0x7fc00001, 0x7f7fffff, 1, 0x00800000, 0x4f000000, 0xcf000000, 0x4f800000, 0x4effffff,
  0x4f7fffff, 0x5f000000, 0xdf000000, 0x5f800000, 0xcf000001, 0x3fc00000, 0x40200000];
const EDGE_F64 = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n,
  0xbfeccccccccccccdn, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff4000000000000n, 0x7ff8000000000001n, 0x7fefffffffffffffn, 1n, 0x0010000000000000n, 0x41dfffffffc00000n,
  0x41e0000000000000n, 0xc1e0000000000000n, 0xc1e0000000200000n, 0x41efffffffe00000n, 0x41f0000000000000n,
  0x43e0000000000000n, 0xc3e0000000000000n, 0x43f0000000000000n, 0x3ff8000000000000n, 0x4004000000000000n];

export const EDGE_FLOATS = { f32: EDGE_F32, f64: EDGE_F64 };

/** A value's bit pattern: an edge value most of the time, otherwise any bits. */
export function bitsOf(c: Choices, t: Num): bigint {
  const edge = c.chance(70);
  switch (t) {
    case 'i32': return BigInt(edge ? c.pick(EDGE_I32) : c.bits32());
    case 'f32': return BigInt(edge ? c.pick(EDGE_F32) : c.bits32());
    case 'i64': return edge ? c.pick(EDGE_I64) : c.bits64();
    case 'f64': return edge ? c.pick(EDGE_F64) : c.bits64();
  }
}

/** A float bit pattern as an exact wat literal (hex floats; NaN payloads kept). */
export function floatLiteral(t: 'f32' | 'f64', bits: bigint): string {
  const [width, mantissaBits, bias] = t === 'f32' ? [32n, 23n, 127n] : [64n, 52n, 1023n];
  const sign = (bits >> (width - 1n)) & 1n ? '-' : '';
  const exponent = (bits >> mantissaBits) & ((1n << (width - 1n - mantissaBits)) - 1n);
  const mantissa = bits & ((1n << mantissaBits) - 1n);
  const maxExponent = (1n << (width - 1n - mantissaBits)) - 1n;
  if (exponent === maxExponent) return mantissa === 0n ? `${sign}inf` : `${sign}nan:0x${mantissa.toString(16)}`;
  // The mantissa as whole hex digits: shifted left to a multiple of 4 bits.
  const pad = (4n - (mantissaBits % 4n)) % 4n;
  const digits = ((mantissa << pad).toString(16)).padStart(Number((mantissaBits + pad) / 4n), '0');
  if (exponent === 0n) return `${sign}0x0.${digits}p-${bias - 1n}`;
  return `${sign}0x1.${digits}p${exponent - bias}`;
}

const constant = (t: Num, bits: bigint): string => {
  if (t === 'i32' || t === 'i64') return `(${t}.const ${bits})`;
  return `(${t}.const ${floatLiteral(t, bits)})`;
};

const INT_BINARY = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
const FLOAT_BINARY = ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'];
const INT_COMPARE = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
const FLOAT_COMPARE = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];

/** Unary operators and conversions, by result type: [instruction, operand type]. */
const UNARY: Record<Num, [string, Num][]> = {
  i32: [['i32.clz', 'i32'], ['i32.ctz', 'i32'], ['i32.popcnt', 'i32'], ['i32.eqz', 'i32'], ['i64.eqz', 'i64'],
    ['i32.extend8_s', 'i32'], ['i32.extend16_s', 'i32'], ['i32.wrap_i64', 'i64'],
    ['i32.trunc_f32_s', 'f32'], ['i32.trunc_f32_u', 'f32'], ['i32.trunc_f64_s', 'f64'], ['i32.trunc_f64_u', 'f64'],
    ['i32.trunc_sat_f32_s', 'f32'], ['i32.trunc_sat_f32_u', 'f32'], ['i32.trunc_sat_f64_s', 'f64'], ['i32.trunc_sat_f64_u', 'f64'],
    ['i32.reinterpret_f32', 'f32']],
  i64: [['i64.clz', 'i64'], ['i64.ctz', 'i64'], ['i64.popcnt', 'i64'], ['i64.extend8_s', 'i64'], ['i64.extend16_s', 'i64'],
    ['i64.extend32_s', 'i64'], ['i64.extend_i32_s', 'i32'], ['i64.extend_i32_u', 'i32'],
    ['i64.trunc_f32_s', 'f32'], ['i64.trunc_f32_u', 'f32'], ['i64.trunc_f64_s', 'f64'], ['i64.trunc_f64_u', 'f64'],
    ['i64.trunc_sat_f32_s', 'f32'], ['i64.trunc_sat_f32_u', 'f32'], ['i64.trunc_sat_f64_s', 'f64'], ['i64.trunc_sat_f64_u', 'f64'],
    ['i64.reinterpret_f64', 'f64']],
  f32: [['f32.abs', 'f32'], ['f32.neg', 'f32'], ['f32.sqrt', 'f32'], ['f32.ceil', 'f32'], ['f32.floor', 'f32'],
    ['f32.trunc', 'f32'], ['f32.nearest', 'f32'], ['f32.convert_i32_s', 'i32'], ['f32.convert_i32_u', 'i32'],
    ['f32.convert_i64_s', 'i64'], ['f32.convert_i64_u', 'i64'], ['f32.demote_f64', 'f64'], ['f32.reinterpret_i32', 'i32']],
  f64: [['f64.abs', 'f64'], ['f64.neg', 'f64'], ['f64.sqrt', 'f64'], ['f64.ceil', 'f64'], ['f64.floor', 'f64'],
    ['f64.trunc', 'f64'], ['f64.nearest', 'f64'], ['f64.convert_i32_s', 'i32'], ['f64.convert_i32_u', 'i32'],
    ['f64.convert_i64_s', 'i64'], ['f64.convert_i64_u', 'i64'], ['f64.promote_f32', 'f32'], ['f64.reinterpret_i64', 'i64']],
};

/** Loads by result type: [instruction, natural alignment in bytes]. */
const LOADS: Record<Num, [string, number][]> = {
  i32: [['i32.load', 4], ['i32.load8_s', 1], ['i32.load8_u', 1], ['i32.load16_s', 2], ['i32.load16_u', 2]],
  i64: [['i64.load', 8], ['i64.load8_s', 1], ['i64.load8_u', 1], ['i64.load16_s', 2], ['i64.load16_u', 2],
    ['i64.load32_s', 4], ['i64.load32_u', 4]],
  f32: [['f32.load', 4]],
  f64: [['f64.load', 8]],
};
const STORES: Record<Num, [string, number][]> = {
  i32: [['i32.store', 4], ['i32.store8', 1], ['i32.store16', 2]],
  i64: [['i64.store', 8], ['i64.store8', 1], ['i64.store16', 2], ['i64.store32', 4]],
  f32: [['f32.store', 4]],
  f64: [['f64.store', 8]],
};

interface ModulePlan {
  sigs: Sig[];
  /** functions [0, leavesFrom) may call; [leavesFrom, n) are leaves, the table's entries */
  leavesFrom: number;
  globals: Num[];
  /** the leaf signatures call_indirect may name */
  tableSigs: Sig[];
  tableSize: number;
}

/** Generates one function's body. */
class FunctionWriter {
  private labels: Label[] = [];
  private nextLabel = 0;
  private budget: number;

  constructor(private readonly c: Choices, private readonly plan: ModulePlan, private readonly index: number,
    private readonly locals: Num[], nodes: number) {
    this.budget = nodes;
  }

  private get leaf(): boolean { return this.index >= this.plan.leavesFrom; }
  private get sig(): Sig { return this.plan.sigs[this.index]!; }

  body(): string {
    const result = this.sig.result;
    const statements = this.statements(3);
    return result ? `${statements} ${this.expr(result, 5)}` : statements;
  }

  /** An expression of type t, at most `depth` levels deep. */
  expr(t: Num, depth: number): string {
    this.budget--;
    if (depth <= 0 || this.budget <= 0) return this.atom(t);
    const options: (() => string | null)[] = [
      () => this.atom(t),
      () => this.unary(t, depth),
      () => this.binary(t, depth),
      () => (t === 'i32' ? this.compare(depth) : this.binary(t, depth)),
      () => this.load(t, depth),
      () => `(select ${this.expr(t, depth - 1)} ${this.expr(t, depth - 1)} ${this.expr('i32', depth - 1)})`,
      () => this.localTee(t, depth),
      () => this.block(t, depth),
      () => this.ifElse(t, depth),
      () => this.loop(t, depth),
      () => this.call(t, depth),
      () => this.callIndirect(t, depth),
      () => this.brIf(t, depth),
      () => (t === 'i32' ? this.memoryOp(depth) : this.atom(t)),
      () => this.polymorphic(depth),
    ];
    return options[this.c.int(options.length)]!() ?? this.atom(t);
  }

  private atom(t: Num): string {
    const locals = this.localsOf(t);
    const globals = this.plan.globals.flatMap((g, i) => (g === t ? [i] : []));
    const pick = this.c.int(3);
    if (pick === 1 && locals.length) return `(local.get ${this.c.pick(locals)})`;
    if (pick === 2 && globals.length) return `(global.get $g${this.c.pick(globals)})`;
    return constant(t, bitsOf(this.c, t));
  }

  private localsOf(t: Num): number[] {
    return this.locals.flatMap((l, i) => (l === t ? [i] : []));
  }

  private unary(t: Num, depth: number): string {
    const [op, from] = this.c.pick(UNARY[t]);
    const operand = this.expr(from, depth - 1);
    return `(${op} ${op.endsWith('reinterpret_f32') || op.endsWith('reinterpret_f64') ? canonical(from, operand) : operand})`;
  }

  private binary(t: Num, depth: number): string {
    const float = t === 'f32' || t === 'f64';
    // Division and remainder more often than one in 15: each has traps of its own.
    const op = !float && this.c.chance(25) ? this.c.pick(['div_s', 'div_u', 'rem_s', 'rem_u']) : this.c.pick(float ? FLOAT_BINARY : INT_BINARY);
    // Now and then a divisor of 0, or INT_MIN / -1: the division traps need exactly these.
    const edge = /^(div|rem)_/.test(op) ? this.c.int(8) : 0; // 6: by zero, 7: INT_MIN / -1
    const [min, minusOne] = t === 'i32' ? [0x80000000n, 0xffffffffn] : [0x8000000000000000n, 0xffffffffffffffffn];
    const a = edge === 7 ? constant(t, min) : this.expr(t, depth - 1);
    const b = edge === 6 ? constant(t, 0n) : edge === 7 ? constant(t, minusOne) : this.expr(t, depth - 1);
    return `(${t}.${op} ${a} ${op === 'copysign' ? canonical(t, b) : b})`;
  }

  private compare(depth: number): string {
    const from = this.c.pick(NUMS);
    const op = this.c.pick(from === 'i32' || from === 'i64' ? INT_COMPARE : FLOAT_COMPARE);
    return `(${from}.${op} ${this.expr(from, depth - 1)} ${this.expr(from, depth - 1)})`;
  }

  /** An address: mostly inside the first page's start, sometimes near its end, sometimes anything. */
  private address(depth: number): string {
    const kind = this.c.int(12);
    if (kind < 7) return `(i32.const ${this.c.int(64)})`;
    if (kind === 7) return `(i32.const ${65536 - 16 + this.c.int(24)})`;
    if (kind < 11) return `(i32.and ${this.expr('i32', depth - 1)} (i32.const 0x1ff))`;
    return this.expr('i32', depth - 1);
  }

  private memarg(natural: number): string {
    const offsets = [0, 0, 0, 0, 0, 0, 1, 3, 8, 16, 65535, 0xfffffff0];
    const offset = this.c.pick(offsets);
    const align = 2 ** this.c.int(Math.log2(natural) + 1);
    return `${offset ? ` offset=${offset}` : ''} align=${align}`;
  }

  private load(t: Num, depth: number): string {
    const [op, natural] = this.c.pick(LOADS[t]);
    return `(${op}${this.memarg(natural)} ${this.address(depth)})`;
  }

  private store(depth: number): string {
    const t = this.c.pick(NUMS);
    const [op, natural] = this.c.pick(STORES[t]);
    return `(${op}${this.memarg(natural)} ${this.address(depth)} ${canonical(t, this.expr(t, depth - 1))})`;
  }

  private memoryOp(depth: number): string {
    if (this.c.chance(50)) return '(memory.size)';
    const delta = this.c.chance(80) ? `(i32.const ${this.c.int(3)})` : this.expr('i32', depth - 1);
    return `(memory.grow ${delta})`;
  }

  private localTee(t: Num, depth: number): string | null {
    const locals = this.localsOf(t);
    if (!locals.length) return null;
    return `(local.tee ${this.c.pick(locals)} ${this.expr(t, depth - 1)})`;
  }

  private withLabel<T>(type: Result, write: (name: string) => T): T {
    const name = `$l${this.nextLabel++}`;
    this.labels.push({ name, type });
    try {
      return write(name);
    } finally {
      this.labels.pop();
    }
  }

  private block(t: Result, depth: number): string {
    return this.withLabel(t, (name) => {
      const statements = this.statements(depth - 1);
      return `(block ${name}${t ? ` (result ${t})` : ''} ${statements}${t ? ` ${this.expr(t, depth - 1)}` : ''})`;
    });
  }

  private ifElse(t: Result, depth: number): string {
    const condition = this.expr('i32', depth - 1);
    return this.withLabel(t, (name) => {
      const arm = () => (t ? `${this.statements(depth - 2)} ${this.expr(t, depth - 1)}` : this.statements(depth - 1));
      const then = arm();
      const otherwise = t || this.c.chance(50) ? ` (else ${arm()})` : '';
      return `(if ${name}${t ? ` (result ${t})` : ''} ${condition} (then ${then})${otherwise})`;
    });
  }

  /** A loop that can iterate (by a branch to its label) only while there is fuel. */
  private loop(t: Result, depth: number): string {
    return this.withLabel(t, (exit) => this.withLabel(null, (top) => {
      const result = t ? ` (result ${t})` : '';
      const leave = `(br ${exit}${t ? ` ${constant(t, bitsOf(this.c, t))}` : ''})`;
      const spend = `(if (i32.eqz (global.get $fuel)) (then ${leave})) ` +
        '(global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))';
      const body = `${this.statements(depth - 1)}${t ? ` ${this.expr(t, depth - 1)}` : ''}`;
      return `(block ${exit}${result} (loop ${top}${result} ${spend} ${body}))`;
    }));
  }

  private args(params: Num[], depth: number): string {
    return params.map((p) => this.expr(p, depth - 1)).join(' ');
  }

  private call(t: Result, depth: number): string | null {
    if (this.leaf) return null;
    const callees = this.plan.sigs.flatMap((s, i) => (i > this.index && s.result === t ? [i] : []));
    if (!callees.length) return null;
    const callee = this.c.pick(callees);
    return `(call $f${callee} ${this.args(this.plan.sigs[callee]!.params, depth)})`;
  }

  private callIndirect(t: Result, depth: number): string | null {
    if (this.leaf) return null;
    const sigs = this.plan.tableSigs.filter((s) => s.result === t);
    if (!sigs.length) return null;
    const sig = this.c.pick(sigs);
    const index = this.c.chance(80) ? `(i32.const ${this.c.int(this.plan.tableSize + 2)})` : this.expr('i32', depth - 1);
    const params = sig.params.length ? ` (param ${sig.params.join(' ')})` : '';
    return `(call_indirect${params}${t ? ` (result ${t})` : ''} ${this.args(sig.params, depth)} ${index})`;
  }

  /** br_if to an enclosing label of type t: its value stays when the branch is not taken. */
  private brIf(t: Num, depth: number): string | null {
    const targets = this.labels.filter((l) => l.type === t);
    if (!targets.length) return null;
    return `(br_if ${this.c.pick(targets).name} ${this.expr(t, depth - 1)} ${this.expr('i32', depth - 1)})`;
  }

  /** Instructions that never fall through, so they fit any type: br, br_table, return, unreachable. */
  private polymorphic(depth: number): string | null {
    const choice = this.c.int(10);
    if (choice < 4 && this.labels.length) {
      const label = this.c.pick(this.labels);
      return `(br ${label.name}${label.type ? ` ${this.expr(label.type, depth - 1)}` : ''})`;
    }
    if (choice < 7 && this.labels.length) {
      const type = this.c.pick(this.labels).type;
      const targets = this.labels.filter((l) => l.type === type);
      const list = Array.from({ length: 1 + this.c.int(3) }, () => this.c.pick(targets).name);
      const value = type ? ` ${this.expr(type, depth - 1)}` : '';
      return `(br_table ${list.join(' ')} ${this.c.pick(targets).name}${value} ${this.expr('i32', depth - 1)})`;
    }
    if (choice < 9) {
      const result = this.sig.result;
      return `(return${result ? ` ${this.expr(result, depth - 1)}` : ''})`;
    }
    return '(unreachable)';
  }

  statements(depth: number): string {
    const count = depth <= 0 || this.budget <= 0 ? 0 : this.c.int(4);
    return Array.from({ length: count }, () => this.statement(depth)).join(' ');
  }

  private statement(depth: number): string {
    this.budget--;
    const t = this.c.pick(NUMS);
    const options: (() => string | null)[] = [
      () => `(drop ${this.expr(t, depth)})`,
      () => { const ls = this.localsOf(t); return ls.length ? `(local.set ${this.c.pick(ls)} ${this.expr(t, depth - 1)})` : null; },
      () => {
        const gs = this.plan.globals.flatMap((g, i) => (g === t ? [i] : []));
        return gs.length ? `(global.set $g${this.c.pick(gs)} ${this.expr(t, depth - 1)})` : null;
      },
      () => this.store(depth),
      () => {
        const targets = this.labels.filter((l) => l.type === null);
        return targets.length ? `(br_if ${this.c.pick(targets).name} ${this.expr('i32', depth - 1)})` : null;
      },
      () => this.ifElse(null, depth),
      () => this.block(null, depth),
      () => this.loop(null, depth),
      () => this.call(null, depth),
      () => this.callIndirect(null, depth),
    ];
    return options[this.c.int(options.length)]!() ?? '(nop)';
  }
}

/** x, or the canonical NaN if x is a NaN (see the header). Evaluates x once, through a scratch local. */
function canonical(t: Num, x: string): string {
  if (t === 'i32' || t === 'i64') return x;
  return `(select (${t}.const nan) (local.tee $scratch_${t} ${x}) (${t}.ne (local.get $scratch_${t}) (local.get $scratch_${t})))`;
}

function randomSig(c: Choices, withResult = 85): Sig {
  const params = Array.from({ length: c.int(4) }, () => c.pick(NUMS));
  return { params, result: c.chance(withResult) ? c.pick(NUMS) : null };
}

function plan(c: Choices): ModulePlan {
  const callers = 2 + c.int(8);
  const leaves = 1 + c.int(4);
  const tableSigs = Array.from({ length: 1 + c.int(3) }, () => randomSig(c, 90));
  const sigs = [
    ...Array.from({ length: callers }, () => randomSig(c)),
    ...Array.from({ length: leaves }, () => (c.chance(80) ? c.pick(tableSigs) : randomSig(c))),
  ];
  return {
    sigs, leavesFrom: callers, tableSigs, tableSize: leaves + TABLE_NULLS,
    globals: Array.from({ length: c.int(5) }, () => c.pick(NUMS)),
  };
}

function functionText(c: Choices, p: ModulePlan, index: number): string {
  const sig = p.sigs[index]!;
  const extra = Array.from({ length: c.int(4) }, () => c.pick(NUMS));
  const writer = new FunctionWriter(c, p, index, [...sig.params, ...extra], 40 + c.int(60));
  const params = sig.params.length ? ` (param ${sig.params.join(' ')})` : '';
  const result = sig.result ? ` (result ${sig.result})` : '';
  const locals = extra.length ? ` (local ${extra.join(' ')})` : '';
  return `  (func $f${index}${params}${result}${locals} (local $scratch_f32 f32) (local $scratch_f64 f64)\n    ${writer.body()})`;
}

/** The export of function i: integer bits in and out, and a full tank of fuel. */
function exportText(p: ModulePlan, index: number): string {
  const sig = p.sigs[index]!;
  const params = sig.params.length ? ` (param ${sig.params.map(carrier).join(' ')})` : '';
  const result = sig.result ? ` (result ${carrier(sig.result)})` : '';
  const args = sig.params.map((t, i) => (t === carrier(t) ? `(local.get ${i})` : `(${t}.reinterpret_${carrier(t)} (local.get ${i}))`));
  const call = `(call $f${index}${args.length ? ` ${args.join(' ')}` : ''})`;
  const out = sig.result && sig.result !== carrier(sig.result) ? `(${carrier(sig.result)}.reinterpret_${sig.result} ${call})` : call;
  return `  (func (export "f${index}")${params}${result} (global.set $fuel (i32.const ${FUEL})) ${out})`;
}

/** Generates a module and the calls to make of it, all from one choice sequence. */
export function generateModule(c: Choices): GeneratedModule {
  const p = plan(c);
  const data = Array.from({ length: c.int(64) }, () => `\\${(c.bits32() & 0xff).toString(16).padStart(2, '0')}`).join('');
  const leaves = p.sigs.map((_, i) => i).filter((i) => i >= p.leavesFrom);
  const order = leaves.map((i) => ({ i, key: c.bits32() })).sort((a, b) => a.key - b.key).map((x) => `$f${x.i}`);
  const lines = [
    '(module',
    '  (memory 1 3)',
    `  (data (i32.const 0) "${data}")`,
    `  (table ${p.tableSize} funcref)`,
    `  (elem (i32.const 0) ${order.join(' ')})`,
    `  (global $fuel (mut i32) (i32.const ${FUEL}))`,
    ...p.globals.map((t, i) => `  (global $g${i} (mut ${t}) ${constant(t, bitsOf(c, t))})`),
    ...p.sigs.map((_, i) => functionText(c, p, i)),
    ...p.sigs.map((_, i) => exportText(p, i)),
    ')',
  ];
  const results = new Map(p.sigs.map((s, i) => [`f${i}`, s.result] as const));
  const invocations: Invocation[] = [];
  const rounds = 4 + c.int(5);
  for (let round = 0; round < rounds; round++) {
    p.sigs.forEach((s, i) => invocations.push({
      field: `f${i}`,
      args: s.params.map((t) => ({ type: carrier(t), bits: String(bitsOf(c, t)) })),
    }));
  }
  return { wat: `${lines.join('\n')}\n`, results, invocations };
}
