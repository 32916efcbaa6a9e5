import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatValue, parseValue, type NumType } from './values.js';

const WIDTH: Record<NumType, number> = { i32: 32, i64: 64, f32: 32, f64: 64, v128: 128 };

describe('value bit strings', () => {
  it('format ∘ parse is the identity on every bit pattern of every numeric type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<NumType>('i32', 'i64', 'f32', 'f64', 'v128'),
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        (type, b) => {
          const bits = b & ((1n << BigInt(WIDTH[type])) - 1n);
          const s = formatValue({ type, bits });
          expect(s).toMatch(new RegExp(`^${type}:0x[0-9a-f]{${WIDTH[type] / 4}}$`));
          expect(parseValue(s)).toEqual({ type, bits });
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('decimal integers in the signed and unsigned ranges; clear errors otherwise', () => {
    expect(parseValue('i32:-1')).toEqual({ type: 'i32', bits: 0xffffffffn });
    expect(parseValue('i64:-2')).toEqual({ type: 'i64', bits: 0xfffffffffffffffen });
    expect(parseValue('i32:4294967295')).toEqual({ type: 'i32', bits: 0xffffffffn });
    expect(() => parseValue('i32:4294967296')).toThrow(/out of range/);
    expect(() => parseValue('f32:1.5')).toThrow(/0x bits/);
    expect(() => parseValue('f32:0x1ffffffff')).toThrow(/more than 32 bits/);
    expect(() => parseValue('x:1')).toThrow(/unknown type/);
    expect(() => parseValue('17')).toThrow(/missing type prefix/);
    expect(parseValue('externref:7')).toEqual({ type: 'externref', ref: 7n });
  });
});
