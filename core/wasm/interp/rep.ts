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
/** Scratch view for the rare bit moves between an f64 and i64 halves (little-endian: low half at 0). */
export const SD = new DataView(new ArrayBuffer(8));
const pairBuf = new ArrayBuffer(8);
/**
 * A bigint and its int32 halves over one buffer, for splitting and joining i64 values (measured
 * twice as fast as a DataView on Node 20). LO and HI are the halves' indexes on this platform's
 * byte order, so the halves are the same everywhere.
 */
export const SB = new BigInt64Array(pairBuf);
export const SI = new Int32Array(pairBuf);
export const LO = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
export const HI = 1 - LO;
/** An i64 from its halves (a bigint: the run loop's and numeric.ts's form). */
export function jn(lo: number, hi: number): bigint {
  SI[LO] = lo;
  SI[HI] = hi;
  return SB[0]!;
}
/** An interpreter value (bits for floats) → the JS tier's representation (an i64: low, high). */
function pushJs(out: unknown[], t: ValType, v: Val): void {
  if (t === 'i64') {
    SB[0] = v as bigint;
    out.push(SI[LO]!, SI[HI]!);
  } else out.push(t === 'f64' ? b2d(v as bigint) : t === 'f32' ? b2f(v as number) : v);
}
/** The JS tier's representation at flat[k] (an i64 takes two entries) → an interpreter value. */
function valAt(t: ValType, flat: readonly unknown[], k: number): Val {
  if (t === 'i64') return jn(flat[k] as number, flat[k + 1] as number);
  const v = flat[k];
  return t === 'f64'
    ? d2b(v as number | bigint)
    : t === 'f32'
      ? f2b(v as number | bigint)
      : (v as Val);
}
/**
 * The JS tier's calling convention (jit.ts): arguments are positional, an i64 as two int32
 * arguments (low, high); no result is undefined, one result is the value itself (an i64's low
 * half, its high half left in the machine's `rh`), several are an array (an i64 two entries).
 */
export function toJsArgs(types: readonly ValType[], vals: readonly Val[]): unknown[] {
  const out: unknown[] = [];
  types.forEach((t, i) => pushJs(out, t, vals[i]!));
  return out;
}
export function fromJsArgs(types: readonly ValType[], flat: readonly unknown[]): Val[] {
  let k = 0;
  return types.map((t) => {
    const v = valAt(t, flat, k);
    k += t === 'i64' ? 2 : 1;
    return v;
  });
}
/** Results in the JS-tier convention: the return value, and the high half of a lone i64 result. */
export function toJsResult(
  types: readonly ValType[],
  vals: readonly Val[],
  hi: { rh: number },
): unknown {
  if (types.length === 0) return undefined;
  const out = toJsArgs(types, vals);
  if (types.length > 1) return out;
  if (types[0] === 'i64') hi.rh = out[1] as number;
  return out[0];
}
export function fromJsResult(types: readonly ValType[], r: unknown, rh: number): Val[] {
  if (types.length === 0) return [];
  if (types.length > 1) return fromJsArgs(types, r as unknown[]);
  return [valAt(types[0]!, types[0] === 'i64' ? [r, rh] : [r], 0)];
}
/** Generated code: bits of a float value expression. */
export const toBits = (t: ValType, e: string): string =>
  t === 'f64' ? `d2b(${e})` : t === 'f32' ? `f2b(${e})` : e;
/** Generated code: value of a float bits expression. */
export const toValue = (t: ValType, e: string): string =>
  t === 'f64' ? `b2d(${e})` : t === 'f32' ? `b2f(${e})` : e;
