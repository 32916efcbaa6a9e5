/**
 * The JS tier of the reference interpreter: each function of an instance is translated once into
 * JavaScript source (one JS function per wasm function, built with `new Function`), which V8 then
 * compiles like any other JS. No WebAssembly API and no wasm code is involved: the semantics are
 * ours, written out as JS expressions over the interpreter's value representation (numeric.ts:
 * i32 number, i64 bigint, f32/f64 raw bits), and fuel and stack are metered by the generated code
 * with the interpreter's own rules:
 *
 *   - fuel: the metered segments of metering.ts (the same plan the run loop uses); each segment's
 *     cost is charged where it starts, from a local copy `fl` of the counter that is written back to
 *     the machine before anything that can call, trap or return, and re-read after a call;
 *   - stack: at entry the frame takes compile.ts's `frameSlots` (params + locals + maximum operand
 *     height + overhead) from the machine's budget and gives them back on return;
 *   - depth: a frame that would take the machine past the logical stack limit, or past
 *     `JS_TIER_WEIGHT` (the native frame sizes of the JS-tier frames below it, estimated from their
 *     variables), is run by the run loop instead (machine.ts, explicit frame stack), and so is
 *     everything it calls. So the native stack never decides a result, and the stack_exhausted check
 *     itself is the run loop's.
 *
 * Translation: operand stack heights are static in valid code, so the value at height h of type t
 * is a JS local named by type and height (`i3` for an i32, `j3` i64, `f3` f32, `d3` f64, `r3` a
 * reference); wasm locals are `L0…`. Structured control maps onto labeled JS statements (`block` →
 * `B: {}`, `loop` → `B: for (;;) {}`, `if` → `B: if () {} else {}`); a branch copies its values to
 * the target's heights and `break`s / `continue`s. Unreachable code is not emitted.
 *
 * The event trace is not produced here: a machine with a trace runs everything in the run loop.
 */
import { opInfo, parseSig } from '../binary/opcodes.js';
import type { FuncType, Instr, ValType, WasmModule } from '../binary/types.js';
import { blockSig } from './compile.js';
import { GENERIC } from './generic.js';
import { planCharges } from './metering.js';
import type { FuncInst, Instance, Val } from './store.js';

/**
 * How deep the JS tier nests native calls before handing a call to the run loop, in JS variables
 * of the frames (each is a register of 8 bytes; `weight` below). Measured on Node 20 with the default
 * ~1 MB stack: 8,381 frames of an 8-slot function (weight 16) fit, so this budget (~256 KB) keeps the
 * JS tier at about a quarter of the native stack whatever the functions look like.
 */
export const JS_TIER_WEIGHT = 32768;

const PFX: Record<string, string> = { i32: 'i', i64: 'j', f32: 'f', f64: 'd', funcref: 'r', externref: 'r' };
const INIT: Record<string, string> = { i32: '0', i64: '0n', f32: '0', f64: '0', funcref: 'null', externref: 'null' };

export interface JsTierInput {
  module: WasmModule;
  inst: Instance;
  costOf: (op: number) => number;
  /** Logical frame size of a defined function (compile.ts's figure, shared with the run loop). */
  frameSlots: (f: FuncInst) => number;
  /** The profile's logical stack limit: a frame past it is handed to the run loop, which traps stack_exhausted. */
  slotLimit: number;
}

/** Generated source of an instance's defined functions: a factory body over (M, R). */
export function generateInstance(input: JsTierInput): { source: string; defined: number[] } {
  const { module: m, inst } = input;
  const nImported = m.imports.filter((i) => i.desc.kind === 'func').length;
  const shared = new SharedDecls();
  const parts: string[] = [];
  const defined: number[] = [];
  for (let i = 0; i < m.codes.length; i++) {
    const fi = nImported + i;
    defined.push(fi);
    parts.push(genFunction(input, fi, nImported, shared));
  }
  const source = `"use strict";\nconst FUNCS = R.inst.funcs, TABLES = R.inst.tables, GLOBALS = R.inst.globals, MEM = R.inst.mems[0];\nconst trap = R.trap, oob = R.oob, oof = R.oof, jsFn = R.jsFn, deep = R.deep, special = R.special, growMemory = R.growMemory, G = R.G;\n` +
    `const EMPTY_U8 = new Uint8Array(0), EMPTY_DV = new DataView(EMPTY_U8.buffer);\n` +
    `const NC = R.N.nanConfig, nearest = R.N.nearest, d2b = R.d2b, b2d = R.b2d, f2b = R.f2b, b2f = R.b2f, N_f64Abs = R.N.f64Abs, N_f64Neg = R.N.f64Neg, N_f32Abs = R.N.f32Abs, N_f32Neg = R.N.f32Neg, N_f64Copysign = R.N.f64Copysign, N_f32Copysign = R.N.f32Copysign;\n` +
    `${shared.text()}\n${parts.join('\n')}\nreturn [${defined.map((f) => `fn_${f}`).join(', ')}];\n`;
  return { source, defined };
}

class SharedDecls {
  private readonly lines = new Map<string, string>();
  /** A factory-level constant (a helper, a global instance, a type key), declared once. */
  use(name: string, init: string): string {
    if (!this.lines.has(name)) this.lines.set(name, `const ${name} = ${init};`);
    return name;
  }
  text(): string {
    return [...this.lines.values()].join('\n');
  }
}

interface Ctl {
  kind: 'block' | 'loop' | 'if' | 'func';
  label: string;
  /** Height below the block's params. */
  h0: number;
  params: ValType[];
  results: ValType[];
  /** Types at entry above h0 excluded (the stack below the block). */
  below: ValType[];
  /** The rest of the current arm is unreachable. */
  dead: boolean;
}

const LOADS: Record<string, [number, (ea: string) => string]> = {
  'i32.load': [4, (e) => `MV.getInt32(${e}, true)`],
  'i64.load': [8, (e) => `MV.getBigInt64(${e}, true)`],
  'f32.load': [4, (e) => `(tv = MV.getFloat32(${e}, true)) === tv ? tv : BigInt(MV.getInt32(${e}, true))`],
  'f64.load': [8, (e) => `(tv = MV.getFloat64(${e}, true)) === tv ? tv : MV.getBigInt64(${e}, true)`],
  'i32.load8_s': [1, (e) => `(MB[${e}] << 24) >> 24`],
  'i32.load8_u': [1, (e) => `MB[${e}]`],
  'i32.load16_s': [2, (e) => `MV.getInt16(${e}, true)`],
  'i32.load16_u': [2, (e) => `MV.getUint16(${e}, true)`],
  'i64.load8_s': [1, (e) => `BigInt((MB[${e}] << 24) >> 24)`],
  'i64.load8_u': [1, (e) => `BigInt(MB[${e}])`],
  'i64.load16_s': [2, (e) => `BigInt(MV.getInt16(${e}, true))`],
  'i64.load16_u': [2, (e) => `BigInt(MV.getUint16(${e}, true))`],
  'i64.load32_s': [4, (e) => `BigInt(MV.getInt32(${e}, true))`],
  'i64.load32_u': [4, (e) => `BigInt(MV.getUint32(${e}, true))`],
};
const STORES: Record<string, [number, (ea: string, v: string) => string]> = {
  'i32.store': [4, (e, v) => `MV.setInt32(${e}, ${v}, true)`],
  'f32.store': [4, (e, v) => `typeof ${v} === 'number' ? MV.setFloat32(${e}, ${v}, true) : MV.setInt32(${e}, Number(${v}), true)`],
  'i64.store': [8, (e, v) => `MV.setBigInt64(${e}, ${v}, true)`],
  'f64.store': [8, (e, v) => `typeof ${v} === 'number' ? MV.setFloat64(${e}, ${v}, true) : MV.setBigInt64(${e}, ${v}, true)`],
  'i32.store8': [1, (e, v) => `MB[${e}] = ${v}`],
  'i32.store16': [2, (e, v) => `MV.setInt16(${e}, ${v}, true)`],
  'i64.store8': [1, (e, v) => `MB[${e}] = Number(${v} & 0xffn)`],
  'i64.store16': [2, (e, v) => `MV.setUint16(${e}, Number(${v} & 0xffffn), true)`],
  'i64.store32': [4, (e, v) => `MV.setUint32(${e}, Number(${v} & 0xffffffffn), true)`],
};

/*
 * Floats. Inside the JS tier an f32/f64 that is not a NaN is held as its value (a JS number: exact
 * for f64, Math.fround-exact for f32, -0 and infinities included), and a NaN as a bigint of its bit
 * pattern (f64: the signed 64-bit pattern as elsewhere; f32: the signed 32-bit pattern), so NaN
 * payloads and signs are never left to V8's handling of NaN doubles. Every operator that can make a
 * NaN from non-NaNs checks its result, and a NaN operand of a NaN-producing operator gives the
 * canonical NaN (nanConfig), exactly the dc-float rule. Bitwise operators on a NaN (neg, abs,
 * copysign) and everything rare go through numeric.ts on bits. Values enter and leave the tier as
 * bits (toJsRep / fromJsRep): at invoke, host calls, the run loop, globals and memory.
 */
const scratch = new ArrayBuffer(8);
const SF32 = new Float32Array(scratch, 0, 1);
const SI32 = new Int32Array(scratch, 0, 1);
const SF64 = new Float64Array(scratch);
const SI64 = new BigInt64Array(scratch);
/** f64 JS-tier value → bits. */
export function d2b(x: number | bigint): bigint {
  if (typeof x === 'number') {
    SF64[0] = x;
    return SI64[0]!;
  }
  return x;
}
/** f64 bits → JS-tier value. */
export function b2d(bits: bigint): number | bigint {
  SI64[0] = bits;
  const v = SF64[0]!;
  return v === v ? v : bits;
}
/** f32 JS-tier value → bits. */
export function f2b(x: number | bigint): number {
  if (typeof x === 'number') {
    SF32[0] = x;
    return SI32[0]!;
  }
  return Number(x);
}
/** f32 bits → JS-tier value. */
export function b2f(bits: number): number | bigint {
  SI32[0] = bits;
  const v = SF32[0]!;
  return v === v ? v : BigInt(bits);
}
/** An interpreter value (bits for floats) → the JS tier's representation. */
export function toJsRep(t: ValType, v: Val): unknown {
  return t === 'f64' ? b2d(v as bigint) : t === 'f32' ? b2f(v as number) : v;
}
/** The JS tier's representation → an interpreter value. */
export function fromJsRep(t: ValType, v: unknown): Val {
  return t === 'f64' ? d2b(v as number | bigint) : t === 'f32' ? f2b(v as number | bigint) : (v as Val);
}
const numLit = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
function f32Literal(bits: number): string {
  const v = b2f(bits);
  return typeof v === 'number' ? numLit(v) : `${v}n`;
}
function f64Literal(bits: bigint): string {
  const v = b2d(BigInt.asIntN(64, bits));
  return typeof v === 'number' ? numLit(v) : `${v}n`;
}
const CN = { d: 'NC.nan64', f: 'BigInt(NC.nan32)' };
const num = (a: string): string => `typeof ${a} === 'number'`;
const both = (a: string, b: string): string => `typeof ${a} === 'number' && typeof ${b} === 'number'`;
/** A NaN-producing operator: computed on values, a NaN result or operand gives the canonical NaN. */
const arith = (k: 'd' | 'f', expr: string, a: string, b?: string): string =>
  `${b === undefined ? num(a) : both(a, b)} ? ((tv = ${expr}) === tv ? tv : ${CN[k]}) : ${CN[k]}`;
/** Generated conversions between bits and the JS tier's float values. */
const toBits = (t: ValType, e: string): string => (t === 'f64' ? `d2b(${e})` : t === 'f32' ? `f2b(${e})` : e);
const toValue = (t: ValType, e: string): string => (t === 'f64' ? `b2d(${e})` : t === 'f32' ? `b2f(${e})` : e);

/** Inline JS for pure operators: (operands) → expression. Everything else goes through GENERIC. */
const INLINE: Record<string, (a: string, b: string) => string> = {
  'i32.eqz': (a) => `${a} === 0 ? 1 : 0`,
  'i32.eq': (a, b) => `${a} === ${b} ? 1 : 0`,
  'i32.ne': (a, b) => `${a} !== ${b} ? 1 : 0`,
  'i32.lt_s': (a, b) => `${a} < ${b} ? 1 : 0`,
  'i32.lt_u': (a, b) => `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`,
  'i32.gt_s': (a, b) => `${a} > ${b} ? 1 : 0`,
  'i32.gt_u': (a, b) => `(${a} >>> 0) > (${b} >>> 0) ? 1 : 0`,
  'i32.le_s': (a, b) => `${a} <= ${b} ? 1 : 0`,
  'i32.le_u': (a, b) => `(${a} >>> 0) <= (${b} >>> 0) ? 1 : 0`,
  'i32.ge_s': (a, b) => `${a} >= ${b} ? 1 : 0`,
  'i32.ge_u': (a, b) => `(${a} >>> 0) >= (${b} >>> 0) ? 1 : 0`,
  'i32.clz': (a) => `Math.clz32(${a})`,
  'i32.add': (a, b) => `(${a} + ${b}) | 0`,
  'i32.sub': (a, b) => `(${a} - ${b}) | 0`,
  'i32.mul': (a, b) => `Math.imul(${a}, ${b})`,
  'i32.and': (a, b) => `${a} & ${b}`,
  'i32.or': (a, b) => `${a} | ${b}`,
  'i32.xor': (a, b) => `${a} ^ ${b}`,
  'i32.shl': (a, b) => `${a} << ${b}`,
  'i32.shr_s': (a, b) => `${a} >> ${b}`,
  'i32.shr_u': (a, b) => `(${a} >>> ${b}) | 0`,
  'i32.rotl': (a, b) => `(${a} << (${b} & 31)) | (${a} >>> ((32 - ${b}) & 31))`,
  'i32.rotr': (a, b) => `(${a} >>> (${b} & 31)) | (${a} << ((32 - ${b}) & 31))`,
  'i32.extend8_s': (a) => `(${a} << 24) >> 24`,
  'i32.extend16_s': (a) => `(${a} << 16) >> 16`,
  'i32.wrap_i64': (a) => `Number(BigInt.asIntN(32, ${a}))`,
  'i64.extend_i32_s': (a) => `BigInt(${a})`,
  'i64.extend_i32_u': (a) => `BigInt(${a} >>> 0)`,
  'i64.eqz': (a) => `${a} === 0n ? 1 : 0`,
  'i64.eq': (a, b) => `${a} === ${b} ? 1 : 0`,
  'i64.ne': (a, b) => `${a} !== ${b} ? 1 : 0`,
  'i64.lt_s': (a, b) => `${a} < ${b} ? 1 : 0`,
  'i64.gt_s': (a, b) => `${a} > ${b} ? 1 : 0`,
  'i64.le_s': (a, b) => `${a} <= ${b} ? 1 : 0`,
  'i64.ge_s': (a, b) => `${a} >= ${b} ? 1 : 0`,
  'i64.lt_u': (a, b) => `BigInt.asUintN(64, ${a}) < BigInt.asUintN(64, ${b}) ? 1 : 0`,
  'i64.gt_u': (a, b) => `BigInt.asUintN(64, ${a}) > BigInt.asUintN(64, ${b}) ? 1 : 0`,
  'i64.le_u': (a, b) => `BigInt.asUintN(64, ${a}) <= BigInt.asUintN(64, ${b}) ? 1 : 0`,
  'i64.ge_u': (a, b) => `BigInt.asUintN(64, ${a}) >= BigInt.asUintN(64, ${b}) ? 1 : 0`,
  'i64.add': (a, b) => `BigInt.asIntN(64, ${a} + ${b})`,
  'i64.sub': (a, b) => `BigInt.asIntN(64, ${a} - ${b})`,
  'i64.mul': (a, b) => `BigInt.asIntN(64, ${a} * ${b})`,
  'i64.and': (a, b) => `${a} & ${b}`,
  'i64.or': (a, b) => `${a} | ${b}`,
  'i64.xor': (a, b) => `${a} ^ ${b}`,
  'i64.shl': (a, b) => `BigInt.asIntN(64, ${a} << (${b} & 63n))`,
  'i64.shr_s': (a, b) => `${a} >> (${b} & 63n)`,
  'i64.shr_u': (a, b) => `BigInt.asIntN(64, BigInt.asUintN(64, ${a}) >> (${b} & 63n))`,
  'i64.rotl': (a, b) => `BigInt.asIntN(64, (${a} << (${b} & 63n)) | (BigInt.asUintN(64, ${a}) >> ((64n - ${b}) & 63n)))`,
  'i64.rotr': (a, b) => `BigInt.asIntN(64, (BigInt.asUintN(64, ${a}) >> (${b} & 63n)) | (${a} << ((64n - ${b}) & 63n)))`,
  'i64.extend8_s': (a) => `BigInt.asIntN(8, ${a})`,
  'i64.extend16_s': (a) => `BigInt.asIntN(16, ${a})`,
  'i64.extend32_s': (a) => `BigInt.asIntN(32, ${a})`,
  // floats: values as doubles, NaNs as their bits (see "Floats" above); a NaN result is the canonical NaN
  'i32.reinterpret_f32': (a) => `f2b(${a})`,
  'f32.reinterpret_i32': (a) => `b2f(${a})`,
  'i64.reinterpret_f64': (a) => `d2b(${a})`,
  'f64.reinterpret_i64': (a) => `b2d(${a})`,
  'f64.add': (a, b) => arith('d', `${a} + ${b}`, a, b),
  'f64.sub': (a, b) => arith('d', `${a} - ${b}`, a, b),
  'f64.mul': (a, b) => arith('d', `${a} * ${b}`, a, b),
  'f64.div': (a, b) => arith('d', `${a} / ${b}`, a, b),
  'f64.sqrt': (a) => arith('d', `Math.sqrt(${a})`, a),
  'f32.add': (a, b) => arith('f', `Math.fround(${a} + ${b})`, a, b),
  'f32.sub': (a, b) => arith('f', `Math.fround(${a} - ${b})`, a, b),
  'f32.mul': (a, b) => arith('f', `Math.fround(${a} * ${b})`, a, b),
  'f32.div': (a, b) => arith('f', `Math.fround(${a} / ${b})`, a, b),
  'f32.sqrt': (a) => arith('f', `Math.fround(Math.sqrt(${a}))`, a),
  'f64.min': (a, b) => `${both(a, b)} ? Math.min(${a}, ${b}) : ${CN.d}`,
  'f64.max': (a, b) => `${both(a, b)} ? Math.max(${a}, ${b}) : ${CN.d}`,
  'f32.min': (a, b) => `${both(a, b)} ? Math.min(${a}, ${b}) : ${CN.f}`,
  'f32.max': (a, b) => `${both(a, b)} ? Math.max(${a}, ${b}) : ${CN.f}`,
  'f64.ceil': (a) => `${num(a)} ? Math.ceil(${a}) : ${CN.d}`,
  'f64.floor': (a) => `${num(a)} ? Math.floor(${a}) : ${CN.d}`,
  'f64.trunc': (a) => `${num(a)} ? Math.trunc(${a}) : ${CN.d}`,
  'f64.nearest': (a) => `${num(a)} ? nearest(${a}) : ${CN.d}`,
  'f32.ceil': (a) => `${num(a)} ? Math.ceil(${a}) : ${CN.f}`,
  'f32.floor': (a) => `${num(a)} ? Math.floor(${a}) : ${CN.f}`,
  'f32.trunc': (a) => `${num(a)} ? Math.trunc(${a}) : ${CN.f}`,
  'f32.nearest': (a) => `${num(a)} ? nearest(${a}) : ${CN.f}`,
  'f64.abs': (a) => `${num(a)} ? Math.abs(${a}) : b2d(N_f64Abs(${a}))`,
  'f64.neg': (a) => `${num(a)} ? -${a} : b2d(N_f64Neg(${a}))`,
  'f32.abs': (a) => `${num(a)} ? Math.abs(${a}) : b2f(N_f32Abs(Number(${a})))`,
  'f32.neg': (a) => `${num(a)} ? -${a} : b2f(N_f32Neg(Number(${a})))`,
  'f64.copysign': (a, b) => `${both(a, b)} ? (${b} < 0 || (${b} === 0 && 1 / ${b} < 0) ? -Math.abs(${a}) : Math.abs(${a})) : b2d(N_f64Copysign(d2b(${a}), d2b(${b})))`,
  'f32.copysign': (a, b) => `${both(a, b)} ? (${b} < 0 || (${b} === 0 && 1 / ${b} < 0) ? -Math.abs(${a}) : Math.abs(${a})) : b2f(N_f32Copysign(f2b(${a}), f2b(${b})))`,
  'f64.eq': (a, b) => `${num(a)} && ${a} === ${b} ? 1 : 0`,
  'f64.ne': (a, b) => `${num(a)} && ${a} === ${b} ? 0 : 1`,
  'f64.lt': (a, b) => `${both(a, b)} && ${a} < ${b} ? 1 : 0`,
  'f64.gt': (a, b) => `${both(a, b)} && ${a} > ${b} ? 1 : 0`,
  'f64.le': (a, b) => `${both(a, b)} && ${a} <= ${b} ? 1 : 0`,
  'f64.ge': (a, b) => `${both(a, b)} && ${a} >= ${b} ? 1 : 0`,
  'f32.eq': (a, b) => `${num(a)} && ${a} === ${b} ? 1 : 0`,
  'f32.ne': (a, b) => `${num(a)} && ${a} === ${b} ? 0 : 1`,
  'f32.lt': (a, b) => `${both(a, b)} && ${a} < ${b} ? 1 : 0`,
  'f32.gt': (a, b) => `${both(a, b)} && ${a} > ${b} ? 1 : 0`,
  'f32.le': (a, b) => `${both(a, b)} && ${a} <= ${b} ? 1 : 0`,
  'f32.ge': (a, b) => `${both(a, b)} && ${a} >= ${b} ? 1 : 0`,
  'f64.promote_f32': (a) => `${num(a)} ? ${a} : ${CN.d}`,
  'f32.demote_f64': (a) => `${num(a)} ? Math.fround(${a}) : ${CN.f}`,
  'f64.convert_i32_s': (a) => a,
  'f64.convert_i32_u': (a) => `${a} >>> 0`,
  'f32.convert_i32_s': (a) => `Math.fround(${a})`,
  'f32.convert_i32_u': (a) => `Math.fround(${a} >>> 0)`,
  // Number(bigint) rounds correctly once; to f32 it would round twice, so those go through numeric.ts
  'f64.convert_i64_s': (a) => `Number(${a})`,
  'f64.convert_i64_u': (a) => `Number(BigInt.asUintN(64, ${a}))`,
};

/** Operators that end a straight run for fuel merging: control, calls, growth and bulk operators (they reload the fuel). */
const NOT_PLAIN = new Set([
  'block', 'loop', 'if', 'else', 'end', 'br', 'br_if', 'br_table', 'return', 'unreachable', 'call', 'call_indirect',
  'memory.grow', 'memory.init', 'memory.copy', 'memory.fill', 'data.drop', 'table.init', 'table.copy', 'table.fill', 'table.grow', 'elem.drop',
]);
const PLAIN = (x: Instr): boolean => !NOT_PLAIN.has(opInfo(x.op)!.name);

/** Operators the run loop implements in its own switch, called here as numeric.ts functions. */
const NUMERIC: Record<string, string> = {
  'i32.ctz': 'i32Ctz', 'i32.popcnt': 'i32Popcnt',
  'i32.div_s': 'i32DivS', 'i32.div_u': 'i32DivU', 'i32.rem_s': 'i32RemS', 'i32.rem_u': 'i32RemU',
};

function genFunction(input: JsTierInput, fi: number, nImported: number, shared: SharedDecls): string {
  const { module: m, inst } = input;
  const body = m.codes[fi - nImported]!;
  const f = inst.funcs[fi]!;
  const type: FuncType = f.type;
  const localTypes: ValType[] = [...type.params];
  for (const g of body.locals) for (let i = 0; i < g.count; i++) localTypes.push(g.type);
  const frameSlots = input.frameSlots(f);
  const plan = planCharges(body.body, input.costOf);
  const hasMem = inst.mems[0] !== undefined;

  const out: string[] = [];
  /** Function-level temporaries (never block-scoped: V8 would give every block its own registers and the frame would grow with the body). */
  const temps = new Set<string>();
  const declared = new Map<string, string>(); // stack variable → initial value
  const ts: ValType[] = [];
  const name = (t: ValType, h: number): string => {
    const n = `${PFX[t] ?? 'r'}${h}`;
    if (!declared.has(n)) declared.set(n, INIT[t] ?? 'null');
    return n;
  };
  const pop = (): string => {
    const t = ts.pop()!;
    return name(t, ts.length);
  };
  const push = (t: ValType): string => {
    ts.push(t);
    return name(t, ts.length - 1);
  };
  const top = (): string => name(ts[ts.length - 1]!, ts.length - 1);
  const emit = (s: string): void => {
    out.push(s);
  };
  /** Writes the fuel back before anything that may trap or call (inside a merged run: with the refund). */
  let save = 'M.fuelLeft = fl;';
  // A frame waiting on a call must not hold the memory's buffer: a deep recursion that grows memory
  // would otherwise keep every superseded buffer alive, one per frame (gigabytes, found by the fuzzer).
  const release = hasMem ? ' MB = EMPTY_U8; MV = EMPTY_DV;' : '';
  const reload = hasMem ? 'fl = M.fuelLeft; MB = MEM.bytes; MV = MEM.view; ML = MB.length;' : 'fl = M.fuelLeft;';
  const retCode = (): string => {
    const n = type.results.length;
    const vals = type.results.map((t, i) => name(t, ts.length - n + i));
    const v = n === 0 ? '' : n === 1 ? ` ${vals[0]}` : ` [${vals.join(', ')}]`;
    return `M.stackUsed = su0; M.jsWeight = jw0; ${save} return${v};`;
  };

  let labels = 0;
  const ctl: Ctl[] = [{ kind: 'func', label: '', h0: 0, params: [], results: type.results, below: [], dead: false }];
  /** Nesting depth of blocks opened inside dead code (not emitted). */
  let deadDepth = 0;

  const branch = (depth: number): string => {
    const l = ctl[ctl.length - 1 - depth]!;
    if (l.kind === 'func') return retCode();
    const types = l.kind === 'loop' ? l.params : l.results;
    const ar = types.length;
    let s = '';
    for (let i = 0; i < ar; i++) {
      const dst = name(types[i]!, l.h0 + i);
      const src = name(types[i]!, ts.length - ar + i);
      if (dst !== src) s += `${dst} = ${src}; `;
    }
    return s + (l.kind === 'loop' ? `continue ${l.label};` : `break ${l.label};`);
  };
  const markDead = (): void => {
    ctl[ctl.length - 1]!.dead = true;
  };
  const callArgs = (ft: FuncType): string => {
    const n = ft.params.length;
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(name(ft.params[i]!, ts.length - n + i));
    ts.length -= n;
    return args.join(', ');
  };
  /** Results of a JS-convention call expression onto the stack. */
  const callResults = (ft: FuncType, expr: string): void => {
    const n = ft.results.length;
    if (n === 0) emit(`${expr};`);
    else if (n === 1) emit(`${push(ft.results[0]!)} = ${expr};`);
    else {
      const rs = ft.results.map((t) => push(t));
      temps.add('tr');
      emit(`tr = ${expr}; ${rs.map((r, i) => `${r} = tr[${i}];`).join(' ')}`);
    }
  };
  const helper = (op: number): string => shared.use(`g_${op.toString(16)}`, `G.get(${op}).fn`);

  const ins = body.body;
  const chargeCode = (c: number): string => `if (fl < ${c}) { ${save} throw oof(${c}); } fl -= ${c};`;
  for (let i = 0; i < ins.length; i++) {
    const x: Instr = ins[i]!;
    const nm = opInfo(x.op)!.name;
    const cur = ctl[ctl.length - 1]!;
    if (cur.dead) {
      // only the structure matters until this arm ends
      if (nm === 'block' || nm === 'loop' || nm === 'if') {
        deadDepth++;
        continue;
      }
      if (deadDepth > 0) {
        if (nm === 'end') deadDepth--;
        continue;
      }
      if (nm !== 'else' && nm !== 'end') continue;
    }
    const charge = plan.chargeAt[i];
    if (charge !== undefined && !cur.dead) {
      // A straight run of several metered segments (split only by operators that may trap): one
      // comparison for all of them when the fuel covers the whole run, and a trap inside it gives
      // back the charges of the segments after it. Otherwise (the fuel may run out inside), the
      // segments are charged one by one, as everywhere else.
      let end = i;
      while (end < ins.length && PLAIN(ins[end]!)) end++;
      const inRun: number[] = [];
      for (let q = i; q < end; q++) if (plan.chargeAt[q] !== undefined) inRun.push(q);
      if (inRun.length >= 2) {
        const total = inRun.reduce((n, q) => n + plan.chargeAt[q]!, 0);
        const snapshot = ts.slice();
        emit(`if (fl >= ${total}) { fl -= ${total};`);
        for (let q = i; q < end; q++) {
          const after = inRun.reduce((n, p) => (p > q ? n + plan.chargeAt[p]! : n), 0);
          save = after === 0 ? 'M.fuelLeft = fl;' : `M.fuelLeft = fl + ${after};`;
          instr(ins[q]!);
        }
        save = 'M.fuelLeft = fl;';
        emit('} else {');
        ts.length = 0;
        ts.push(...snapshot);
        for (let q = i; q < end; q++) {
          const c = plan.chargeAt[q];
          if (c !== undefined) emit(chargeCode(c));
          instr(ins[q]!);
        }
        emit('}');
        i = end - 1;
        continue;
      }
      emit(chargeCode(charge));
    }
    instr(x);
  }

  function instr(x: Instr): void {
    const info = opInfo(x.op)!;
    const nm = info.name;
    switch (nm) {
      case 'nop':
        break;
      case 'block': case 'loop': case 'if': {
        const s = blockSig(m, x.bt);
        const cond = nm === 'if' ? pop() : '';
        const h0 = ts.length - s.params.length;
        const label = `B${labels++}`;
        ctl.push({ kind: nm, label, h0, params: s.params, results: s.results, below: ts.slice(0, h0), dead: false });
        if (nm === 'block') emit(`${label}: {`);
        else if (nm === 'loop') emit(`${label}: for (;;) {`);
        else emit(`${label}: if (${cond} !== 0) {`);
        break;
      }
      case 'else': {
        const c = ctl[ctl.length - 1]!;
        emit('} else {');
        c.dead = false;
        ts.length = 0;
        ts.push(...c.below, ...c.params);
        break;
      }
      case 'end': {
        const c = ctl.pop()!;
        if (c.kind === 'loop' && !c.dead) emit(`break ${c.label};`);
        emit('}');
        ts.length = 0;
        ts.push(...c.below, ...c.results);
        break;
      }
      case 'br':
        emit(branch(x.idx!));
        markDead();
        break;
      case 'br_if': {
        const c = pop();
        emit(`if (${c} !== 0) { ${branch(x.idx!)} }`);
        break;
      }
      case 'br_table': {
        const c = pop();
        const cases = x.labels!.map((d, k) => `case ${k}: { ${branch(d)} }`).join('\n');
        emit(`switch (${c}) {\n${cases}\ndefault: { ${branch(x.idx!)} }\n}`);
        markDead();
        break;
      }
      case 'return':
        emit(retCode());
        markDead();
        break;
      case 'unreachable':
        emit(`${save} throw trap('unreachable');`);
        markDead();
        break;
      case 'call': {
        const callee = inst.funcs[x.idx!]!;
        const ft = callee.type;
        const args = callArgs(ft);
        emit(`${save}${release}`);
        if (callee.inst === inst && callee.host === undefined) callResults(ft, `fn_${x.idx}(${args})`);
        else callResults(ft, `jsFn(${shared.use(`F${x.idx}`, `FUNCS[${x.idx}]`)})(${args})`);
        emit(reload);
        break;
      }
      case 'call_indirect': {
        const ft = m.types[x.idx!]!;
        const k = pop();
        const args = callArgs(ft);
        const tk = JSON.stringify(inst.typeKeys[x.idx!]!);
        const tb = shared.use(`T${x.idx2 ?? 0}`, `TABLES[${x.idx2 ?? 0}]`);
        temps.add('tk');
        temps.add('te');
        emit(`${save}${release} tk = ${k} >>> 0; if (tk >= ${tb}.elems.length) throw trap('table_oob', 'call_indirect index ' + tk + ' of ' + ${tb}.elems.length); te = ${tb}.elems[tk]; ` +
          `if (te === null) throw trap('indirect_call_mismatch', 'null table entry'); if (te.typeKey !== ${tk}) throw trap('indirect_call_mismatch', 'signature ' + te.typeKey + ', expected ' + ${tk});`);
        callResults(ft, `(te.jsOwner === M ? te.js : jsFn(te))(${args})`);
        emit(reload);
        break;
      }
      case 'drop':
        pop();
        break;
      case 'select': case 'select_t': {
        const t = ts[ts.length - 2]!;
        const c = pop();
        const b = pop();
        const a = pop();
        const r = push(t);
        emit(`${r} = ${c} !== 0 ? ${a} : ${b};`);
        break;
      }
      case 'local.get':
        emit(`${push(localTypes[x.idx!]!)} = L${x.idx};`);
        break;
      case 'local.set':
        emit(`L${x.idx} = ${pop()};`);
        break;
      case 'local.tee':
        emit(`L${x.idx} = ${top()};`);
        break;
      case 'global.get': {
        const g = shared.use(`G${x.idx}`, `GLOBALS[${x.idx}]`);
        const t = inst.globals[x.idx!]!.type;
        emit(`${push(t)} = ${toValue(t, `${g}.value`)};`);
        break;
      }
      case 'global.set': {
        const g = shared.use(`G${x.idx}`, `GLOBALS[${x.idx}]`);
        const t = inst.globals[x.idx!]!.type;
        emit(`${g}.value = ${toBits(t, pop())};`);
        break;
      }
      case 'table.get': {
        const tb = shared.use(`T${x.idx}`, `TABLES[${x.idx}]`);
        const a = pop();
        const r = push(inst.tables[x.idx!]!.elem);
        temps.add('tk');
        emit(`tk = ${a} >>> 0; if (tk >= ${tb}.elems.length) { ${save} throw trap('table_oob'); } ${r} = ${tb}.elems[tk];`);
        break;
      }
      case 'table.set': {
        const tb = shared.use(`T${x.idx}`, `TABLES[${x.idx}]`);
        const v = pop();
        const a = pop();
        temps.add('tk');
        emit(`tk = ${a} >>> 0; if (tk >= ${tb}.elems.length) { ${save} throw trap('table_oob'); } ${tb}.elems[tk] = ${v};`);
        break;
      }
      case 'table.size': {
        const tb = shared.use(`T${x.idx}`, `TABLES[${x.idx}]`);
        emit(`${push('i32')} = ${tb}.elems.length;`);
        break;
      }
      case 'memory.size':
        emit(`${push('i32')} = ML / 65536;`);
        break;
      case 'memory.grow': {
        const a = pop();
        emit(`${push('i32')} = growMemory(MEM, ${a} >>> 0); MB = MEM.bytes; MV = MEM.view; ML = MB.length;`);
        break;
      }
      case 'i32.const':
        emit(`${push('i32')} = ${(x.value as number) | 0};`);
        break;
      case 'f32.const':
        emit(`${push('f32')} = ${f32Literal((x.value as number) | 0)};`);
        break;
      case 'i64.const':
        emit(`${push('i64')} = ${BigInt.asIntN(64, x.value as bigint)}n;`);
        break;
      case 'f64.const':
        emit(`${push('f64')} = ${f64Literal(x.value as bigint)};`);
        break;
      case 'ref.null':
        emit(`${push(x.refType ?? 'funcref')} = null;`);
        break;
      case 'ref.is_null': {
        const a = pop();
        emit(`${push('i32')} = ${a} === null ? 1 : 0;`);
        break;
      }
      case 'ref.func':
        emit(`${push('funcref')} = ${shared.use(`F${x.idx}`, `FUNCS[${x.idx}]`)};`);
        break;
      default: {
        const ld = LOADS[nm];
        if (ld !== undefined) {
          const [w, expr] = ld;
          const a = pop();
          const r = push(parseSig(info.sig!).results[0]!);
          const off = (x.memOffset ?? 0) >>> 0;
          temps.add('ea');
          emit(`ea = ${off === 0 ? `${a} >>> 0` : `(${a} >>> 0) + ${off}`}; if (ea > ML - ${w}) { ${save} throw oob(ea, ${w}); } ${r} = ${expr('ea')};`);
          break;
        }
        const st = STORES[nm];
        if (st !== undefined) {
          const [w, stmt] = st;
          const v = pop();
          const a = pop();
          const off = (x.memOffset ?? 0) >>> 0;
          temps.add('ea');
          emit(`ea = ${off === 0 ? `${a} >>> 0` : `(${a} >>> 0) + ${off}`}; if (ea > ML - ${w}) { ${save} throw oob(ea, ${w}); } ${stmt('ea', v)};`);
          break;
        }
        if (info.sig !== undefined && (INLINE[nm] !== undefined || NUMERIC[nm] !== undefined || GENERIC.has(x.op))) {
          const sig = parseSig(info.sig);
          const b = sig.params.length === 2 ? pop() : '';
          const a = sig.params.length >= 1 ? pop() : '';
          const r = push(sig.results[0]!);
          const inl = INLINE[nm];
          const nh = NUMERIC[nm];
          if (inl !== undefined) emit(`${r} = ${inl(a, b)};`);
          else {
            const fn = nh !== undefined ? shared.use(`n_${nh}`, `R.N.${nh}`) : helper(x.op);
            // numeric.ts works on bits: floats are converted in and out
            const args = sig.params.length === 2 ? `${toBits(sig.params[0]!, a)}, ${toBits(sig.params[1]!, b)}` : toBits(sig.params[0]!, a);
            emit(`${info.trap ? save + ' ' : ''}${r} = ${toValue(sig.results[0]!, `${fn}(${args})`)};`);
          }
          break;
        }
        // bulk memory and table operators: the run loop's own implementation, on an argument list
        const sp = special(nm);
        if (sp === undefined) throw new Error(`interp JS tier: no translation for ${nm}`);
        const args: string[] = [];
        for (let k = 0; k < sp.pops; k++) args.unshift(pop());
        const callExpr = `special(${x.op}, ${x.idx ?? 0}, ${x.idx2 ?? 0}, [${args.join(', ')}], ${fi}, ${x.offset})`;
        if (sp.push !== undefined) emit(`${save} ${push(sp.push)} = ${callExpr}; ${reload}`);
        else emit(`${save} ${callExpr}; ${reload}`);
      }
    }
  }
  // the decoder leaves out the body's final `end`: falling off the end returns
  if (!ctl[0]!.dead) emit(retCode());

  const params = type.params.map((_, i) => `L${i}`).join(', ');
  const locals = localTypes.slice(type.params.length).map((t, i) => `L${type.params.length + i} = ${INIT[t] ?? 'null'}`);
  const stackVars = [...declared].map(([n, v]) => `${n} = ${v}`);
  const nRes = type.results.length;
  // native frame size, in JS variables: every variable is a register of the frame, plus a fixed part
  const weight = localTypes.length + declared.size + temps.size + 16;
  const deepRet = nRes === 0 ? 'deep(F, args);' : nRes === 1 ? 'return deep(F, args)[0];' : 'return deep(F, args);';
  const head = [
    `function fn_${fi}(${params}) {`,
    `const su0 = M.stackUsed, su = su0 + ${frameSlots}, jw0 = M.jsWeight, jw = jw0 + ${weight};`,
    `if (su > ${input.slotLimit} || jw > ${JS_TIER_WEIGHT}) { const F = ${shared.use(`F${fi}`, `FUNCS[${fi}]`)}, args = [${params}]; ${deepRet} return; }`,
    'M.stackUsed = su; M.jsWeight = jw;',
    'let fl = M.fuelLeft;',
  ];
  if (locals.length > 0) head.push(`let ${locals.join(', ')};`);
  if (stackVars.length > 0) head.push(`let ${stackVars.join(', ')};`);
  if (out.some((l) => l.includes('tv'))) temps.add('tv');
  if (temps.size > 0) head.push(`let ${[...temps].map((t) => `${t} = ${t === 'ea' || t === 'tk' ? '0' : 'null'}`).join(', ')};`);
  if (hasMem) head.push('let MB = MEM.bytes, MV = MEM.view, ML = MB.length;');
  return `${head.join('\n')}\n${out.join('\n')}\n}`;
}

/** Operators run by Machine.jsSpecial: operand count and result type. */
function special(nm: string): { pops: number; push?: ValType } | undefined {
  switch (nm) {
    case 'memory.init': case 'memory.copy': case 'memory.fill': case 'table.init': case 'table.copy': case 'table.fill':
      return { pops: 3 };
    case 'data.drop': case 'elem.drop':
      return { pops: 0 };
    case 'table.grow':
      return { pops: 2, push: 'i32' };
  }
  return undefined;
}
