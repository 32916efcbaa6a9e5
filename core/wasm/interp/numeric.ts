/**
 * WebAssembly numeric semantics on raw bits, for the reference interpreter. No decoder, no
 * module: pure functions over the interpreter's value representation.
 *
 * Representation (one JS value per WebAssembly value):
 *   i32  number, the signed 32-bit pattern (`x | 0`)
 *   i64  bigint, the signed 64-bit pattern (`BigInt.asIntN(64, x)`)
 *   f32  number, the signed 32-bit *bit pattern* (so i32.reinterpret_f32 is the identity)
 *   f64  bigint, the signed 64-bit *bit pattern* (so i64.reinterpret_f64 is the identity)
 * Floats are decoded to a JS double only inside an operation; a NaN result is replaced by the
 * positive canonical NaN (0x7fc00000 / 0x7ff8000000000000), exactly as dc-float's instrumentation
 * does after every NaN-producing operation. Bitwise ops (neg, abs, copysign, reinterpret) work on
 * the bits and keep any NaN payload.
 *
 * i64 as bigint, not two i32 halves: measured in bench notes (docs/deterministic-core.md,
 * "Reference interpreter"): halves are 2-4x faster in straight-line JS, but the interpreter keeps
 * one slot per value, and halves would double stack traffic and complicate div/rem/conversions.
 *
 * Traps are thrown as WasmTrap with a name from core/wasm/traps.ts.
 */
import type { Trap } from '../traps.js';

export class WasmTrap extends Error {
  override readonly name = 'WasmTrap';
  constructor(readonly trap: Trap, detail?: string) {
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
export function i32Rotl(a: number, k: number): number {
  k &= 31;
  return (a << k) | (a >>> ((32 - k) & 31));
}
export function i32Rotr(a: number, k: number): number {
  k &= 31;
  return (a >>> k) | (a << ((32 - k) & 31));
}

// ---- i64 ----
export const I64_MIN = -(1n << 63n);
const M64 = (1n << 64n) - 1n;
const wrap = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => x & M64;

export const i64Add = (a: bigint, b: bigint): bigint => wrap(a + b);
export const i64Sub = (a: bigint, b: bigint): bigint => wrap(a - b);
export const i64Mul = (a: bigint, b: bigint): bigint => wrap(a * b);
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
export const i64And = (a: bigint, b: bigint): bigint => a & b;
export const i64Or = (a: bigint, b: bigint): bigint => a | b;
export const i64Xor = (a: bigint, b: bigint): bigint => a ^ b;
export const i64Shl = (a: bigint, b: bigint): bigint => wrap(a << (b & 63n));
export const i64ShrS = (a: bigint, b: bigint): bigint => a >> (b & 63n);
export const i64ShrU = (a: bigint, b: bigint): bigint => wrap(u64(a) >> (b & 63n));
export function i64Rotl(a: bigint, b: bigint): bigint {
  const k = b & 63n;
  const u = u64(a);
  return wrap((u << k) | (u >> ((64n - k) & 63n)));
}
export function i64Rotr(a: bigint, b: bigint): bigint {
  const k = b & 63n;
  const u = u64(a);
  return wrap((u >> k) | (u << ((64n - k) & 63n)));
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
export const i64Eqz = (x: bigint): number => (x === 0n ? 1 : 0);
export const i64LtU = (a: bigint, b: bigint): number => (u64(a) < u64(b) ? 1 : 0);
export const i64GtU = (a: bigint, b: bigint): number => (u64(a) > u64(b) ? 1 : 0);
export const i64LeU = (a: bigint, b: bigint): number => (u64(a) <= u64(b) ? 1 : 0);
export const i64GeU = (a: bigint, b: bigint): number => (u64(a) >= u64(b) ? 1 : 0);
export const i64Extend8S = (x: bigint): bigint => BigInt.asIntN(8, x);
export const i64Extend16S = (x: bigint): bigint => BigInt.asIntN(16, x);
export const i64Extend32S = (x: bigint): bigint => BigInt.asIntN(32, x);
export const i32WrapI64 = (x: bigint): number => Number(BigInt.asIntN(32, x));
export const i64ExtendI32S = (x: number): bigint => BigInt(x);
export const i64ExtendI32U = (x: number): bigint => BigInt(x >>> 0);

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
export const f32Add = (a: number, b: number): number => f32Bits(Math.fround(f32Val(a) + f32Val(b)));
export const f32Sub = (a: number, b: number): number => f32Bits(Math.fround(f32Val(a) - f32Val(b)));
export const f32Mul = (a: number, b: number): number => f32Bits(Math.fround(f32Val(a) * f32Val(b)));
export const f32Div = (a: number, b: number): number => f32Bits(Math.fround(f32Val(a) / f32Val(b)));
export const f32Sqrt = (a: number): number => f32Bits(Math.fround(Math.sqrt(f32Val(a))));
export const f32Min = (a: number, b: number): number => f32Bits(Math.min(f32Val(a), f32Val(b)));
export const f32Max = (a: number, b: number): number => f32Bits(Math.max(f32Val(a), f32Val(b)));
export const f32Ceil = (a: number): number => f32Bits(Math.ceil(f32Val(a)));
export const f32Floor = (a: number): number => f32Bits(Math.floor(f32Val(a)));
export const f32Trunc = (a: number): number => f32Bits(Math.trunc(f32Val(a)));
export const f32Nearest = (a: number): number => f32Bits(nearest(f32Val(a)));
export const f32Eq = (a: number, b: number): number => (f32Val(a) === f32Val(b) ? 1 : 0);
export const f32Ne = (a: number, b: number): number => (f32Val(a) !== f32Val(b) ? 1 : 0);
export const f32Lt = (a: number, b: number): number => (f32Val(a) < f32Val(b) ? 1 : 0);
export const f32Gt = (a: number, b: number): number => (f32Val(a) > f32Val(b) ? 1 : 0);
export const f32Le = (a: number, b: number): number => (f32Val(a) <= f32Val(b) ? 1 : 0);
export const f32Ge = (a: number, b: number): number => (f32Val(a) >= f32Val(b) ? 1 : 0);

// ---- f64 (bits in, bits out) ----
const SIGN64 = -(1n << 63n);
const MAG64 = (1n << 63n) - 1n;
export const f64Abs = (a: bigint): bigint => a & MAG64;
export const f64Neg = (a: bigint): bigint => a ^ SIGN64;
export const f64Copysign = (a: bigint, b: bigint): bigint => (a & MAG64) | (b & SIGN64);
export const f64Add = (a: bigint, b: bigint): bigint => f64Bits(f64Val(a) + f64Val(b));
export const f64Sub = (a: bigint, b: bigint): bigint => f64Bits(f64Val(a) - f64Val(b));
export const f64Mul = (a: bigint, b: bigint): bigint => f64Bits(f64Val(a) * f64Val(b));
export const f64Div = (a: bigint, b: bigint): bigint => f64Bits(f64Val(a) / f64Val(b));
export const f64Sqrt = (a: bigint): bigint => f64Bits(Math.sqrt(f64Val(a)));
export const f64Min = (a: bigint, b: bigint): bigint => f64Bits(Math.min(f64Val(a), f64Val(b)));
export const f64Max = (a: bigint, b: bigint): bigint => f64Bits(Math.max(f64Val(a), f64Val(b)));
export const f64Ceil = (a: bigint): bigint => f64Bits(Math.ceil(f64Val(a)));
export const f64Floor = (a: bigint): bigint => f64Bits(Math.floor(f64Val(a)));
export const f64Trunc = (a: bigint): bigint => f64Bits(Math.trunc(f64Val(a)));
export const f64Nearest = (a: bigint): bigint => f64Bits(nearest(f64Val(a)));
export const f64Eq = (a: bigint, b: bigint): number => (f64Val(a) === f64Val(b) ? 1 : 0);
export const f64Ne = (a: bigint, b: bigint): number => (f64Val(a) !== f64Val(b) ? 1 : 0);
export const f64Lt = (a: bigint, b: bigint): number => (f64Val(a) < f64Val(b) ? 1 : 0);
export const f64Gt = (a: bigint, b: bigint): number => (f64Val(a) > f64Val(b) ? 1 : 0);
export const f64Le = (a: bigint, b: bigint): number => (f64Val(a) <= f64Val(b) ? 1 : 0);
export const f64Ge = (a: bigint, b: bigint): number => (f64Val(a) >= f64Val(b) ? 1 : 0);

// ---- conversions ----
export const f32DemoteF64 = (a: bigint): number => f32Bits(Math.fround(f64Val(a)));
export const f64PromoteF32 = (a: number): bigint => f64Bits(f32Val(a));
export const f32ConvertI32S = (a: number): number => f32Bits(Math.fround(a));
export const f32ConvertI32U = (a: number): number => f32Bits(Math.fround(a >>> 0));
export const f64ConvertI32S = (a: number): bigint => f64Bits(a);
export const f64ConvertI32U = (a: number): bigint => f64Bits(a >>> 0);
/** Number(bigint) rounds to nearest-even (ECMA-262), so f64 conversions are one correct rounding. */
export const f64ConvertI64S = (a: bigint): bigint => f64Bits(Number(a));
export const f64ConvertI64U = (a: bigint): bigint => f64Bits(Number(u64(a)));

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
export const f32ConvertI64S = (a: bigint): number => f32Bits(a < 0n ? -unsignedToF32(-a) : unsignedToF32(a));
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
  if (x >= P63) return (1n << 63n) - 1n;
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
