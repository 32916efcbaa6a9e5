/**
 * Explicit string encodings for values JSON numbers cannot carry exactly. Cross-language values
 * (i64, u64, bytes, float bits) are always strings in canonical data, never JS numbers.
 *  - i64 / u64: decimal, no leading zeros, no `+`, `-0` invalid.
 *  - bytes: lowercase hex, even length (chosen over base64url: one spelling per value, readable
 *    in diffs, and the same as our `sha256:<hex>` digests).
 */
import { IcnError } from '../errors.js';
import { I64_MAX, I64_MIN, U64_MAX } from '../int-limits.js';

const DECIMAL = /^(0|-?[1-9][0-9]*)$/;
const HEX = /^(?:[0-9a-f]{2})*$/;

export class EncodingError extends IcnError {
  override readonly name = 'EncodingError';
}

function bigintIn(b: bigint, lo: bigint, hi: bigint, kind: string): bigint {
  if (b < lo || b > hi)
    throw new EncodingError('ENC_RANGE', `${b} is out of range for ${kind}`, { kind });
  return b;
}

function parseDecimal(s: string, kind: string): bigint {
  if (typeof s !== 'string' || !DECIMAL.test(s)) {
    throw new EncodingError(
      'ENC_SYNTAX',
      `${JSON.stringify(s)} is not a canonical decimal ${kind} (digits, optional leading '-', no leading zeros)`,
      { kind },
    );
  }
  return BigInt(s);
}

export const enc = {
  i64(v: bigint): string {
    return bigintIn(v, I64_MIN, I64_MAX, 'i64').toString();
  },
  u64(v: bigint): string {
    return bigintIn(v, 0n, U64_MAX, 'u64').toString();
  },
  bytes(b: Uint8Array): string {
    let s = '';
    for (const x of b) s += x.toString(16).padStart(2, '0');
    return s;
  },
} as const;

export const dec = {
  i64(s: string): bigint {
    return bigintIn(parseDecimal(s, 'i64'), I64_MIN, I64_MAX, 'i64');
  },
  u64(s: string): bigint {
    return bigintIn(parseDecimal(s, 'u64'), 0n, U64_MAX, 'u64');
  },
  bytes(s: string): Uint8Array {
    if (typeof s !== 'string' || !HEX.test(s)) {
      throw new EncodingError(
        'ENC_SYNTAX',
        `${JSON.stringify(s).slice(0, 40)} is not lowercase even-length hex`,
        { kind: 'bytes' },
      );
    }
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
    return out;
  },
} as const;
