/**
 * The helpers of the operator table (ops.ts) that are more than an expression: traps (division,
 * trapping truncations), bit counts, float conversions that need one exact rounding, and the
 * bitwise float operators on a NaN's bits. Each operator itself is defined once in ops.ts; these
 * are pure functions over the interpreter's bits representation (rep.ts):
 *   i32  number, the signed 32-bit pattern (`x | 0`)
 *   i64  bigint, the signed 64-bit pattern (`BigInt.asIntN(64, x)`)
 *   f32  number, the signed 32-bit *bit pattern* (so i32.reinterpret_f32 is the identity)
 *   f64  bigint, the signed 64-bit *bit pattern* (so i64.reinterpret_f64 is the identity)
 * A NaN result is the positive canonical NaN (0x7fc00000 / 0x7ff8000000000000), exactly as
 * dc-float's instrumentation does after every NaN-producing operation; bitwise ops (neg, abs,
 * copysign) keep any NaN payload.
 *
 * Traps are thrown as WasmTrap with a name from core/wasm/traps.ts.
 */
import { I64_MAX, I64_MIN } from '../../int-limits.js';
import type { Trap } from '../traps.js';

export class WasmTrap extends Error {
  override readonly name = 'WasmTrap';
  constructor(
    readonly trap: Trap,
    detail?: string,
  ) {
    super(detail === undefined ? trap : `${trap}: ${detail}`);
  }
}

export const CANON_NAN32 = 0x7fc00000 | 0;
export const CANON_NAN64 = 0x7ff8000000000000n;

/**
 * The NaN that NaN-producing ops return. Mutable only for fault injection in the differential
 * test (a "NaN bug" in one engine); the interpreter never changes it on its own.
 */
export const nanConfig = { nan32: CANON_NAN32, nan64: CANON_NAN64 };

// ---- bit <-> float conversions through one shared scratch buffer ----
const scratch = new ArrayBuffer(8);
const F32 = new Float32Array(scratch, 0, 1);
const I32 = new Int32Array(scratch, 0, 1);
const F64 = new Float64Array(scratch);
const I64 = new BigInt64Array(scratch);

export function f32Val(bits: number): number {
  I32[0] = bits;
  return F32[0]!;
}
/** Bits of an f32 result (x already rounded to f32 or exact); NaN → the canonical NaN. */
export function f32Bits(x: number): number {
  if (x !== x) return nanConfig.nan32;
  F32[0] = x;
  return I32[0]!;
}
export function f64Val(bits: bigint): number {
  I64[0] = bits;
  return F64[0]!;
}
export function f64Bits(x: number): bigint {
  if (x !== x) return nanConfig.nan64;
  F64[0] = x;
  return I64[0]!;
}

// ---- i32 ----
export const I32_MIN = -0x80000000;

export function i32DivS(a: number, b: number): number {
  if (b === 0) throw new WasmTrap('div_by_zero');
  if (a === I32_MIN && b === -1) throw new WasmTrap('int_overflow');
  return (a / b) | 0;
}
export function i32DivU(a: number, b: number): number {
  if (b === 0) throw new WasmTrap('div_by_zero');
  return ((a >>> 0) / (b >>> 0)) | 0;
}
export function i32RemS(a: number, b: number): number {
  if (b === 0) throw new WasmTrap('div_by_zero');
  return (a % b) | 0;
}
export function i32RemU(a: number, b: number): number {
  if (b === 0) throw new WasmTrap('div_by_zero');
  return ((a >>> 0) % (b >>> 0)) | 0;
}
export function i32Ctz(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}
export function i32Popcnt(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

// ---- i64 ----
export { I64_MIN };
const M64 = (1n << 64n) - 1n;
const wrap = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => x & M64;

export function i64DivS(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new WasmTrap('div_by_zero');
  if (a === I64_MIN && b === -1n) throw new WasmTrap('int_overflow');
  return a / b;
}
export function i64DivU(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new WasmTrap('div_by_zero');
  return wrap(u64(a) / u64(b));
}
export function i64RemS(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new WasmTrap('div_by_zero');
  return a % b;
}
export function i64RemU(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new WasmTrap('div_by_zero');
  return wrap(u64(a) % u64(b));
}
const hi32 = (x: bigint): number => Number(BigInt.asIntN(32, x >> 32n));
const lo32 = (x: bigint): number => Number(BigInt.asIntN(32, x));
export function i64Clz(x: bigint): bigint {
  const h = hi32(x);
  return BigInt(h !== 0 ? Math.clz32(h) : 32 + Math.clz32(lo32(x)));
}
export function i64Ctz(x: bigint): bigint {
  const l = lo32(x);
  return BigInt(l !== 0 ? i32Ctz(l) : 32 + i32Ctz(hi32(x)));
}
export const i64Popcnt = (x: bigint): bigint => BigInt(i32Popcnt(hi32(x)) + i32Popcnt(lo32(x)));

// ---- floats: helpers ----
/** Round half to even, keeping the sign of zero (x is a finite or infinite double). */
export function nearest(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 4503599627370496) return x; // NaN handled by caller; ≥2^52 is integral
  let r = Math.round(x); // half up
  if (r - x === 0.5 && r % 2 !== 0) r -= 1; // a tie rounded up to odd: take the even neighbour
  if (r === 0) return x < 0 || Object.is(x, -0) ? -0 : 0;
  return r;
}

// ---- f32 (bits in, bits out) ----
const SIGN32 = 0x80000000 | 0;
export const f32Abs = (a: number): number => a & 0x7fffffff;
export const f32Neg = (a: number): number => a ^ SIGN32;
export const f32Copysign = (a: number, b: number): number => (a & 0x7fffffff) | (b & SIGN32);

// ---- f64 (bits in, bits out) ----
const SIGN64 = I64_MIN; // the sign bit, as a signed 64-bit value
const MAG64 = I64_MAX; // every bit but the sign
export const f64Abs = (a: bigint): bigint => a & MAG64;
export const f64Neg = (a: bigint): bigint => a ^ SIGN64;
export const f64Copysign = (a: bigint, b: bigint): bigint => (a & MAG64) | (b & SIGN64);

// ---- conversions ----

/**
 * u (≥ 0, < 2^64) to f32 with one rounding: going through a double would round twice. Keep the
 * top 26 significant bits with a sticky bit below them, which a double holds exactly, then round
 * that once to f32.
 */
function unsignedToF32(u: bigint): number {
  if (u < 1n << 53n) return Math.fround(Number(u));
  const len = u.toString(2).length;
  const shift = BigInt(len - 26);
  let m = u >> shift;
  if ((u & ((1n << shift) - 1n)) !== 0n) m |= 1n;
  return Math.fround(Number(m) * 2 ** Number(shift));
}
export const f32ConvertI64S = (a: bigint): number =>
  f32Bits(a < 0n ? -unsignedToF32(-a) : unsignedToF32(a));
export const f32ConvertI64U = (a: bigint): number => f32Bits(unsignedToF32(u64(a)));

/**
 * Trapping truncations, named as the spec names them: NaN is `invalid_conversion` ("invalid
 * conversion to integer"), a non-NaN value out of the target range is `int_overflow` ("integer
 * overflow"). The V8 executors tell the two apart the same way (dc-float instrumentation checks NaN
 * before the conversion), so both engines' results hash the same.
 */
function checkTrunc(x: number, lo: number, hi: number): number {
  if (x !== x) throw new WasmTrap('invalid_conversion', 'NaN');
  if (!(x > lo && x < hi)) throw new WasmTrap('int_overflow', 'out of range');
  return Math.trunc(x);
}
const P31 = 2147483648;
const P32 = 4294967296;
const P63 = 9223372036854775808;
const P64 = 18446744073709551616;
export const i32TruncF32S = (a: number): number => checkTrunc(f32Val(a), -P31 - 1, P31) | 0;
export const i32TruncF32U = (a: number): number => checkTrunc(f32Val(a), -1, P32) | 0;
export const i32TruncF64S = (a: bigint): number => checkTrunc(f64Val(a), -P31 - 1, P31) | 0;
export const i32TruncF64U = (a: bigint): number => checkTrunc(f64Val(a), -1, P32) | 0;
// -2^63 itself is representable and valid; the next double below it is -2^63 - 2048.
function truncI64S(x: number): bigint {
  if (x !== x) throw new WasmTrap('invalid_conversion', 'NaN');
  if (!(x >= -P63 && x < P63)) throw new WasmTrap('int_overflow', 'out of range');
  return BigInt(Math.trunc(x));
}
function truncI64U(x: number): bigint {
  if (x !== x) throw new WasmTrap('invalid_conversion', 'NaN');
  if (!(x > -1 && x < P64)) throw new WasmTrap('int_overflow', 'out of range');
  return wrap(BigInt(Math.trunc(x)));
}
export const i64TruncF32S = (a: number): bigint => truncI64S(f32Val(a));
export const i64TruncF32U = (a: number): bigint => truncI64U(f32Val(a));
export const i64TruncF64S = (a: bigint): bigint => truncI64S(f64Val(a));
export const i64TruncF64U = (a: bigint): bigint => truncI64U(f64Val(a));

// saturating truncations: NaN → 0, clamp to the range
function sat32S(x: number): number {
  if (x !== x) return 0;
  if (x <= -P31) return I32_MIN;
  if (x >= P31) return 0x7fffffff;
  return Math.trunc(x) | 0;
}
function sat32U(x: number): number {
  if (x !== x || x <= -1) return 0;
  if (x >= P32) return -1;
  return Math.trunc(x) | 0;
}
function sat64S(x: number): bigint {
  if (x !== x) return 0n;
  if (x <= -P63) return I64_MIN;
  if (x >= P63) return I64_MAX;
  return BigInt(Math.trunc(x));
}
function sat64U(x: number): bigint {
  if (x !== x || x <= -1) return 0n;
  if (x >= P64) return -1n;
  return wrap(BigInt(Math.trunc(x)));
}
export const i32TruncSatF32S = (a: number): number => sat32S(f32Val(a));
export const i32TruncSatF32U = (a: number): number => sat32U(f32Val(a));
export const i32TruncSatF64S = (a: bigint): number => sat32S(f64Val(a));
export const i32TruncSatF64U = (a: bigint): number => sat32U(f64Val(a));
export const i64TruncSatF32S = (a: number): bigint => sat64S(f32Val(a));
export const i64TruncSatF32U = (a: number): bigint => sat64U(f32Val(a));
export const i64TruncSatF64S = (a: bigint): bigint => sat64S(f64Val(a));
export const i64TruncSatF64U = (a: bigint): bigint => sat64U(f64Val(a));
