/**
 * Operators that both tiers run through one shared function each (i64 arithmetic, floats,
 * conversions): one function of one or two operands on the interpreter's value representation.
 * The run loop (machine.ts) dispatches to them by opcode key; the JS tier (jit.ts) calls them.
 */
import { OP } from '../binary/opcodes.js';
import * as N from './numeric.js';
import type { Val } from './store.js';

/** Operators run through a table: one function of one or two operands. */
export const GENERIC = new Map<number, { arity: 1 | 2; fn: (a: any, b?: any) => Val }>();
function g1(name: string, fn: (a: any) => Val): void {
  GENERIC.set(OP(name), { arity: 1, fn });
}
function g2(name: string, fn: (a: any, b: any) => Val): void {
  GENERIC.set(OP(name), { arity: 2, fn });
}
// i64
g1('i64.eqz', N.i64Eqz);
g2('i64.eq', (a: bigint, b: bigint) => (a === b ? 1 : 0));
g2('i64.ne', (a: bigint, b: bigint) => (a !== b ? 1 : 0));
g2('i64.lt_s', (a: bigint, b: bigint) => (a < b ? 1 : 0));
g2('i64.lt_u', N.i64LtU);
g2('i64.gt_s', (a: bigint, b: bigint) => (a > b ? 1 : 0));
g2('i64.gt_u', N.i64GtU);
g2('i64.le_s', (a: bigint, b: bigint) => (a <= b ? 1 : 0));
g2('i64.le_u', N.i64LeU);
g2('i64.ge_s', (a: bigint, b: bigint) => (a >= b ? 1 : 0));
g2('i64.ge_u', N.i64GeU);
g1('i64.clz', N.i64Clz);
g1('i64.ctz', N.i64Ctz);
g1('i64.popcnt', N.i64Popcnt);
g2('i64.add', N.i64Add);
g2('i64.sub', N.i64Sub);
g2('i64.mul', N.i64Mul);
g2('i64.div_s', N.i64DivS);
g2('i64.div_u', N.i64DivU);
g2('i64.rem_s', N.i64RemS);
g2('i64.rem_u', N.i64RemU);
g2('i64.and', N.i64And);
g2('i64.or', N.i64Or);
g2('i64.xor', N.i64Xor);
g2('i64.shl', N.i64Shl);
g2('i64.shr_s', N.i64ShrS);
g2('i64.shr_u', N.i64ShrU);
g2('i64.rotl', N.i64Rotl);
g2('i64.rotr', N.i64Rotr);
g1('i64.extend8_s', N.i64Extend8S);
g1('i64.extend16_s', N.i64Extend16S);
g1('i64.extend32_s', N.i64Extend32S);
g1('i32.wrap_i64', N.i32WrapI64);
g1('i64.extend_i32_s', N.i64ExtendI32S);
g1('i64.extend_i32_u', N.i64ExtendI32U);
// f32 / f64
for (const P of ['f32', 'f64'] as const) {
  const M = N as unknown as Record<string, (...a: any[]) => Val>;
  const cap = (s: string): string => P + s[0]!.toUpperCase() + s.slice(1);
  for (const n of ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt']) g1(`${P}.${n}`, M[cap(n)]!);
  for (const n of ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign', 'eq', 'ne', 'lt', 'gt', 'le', 'ge']) g2(`${P}.${n}`, M[cap(n)]!);
}
const conv: [string, (a: any) => Val][] = [
  ['i32.trunc_f32_s', N.i32TruncF32S], ['i32.trunc_f32_u', N.i32TruncF32U], ['i32.trunc_f64_s', N.i32TruncF64S], ['i32.trunc_f64_u', N.i32TruncF64U],
  ['i64.trunc_f32_s', N.i64TruncF32S], ['i64.trunc_f32_u', N.i64TruncF32U], ['i64.trunc_f64_s', N.i64TruncF64S], ['i64.trunc_f64_u', N.i64TruncF64U],
  ['f32.convert_i32_s', N.f32ConvertI32S], ['f32.convert_i32_u', N.f32ConvertI32U], ['f32.convert_i64_s', N.f32ConvertI64S], ['f32.convert_i64_u', N.f32ConvertI64U],
  ['f32.demote_f64', N.f32DemoteF64],
  ['f64.convert_i32_s', N.f64ConvertI32S], ['f64.convert_i32_u', N.f64ConvertI32U], ['f64.convert_i64_s', N.f64ConvertI64S], ['f64.convert_i64_u', N.f64ConvertI64U],
  ['f64.promote_f32', N.f64PromoteF32],
  ['i32.reinterpret_f32', (a: number) => a], ['i64.reinterpret_f64', (a: bigint) => a], ['f32.reinterpret_i32', (a: number) => a], ['f64.reinterpret_i64', (a: bigint) => a],
  ['i32.trunc_sat_f32_s', N.i32TruncSatF32S], ['i32.trunc_sat_f32_u', N.i32TruncSatF32U], ['i32.trunc_sat_f64_s', N.i32TruncSatF64S], ['i32.trunc_sat_f64_u', N.i32TruncSatF64U],
  ['i64.trunc_sat_f32_s', N.i64TruncSatF32S], ['i64.trunc_sat_f32_u', N.i64TruncSatF32U], ['i64.trunc_sat_f64_s', N.i64TruncSatF64S], ['i64.trunc_sat_f64_u', N.i64TruncSatF64U],
];
for (const [n, f] of conv) g1(n, f);
