/**
 * One WebAssembly semantics for the interpreter: every operator that computes a value (numeric,
 * comparison, conversion) and every memory load and store is defined once here, as a JavaScript
 * expression template over operand names. Both tiers run exactly these expressions:
 *   - the JS tier (jit.ts) writes them into the generated source of each function;
 *   - the run loop (machine.ts) calls one function per operator, compiled once from the same
 *     template (with the float bits ↔ value conversions of rep.ts around it).
 * Operands and results are in the value representation of rep.ts (floats as values, NaN as bits);
 * rare operators call numeric.ts on bits. The names a template may use are SCOPE's, plus `tv`, a
 * temporary of the enclosing function.
 */
import { OP, opInfo, parseSig } from '../binary/opcodes.js';
import type { ValType } from '../binary/types.js';
import * as N from './numeric.js';
import { Op } from './opcode-names.js';
import { b2d, b2f, d2b, f2b, toBits, toValue } from './rep.js';

/** Expression over operand names a (and b). */
export type Template = (a: string, b: string) => string;

export interface PureOp {
  readonly kind: 'pure';
  readonly key: number;
  readonly name: string;
  readonly params: readonly ValType[];
  readonly result: ValType;
  /** May throw a WasmTrap (division, trapping truncation). */
  readonly trap: boolean;
  readonly expr: Template;
}
export interface LoadOp {
  readonly kind: 'load';
  readonly key: number;
  readonly name: string;
  readonly width: number;
  readonly result: ValType;
  /** Expression of the loaded value at address ea, over MB (the memory's bytes) and MV (its DataView). */
  readonly expr: (ea: string) => string;
}
export interface StoreOp {
  readonly kind: 'store';
  readonly key: number;
  readonly name: string;
  readonly width: number;
  readonly value: ValType;
  /** Statement storing value v at address ea, over MB and MV. */
  readonly stmt: (ea: string, v: string) => string;
}
export type OperatorDef = PureOp | LoadOp | StoreOp;

const numericFns = (Object.entries(N) as [string, unknown][]).filter(
  (e) => typeof e[1] === 'function',
);
/** Names a template may refer to, with their values (the JS tier declares them once per instance). */
export const SCOPE: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['NC', N.nanConfig],
  ['nearest', N.nearest],
  ['d2b', d2b],
  ['b2d', b2d],
  ['f2b', f2b],
  ['b2f', b2f],
  ...numericFns.map(([k, f]): [string, unknown] => [`N_${k}`, f]),
]);

const table = new Map<number, OperatorDef>();
/** The definition of an operator key, or undefined for control, variable, call and bulk operators. */
export function operator(key: number): OperatorDef | undefined {
  return table.get(key);
}
export function allOperators(): OperatorDef[] {
  return [...table.values()];
}

function sig(key: number): { name: string; params: ValType[]; result: ValType; trap: boolean } {
  const info = opInfo(key)!;
  const s = parseSig(info.sig!);
  return { name: info.name, params: s.params, result: s.results[0]!, trap: info.trap };
}
function op(key: number, expr: Template): void {
  table.set(key, { kind: 'pure', key, ...sig(key), expr });
}
/** An operator computed by a numeric.ts function on bits (floats converted in and out). */
function bitsOp(key: number, fn: keyof typeof N): void {
  const s = sig(key);
  op(key, (a, b) => {
    const args =
      s.params.length === 2
        ? `${toBits(s.params[0]!, a)}, ${toBits(s.params[1]!, b)}`
        : toBits(s.params[0]!, a);
    return toValue(s.result, `N_${fn}(${args})`);
  });
}
function load(key: number, width: number, expr: (ea: string) => string): void {
  const s = parseSig(opInfo(key)!.sig!);
  table.set(key, {
    kind: 'load',
    key,
    name: opInfo(key)!.name,
    width,
    result: s.results[0]!,
    expr,
  });
}
function store(key: number, width: number, stmt: (ea: string, v: string) => string): void {
  const s = parseSig(opInfo(key)!.sig!);
  table.set(key, { kind: 'store', key, name: opInfo(key)!.name, width, value: s.params[1]!, stmt });
}

// ---- memory ----
load(Op.I32Load, 4, (e) => `MV.getInt32(${e}, true)`);
load(Op.I64Load, 8, (e) => `MV.getBigInt64(${e}, true)`);
load(
  Op.F32Load,
  4,
  (e) => `(tv = MV.getFloat32(${e}, true)) === tv ? tv : BigInt(MV.getInt32(${e}, true))`,
);
load(
  Op.F64Load,
  8,
  (e) => `(tv = MV.getFloat64(${e}, true)) === tv ? tv : MV.getBigInt64(${e}, true)`,
);
load(Op.I32Load8S, 1, (e) => `(MB[${e}] << 24) >> 24`);
load(Op.I32Load8U, 1, (e) => `MB[${e}]`);
load(Op.I32Load16S, 2, (e) => `MV.getInt16(${e}, true)`);
load(Op.I32Load16U, 2, (e) => `MV.getUint16(${e}, true)`);
load(Op.I64Load8S, 1, (e) => `BigInt((MB[${e}] << 24) >> 24)`);
load(Op.I64Load8U, 1, (e) => `BigInt(MB[${e}])`);
load(Op.I64Load16S, 2, (e) => `BigInt(MV.getInt16(${e}, true))`);
load(Op.I64Load16U, 2, (e) => `BigInt(MV.getUint16(${e}, true))`);
load(Op.I64Load32S, 4, (e) => `BigInt(MV.getInt32(${e}, true))`);
load(Op.I64Load32U, 4, (e) => `BigInt(MV.getUint32(${e}, true))`);
store(Op.I32Store, 4, (e, v) => `MV.setInt32(${e}, ${v}, true)`);
store(
  Op.F32Store,
  4,
  (e, v) =>
    `typeof ${v} === 'number' ? MV.setFloat32(${e}, ${v}, true) : MV.setInt32(${e}, Number(${v}), true)`,
);
store(Op.I64Store, 8, (e, v) => `MV.setBigInt64(${e}, ${v}, true)`);
store(
  Op.F64Store,
  8,
  (e, v) =>
    `typeof ${v} === 'number' ? MV.setFloat64(${e}, ${v}, true) : MV.setBigInt64(${e}, ${v}, true)`,
);
store(Op.I32Store8, 1, (e, v) => `MB[${e}] = ${v}`);
store(Op.I32Store16, 2, (e, v) => `MV.setInt16(${e}, ${v}, true)`);
store(Op.I64Store8, 1, (e, v) => `MB[${e}] = Number(${v} & 0xffn)`);
store(Op.I64Store16, 2, (e, v) => `MV.setUint16(${e}, Number(${v} & 0xffffn), true)`);
store(Op.I64Store32, 4, (e, v) => `MV.setUint32(${e}, Number(${v} & 0xffffffffn), true)`);

// ---- i32 ----
op(Op.I32Eqz, (a) => `${a} === 0 ? 1 : 0`);
op(Op.I32Eq, (a, b) => `${a} === ${b} ? 1 : 0`);
op(Op.I32Ne, (a, b) => `${a} !== ${b} ? 1 : 0`);
op(Op.I32LtS, (a, b) => `${a} < ${b} ? 1 : 0`);
op(Op.I32LtU, (a, b) => `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`);
op(Op.I32GtS, (a, b) => `${a} > ${b} ? 1 : 0`);
op(Op.I32GtU, (a, b) => `(${a} >>> 0) > (${b} >>> 0) ? 1 : 0`);
op(Op.I32LeS, (a, b) => `${a} <= ${b} ? 1 : 0`);
op(Op.I32LeU, (a, b) => `(${a} >>> 0) <= (${b} >>> 0) ? 1 : 0`);
op(Op.I32GeS, (a, b) => `${a} >= ${b} ? 1 : 0`);
op(Op.I32GeU, (a, b) => `(${a} >>> 0) >= (${b} >>> 0) ? 1 : 0`);
op(Op.I32Clz, (a) => `Math.clz32(${a})`);
bitsOp(Op.I32Ctz, 'i32Ctz');
bitsOp(Op.I32Popcnt, 'i32Popcnt');
op(Op.I32Add, (a, b) => `(${a} + ${b}) | 0`);
op(Op.I32Sub, (a, b) => `(${a} - ${b}) | 0`);
op(Op.I32Mul, (a, b) => `Math.imul(${a}, ${b})`);
bitsOp(Op.I32DivS, 'i32DivS');
bitsOp(Op.I32DivU, 'i32DivU');
bitsOp(Op.I32RemS, 'i32RemS');
bitsOp(Op.I32RemU, 'i32RemU');
op(Op.I32And, (a, b) => `${a} & ${b}`);
op(Op.I32Or, (a, b) => `${a} | ${b}`);
op(Op.I32Xor, (a, b) => `${a} ^ ${b}`);
op(Op.I32Shl, (a, b) => `${a} << ${b}`);
op(Op.I32ShrS, (a, b) => `${a} >> ${b}`);
op(Op.I32ShrU, (a, b) => `(${a} >>> ${b}) | 0`);
op(Op.I32Rotl, (a, b) => `(${a} << (${b} & 31)) | (${a} >>> ((32 - ${b}) & 31))`);
op(Op.I32Rotr, (a, b) => `(${a} >>> (${b} & 31)) | (${a} << ((32 - ${b}) & 31))`);
op(Op.I32Extend8S, (a) => `(${a} << 24) >> 24`);
op(Op.I32Extend16S, (a) => `(${a} << 16) >> 16`);
op(Op.I32WrapI64, (a) => `Number(BigInt.asIntN(32, ${a}))`);

// ---- i64 (bigint) ----
op(Op.I64ExtendI32S, (a) => `BigInt(${a})`);
op(Op.I64ExtendI32U, (a) => `BigInt(${a} >>> 0)`);
op(Op.I64Eqz, (a) => `${a} === 0n ? 1 : 0`);
op(Op.I64Eq, (a, b) => `${a} === ${b} ? 1 : 0`);
op(Op.I64Ne, (a, b) => `${a} !== ${b} ? 1 : 0`);
op(Op.I64LtS, (a, b) => `${a} < ${b} ? 1 : 0`);
op(Op.I64GtS, (a, b) => `${a} > ${b} ? 1 : 0`);
op(Op.I64LeS, (a, b) => `${a} <= ${b} ? 1 : 0`);
op(Op.I64GeS, (a, b) => `${a} >= ${b} ? 1 : 0`);
op(Op.I64LtU, (a, b) => `BigInt.asUintN(64, ${a}) < BigInt.asUintN(64, ${b}) ? 1 : 0`);
op(Op.I64GtU, (a, b) => `BigInt.asUintN(64, ${a}) > BigInt.asUintN(64, ${b}) ? 1 : 0`);
op(Op.I64LeU, (a, b) => `BigInt.asUintN(64, ${a}) <= BigInt.asUintN(64, ${b}) ? 1 : 0`);
op(Op.I64GeU, (a, b) => `BigInt.asUintN(64, ${a}) >= BigInt.asUintN(64, ${b}) ? 1 : 0`);
bitsOp(Op.I64Clz, 'i64Clz');
bitsOp(Op.I64Ctz, 'i64Ctz');
bitsOp(Op.I64Popcnt, 'i64Popcnt');
op(Op.I64Add, (a, b) => `BigInt.asIntN(64, ${a} + ${b})`);
op(Op.I64Sub, (a, b) => `BigInt.asIntN(64, ${a} - ${b})`);
op(Op.I64Mul, (a, b) => `BigInt.asIntN(64, ${a} * ${b})`);
bitsOp(Op.I64DivS, 'i64DivS');
bitsOp(Op.I64DivU, 'i64DivU');
bitsOp(Op.I64RemS, 'i64RemS');
bitsOp(Op.I64RemU, 'i64RemU');
op(Op.I64And, (a, b) => `${a} & ${b}`);
op(Op.I64Or, (a, b) => `${a} | ${b}`);
op(Op.I64Xor, (a, b) => `${a} ^ ${b}`);
op(Op.I64Shl, (a, b) => `BigInt.asIntN(64, ${a} << (${b} & 63n))`);
op(Op.I64ShrS, (a, b) => `${a} >> (${b} & 63n)`);
op(Op.I64ShrU, (a, b) => `BigInt.asIntN(64, BigInt.asUintN(64, ${a}) >> (${b} & 63n))`);
op(
  Op.I64Rotl,
  (a, b) =>
    `BigInt.asIntN(64, (${a} << (${b} & 63n)) | (BigInt.asUintN(64, ${a}) >> ((64n - ${b}) & 63n)))`,
);
op(
  Op.I64Rotr,
  (a, b) =>
    `BigInt.asIntN(64, (BigInt.asUintN(64, ${a}) >> (${b} & 63n)) | (${a} << ((64n - ${b}) & 63n)))`,
);
op(Op.I64Extend8S, (a) => `BigInt.asIntN(8, ${a})`);
op(Op.I64Extend16S, (a) => `BigInt.asIntN(16, ${a})`);
op(Op.I64Extend32S, (a) => `BigInt.asIntN(32, ${a})`);

// ---- floats: values, NaN as bits (rep.ts); a NaN result or NaN operand of arithmetic gives the canonical NaN ----
const CN = { d: 'NC.nan64', f: 'BigInt(NC.nan32)' };
const num = (a: string): string => `typeof ${a} === 'number'`;
const both = (a: string, b: string): string =>
  `typeof ${a} === 'number' && typeof ${b} === 'number'`;
/** A NaN-producing operator: computed on values, a NaN result or operand gives the canonical NaN. */
const arith = (k: 'd' | 'f', expr: string, a: string, b?: string): string =>
  `${b === undefined ? num(a) : both(a, b)} ? ((tv = ${expr}) === tv ? tv : ${CN[k]}) : ${CN[k]}`;
const negZero = (b: string): string => `${b} < 0 || (${b} === 0 && 1 / ${b} < 0)`;
op(Op.I32ReinterpretF32, (a) => `f2b(${a})`);
op(Op.F32ReinterpretI32, (a) => `b2f(${a})`);
op(Op.I64ReinterpretF64, (a) => `d2b(${a})`);
op(Op.F64ReinterpretI64, (a) => `b2d(${a})`);
for (const [k, w] of [
  ['d', 'f64'],
  ['f', 'f32'],
] as const) {
  const r = (e: string): string => (k === 'f' ? `Math.fround(${e})` : e);
  const O = (n: string): number => OP(`${w}.${n.toLowerCase()}`);
  op(O('Add'), (a, b) => arith(k, r(`${a} + ${b}`), a, b));
  op(O('Sub'), (a, b) => arith(k, r(`${a} - ${b}`), a, b));
  op(O('Mul'), (a, b) => arith(k, r(`${a} * ${b}`), a, b));
  op(O('Div'), (a, b) => arith(k, r(`${a} / ${b}`), a, b));
  op(O('Sqrt'), (a) => arith(k, r(`Math.sqrt(${a})`), a));
  op(O('Min'), (a, b) => `${both(a, b)} ? Math.min(${a}, ${b}) : ${CN[k]}`);
  op(O('Max'), (a, b) => `${both(a, b)} ? Math.max(${a}, ${b}) : ${CN[k]}`);
  op(O('Ceil'), (a) => `${num(a)} ? Math.ceil(${a}) : ${CN[k]}`);
  op(O('Floor'), (a) => `${num(a)} ? Math.floor(${a}) : ${CN[k]}`);
  op(O('Trunc'), (a) => `${num(a)} ? Math.trunc(${a}) : ${CN[k]}`);
  op(O('Nearest'), (a) => `${num(a)} ? nearest(${a}) : ${CN[k]}`);
  // bitwise on a NaN: numeric.ts on its bits keeps the payload
  const bits = k === 'd' ? (a: string): string => a : (a: string): string => `Number(${a})`;
  const back = k === 'd' ? 'b2d' : 'b2f';
  const to = k === 'd' ? 'd2b' : 'f2b';
  op(O('Abs'), (a) => `${num(a)} ? Math.abs(${a}) : ${back}(N_${w}Abs(${bits(a)}))`);
  op(O('Neg'), (a) => `${num(a)} ? -${a} : ${back}(N_${w}Neg(${bits(a)}))`);
  op(
    O('Copysign'),
    (a, b) =>
      `${both(a, b)} ? (${negZero(b)} ? -Math.abs(${a}) : Math.abs(${a})) : ${back}(N_${w}Copysign(${to}(${a}), ${to}(${b})))`,
  );
  op(O('Eq'), (a, b) => `${num(a)} && ${a} === ${b} ? 1 : 0`);
  op(O('Ne'), (a, b) => `${num(a)} && ${a} === ${b} ? 0 : 1`);
  op(O('Lt'), (a, b) => `${both(a, b)} && ${a} < ${b} ? 1 : 0`);
  op(O('Gt'), (a, b) => `${both(a, b)} && ${a} > ${b} ? 1 : 0`);
  op(O('Le'), (a, b) => `${both(a, b)} && ${a} <= ${b} ? 1 : 0`);
  op(O('Ge'), (a, b) => `${both(a, b)} && ${a} >= ${b} ? 1 : 0`);
}
op(Op.F64PromoteF32, (a) => `${num(a)} ? ${a} : ${CN.d}`);
op(Op.F32DemoteF64, (a) => `${num(a)} ? Math.fround(${a}) : ${CN.f}`);
op(Op.F64ConvertI32S, (a) => a);
op(Op.F64ConvertI32U, (a) => `${a} >>> 0`);
op(Op.F32ConvertI32S, (a) => `Math.fround(${a})`);
op(Op.F32ConvertI32U, (a) => `Math.fround(${a} >>> 0)`);
// Number(bigint) rounds correctly once; to f32 it would round twice, so those go through numeric.ts
op(Op.F64ConvertI64S, (a) => `Number(${a})`);
op(Op.F64ConvertI64U, (a) => `Number(BigInt.asUintN(64, ${a}))`);
bitsOp(Op.F32ConvertI64S, 'f32ConvertI64S');
bitsOp(Op.F32ConvertI64U, 'f32ConvertI64U');
bitsOp(Op.I32TruncF32S, 'i32TruncF32S');
bitsOp(Op.I32TruncF32U, 'i32TruncF32U');
bitsOp(Op.I32TruncF64S, 'i32TruncF64S');
bitsOp(Op.I32TruncF64U, 'i32TruncF64U');
bitsOp(Op.I64TruncF32S, 'i64TruncF32S');
bitsOp(Op.I64TruncF32U, 'i64TruncF32U');
bitsOp(Op.I64TruncF64S, 'i64TruncF64S');
bitsOp(Op.I64TruncF64U, 'i64TruncF64U');
bitsOp(Op.I32TruncSatF32S, 'i32TruncSatF32S');
bitsOp(Op.I32TruncSatF32U, 'i32TruncSatF32U');
bitsOp(Op.I32TruncSatF64S, 'i32TruncSatF64S');
bitsOp(Op.I32TruncSatF64U, 'i32TruncSatF64U');
bitsOp(Op.I64TruncSatF32S, 'i64TruncSatF32S');
bitsOp(Op.I64TruncSatF32U, 'i64TruncSatF32U');
bitsOp(Op.I64TruncSatF64S, 'i64TruncSatF64S');
bitsOp(Op.I64TruncSatF64U, 'i64TruncSatF64U');
