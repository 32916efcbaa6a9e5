import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFloatLiteral, parseIntLiteral } from './literals.js';

const f32bits = (x: number): bigint => BigInt(new Uint32Array(new Float32Array([x]).buffer)[0]!);
const f64bits = (x: number): bigint => new BigUint64Array(new Float64Array([x]).buffer)[0]!;

describe('wast literals', () => {
  it('integers: signed and unsigned ranges, hex, underscores', () => {
    expect(parseIntLiteral('-1', 32)).toBe(0xffffffffn);
    expect(parseIntLiteral('0xffff_ffff', 32)).toBe(0xffffffffn);
    expect(parseIntLiteral('-0x8000_0000', 32)).toBe(0x80000000n);
    expect(() => parseIntLiteral('0x1_0000_0000', 32)).toThrow(/out of range/);
    expect(parseIntLiteral('-9223372036854775808', 64)).toBe(1n << 63n);
  });
  it('floats: specials, hex, subnormals, rounding', () => {
    expect(parseFloatLiteral('nan', 32)).toBe(0x7fc00000n);
    expect(parseFloatLiteral('-nan:0x200000', 32)).toBe(0xffa00000n);
    expect(parseFloatLiteral('-inf', 64)).toBe(0xfff0000000000000n);
    expect(parseFloatLiteral('0x1p-149', 32)).toBe(1n);
    expect(parseFloatLiteral('0x1p-150', 32)).toBe(0n); // tie to even: 0
    expect(parseFloatLiteral('0x1.000001p-150', 32)).toBe(1n);
    expect(parseFloatLiteral('0x1.fffffefp127', 32)).toBe(0x7f7fffffn);
    expect(parseFloatLiteral('0x1.ffffffp127', 32)).toBe(0x7f800000n);
    expect(parseFloatLiteral('1e1000', 64)).toBe(0x7ff0000000000000n);
    expect(parseFloatLiteral('-0.0', 32)).toBe(0x80000000n);
    // the double-rounding trap: just above a f32 halfway point, but rounding to it in f64
    expect(parseFloatLiteral('1.000000059604644775390625000000000000001', 32)).toBe(0x3f800001n);
    expect(parseFloatLiteral('1.000000059604644775390625', 32)).toBe(0x3f800000n);
  });
  it('decimal f64 agrees with JS Number (correctly rounded) on random doubles', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }), (x) => {
        expect(parseFloatLiteral(x.toExponential(20).replace('e+', 'e'), 64)).toBe(
          f64bits(Number(x.toExponential(20))),
        );
        expect(parseFloatLiteral(String(x).replace('e+', 'e'), 64)).toBe(f64bits(x));
      }),
      { numRuns: 2000 },
    );
  });
  it('f32 literal of an exact f32 value round-trips', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: 0 }), (x) => {
        expect(parseFloatLiteral(x.toPrecision(17).replace('e+', 'e'), 32)).toBe(f32bits(x));
      }),
      { numRuns: 2000 },
    );
  });
});
