/**
 * The interpreter's value representations and the conversions between them.
 *
 * Bits (the interpreter's Val, numeric.ts): i32 number, i64 bigint, f32 the signed 32-bit pattern
 * as a number, f64 the signed 64-bit pattern as a bigint. Values cross every boundary as bits:
 * invoke, host calls, globals, tables, the run loop's stack.
 *
 * Floats as values (what operators compute on, ops.ts): an f32/f64 that is not a NaN is held as its
 * value (a JS number: exact for f64, Math.fround-exact for f32, -0 and infinities included), and a
 * NaN as a bigint of its bit pattern, so NaN payloads and signs are never left to V8's handling of
 * NaN doubles. The JS tier keeps floats as values throughout; the run loop converts around each
 * float operator.
 */
import type { ValType } from '../binary/types.js';
import type { Val } from './store.js';

const scratch = new ArrayBuffer(8);
const SF32 = new Float32Array(scratch, 0, 1);
const SI32 = new Int32Array(scratch, 0, 1);
const SF64 = new Float64Array(scratch);
const SI64 = new BigInt64Array(scratch);
/** f64 value → bits. */
export function d2b(x: number | bigint): bigint {
  if (typeof x === 'number') {
    SF64[0] = x;
    return SI64[0]!;
  }
  return x;
}
/** f64 bits → value. */
export function b2d(bits: bigint): number | bigint {
  SI64[0] = bits;
  const v = SF64[0]!;
  return v === v ? v : bits;
}
/** f32 value → bits. */
export function f2b(x: number | bigint): number {
  if (typeof x === 'number') {
    SF32[0] = x;
    return SI32[0]!;
  }
  return Number(x);
}
/** f32 bits → value. */
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
  return t === 'f64'
    ? d2b(v as number | bigint)
    : t === 'f32'
      ? f2b(v as number | bigint)
      : (v as Val);
}
/** Generated code: bits of a float value expression. */
export const toBits = (t: ValType, e: string): string =>
  t === 'f64' ? `d2b(${e})` : t === 'f32' ? `f2b(${e})` : e;
/** Generated code: value of a float bits expression. */
export const toValue = (t: ValType, e: string): string =>
  t === 'f64' ? `b2d(${e})` : t === 'f32' ? `b2f(${e})` : e;
