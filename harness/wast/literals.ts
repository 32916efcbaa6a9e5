/**
 * Numeric literals of the WebAssembly text format, converted to exact bit patterns. Floats are
 * rounded from the exact rational value (BigInt arithmetic, round-half-to-even) so that decimal
 * f32 literals do not suffer double rounding through f64.
 */
import { IcnError } from '../../core/errors.js';

function bad(s: string, why: string): IcnError {
  return new IcnError('WAST_LITERAL', `${JSON.stringify(s)}: ${why}`);
}

/** i32/i64 literal → unsigned bits. Accepts signed and unsigned ranges, decimal or hex, underscores. */
export function parseIntLiteral(s: string, width: 8 | 16 | 32 | 64): bigint {
  const m = /^([+-]?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)$/.exec(s);
  if (!m) throw bad(s, 'not an integer literal');
  let v = BigInt(m[2]!.replace(/_/g, ''));
  if (m[1] === '-') v = -v;
  const w = BigInt(width);
  if (v < -(1n << (w - 1n)) || v >= 1n << w) throw bad(s, `out of range for i${width}`);
  return BigInt.asUintN(width, v);
}

interface Fmt {
  mant: number; // stored mantissa bits
  exp: number; // exponent bits
}
const F32: Fmt = { mant: 23, exp: 8 };
const F64: Fmt = { mant: 52, exp: 11 };

function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Round num/den (> 0) to the nearest float of `fmt` (ties to even); returns bits without sign. */
function roundRational(num: bigint, den: bigint, fmt: Fmt): bigint {
  const p = fmt.mant + 1;
  const bias = (1 << (fmt.exp - 1)) - 1;
  const emin = 1 - bias;
  const emax = bias;
  // e = floor(log2(num/den)): start from the bit lengths (off by at most one), then settle exactly
  let e = bitLen(num) - bitLen(den);
  const ge = (k: number): boolean => (k >= 0 ? num >= den << BigInt(k) : num << BigInt(-k) >= den);
  while (!ge(e)) e--;
  while (ge(e + 1)) e++;
  if (e < emin) e = emin;
  // q = num/den * 2^(p-1-e)
  const shift = p - 1 - e;
  const n2 = shift >= 0 ? num << BigInt(shift) : num;
  const d2 = shift >= 0 ? den : den << BigInt(-shift);
  let q = n2 / d2;
  const r = n2 - q * d2;
  if (2n * r > d2 || (2n * r === d2 && (q & 1n) === 1n)) q++;
  if (q === 1n << BigInt(p)) {
    q >>= 1n;
    e++;
  }
  if (e > emax) return ((1n << BigInt(fmt.exp)) - 1n) << BigInt(fmt.mant); // infinity
  const hidden = 1n << BigInt(fmt.mant);
  if (q < hidden) return q; // subnormal (exponent field 0)
  return (BigInt(e + bias) << BigInt(fmt.mant)) | (q - hidden);
}

const MAX_EXP = 100_000;

/** f32/f64 literal → bits. Decimal, hex (0x1.8p3), inf, nan, nan:0x…, with sign and underscores. */
export function parseFloatLiteral(s: string, width: 32 | 64): bigint {
  const fmt = width === 32 ? F32 : F64;
  const signBit = 1n << BigInt(width - 1);
  let body = s;
  let neg = false;
  if (body.startsWith('-') || body.startsWith('+')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  const sign = neg ? signBit : 0n;
  const expAll = ((1n << BigInt(fmt.exp)) - 1n) << BigInt(fmt.mant);
  if (body === 'inf') return sign | expAll;
  if (body === 'nan') return sign | expAll | (1n << BigInt(fmt.mant - 1));
  if (body.startsWith('nan:0x')) {
    const hex = body.slice(6).replace(/_/g, '');
    if (!/^[0-9a-fA-F]+$/.test(hex)) throw bad(s, 'bad NaN payload');
    const payload = BigInt(`0x${hex}`);
    if (payload === 0n || payload >= 1n << BigInt(fmt.mant))
      throw bad(s, 'NaN payload out of range');
    return sign | expAll | payload;
  }
  let num: bigint;
  let den = 1n;
  const hex =
    /^0x([0-9a-fA-F](?:_?[0-9a-fA-F])*)?(?:\.([0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?(?:[pP]([+-]?[0-9](?:_?[0-9])*))?$/.exec(
      body,
    );
  const dec =
    /^([0-9](?:_?[0-9])*)(?:\.([0-9](?:_?[0-9])*)?)?(?:[eE]([+-]?[0-9](?:_?[0-9])*))?$/.exec(body);
  if (hex && (hex[1] !== undefined || hex[2] !== undefined)) {
    const ip = (hex[1] ?? '').replace(/_/g, '');
    const fp = (hex[2] ?? '').replace(/_/g, '');
    let e = hex[3] ? Number(hex[3].replace(/_/g, '')) : 0;
    e = Math.max(-MAX_EXP, Math.min(MAX_EXP, e));
    num = BigInt(`0x${ip}${fp}` === '0x' ? '0' : `0x${ip}${fp}`);
    e -= 4 * fp.length;
    if (e >= 0) num <<= BigInt(e);
    else den = 1n << BigInt(-e);
  } else if (dec) {
    const ip = dec[1]!.replace(/_/g, '');
    const fp = (dec[2] ?? '').replace(/_/g, '');
    let e = dec[3] ? Number(dec[3].replace(/_/g, '')) : 0;
    e = Math.max(-MAX_EXP, Math.min(MAX_EXP, e));
    num = BigInt(ip + fp);
    e -= fp.length;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den = 10n ** BigInt(-e);
  } else throw bad(s, 'not a float literal');
  if (num === 0n) return sign;
  return sign | roundRational(num, den, fmt);
}
