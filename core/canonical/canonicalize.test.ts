import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalError, canonicalString, canonicalize } from './canonicalize.js';
import { dec, enc } from './encodings.js';
import { parseStrictJson } from './strict-json.js';

/** JSON values in our domain: safe integers, well-formed strings, plain objects, arrays. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: 'grapheme' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

function errorOf(f: () => unknown): CanonicalError {
  try {
    f();
  } catch (e) {
    if (e instanceof CanonicalError) return e;
    throw e;
  }
  throw new Error('expected a CanonicalError');
}

describe('canonicalize', () => {
  it('sorts keys by UTF-16 code units and writes no whitespace', () => {
    expect(canonicalString({ b: 1, a: [true, null, 'x'], '€': 0, A: -0 })).toBe('{"A":0,"a":[true,null,"x"],"b":1,"€":0}');
  });

  it('rejects every non-JSON value with a typed error naming the path', () => {
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    const cases: [unknown, string, string][] = [
      [{ installation: { capabilities: [1, 2, NaN] } }, 'CANON_NAN', '$.installation.capabilities[2]'],
      [{ x: Infinity }, 'CANON_INFINITY', '$.x'],
      [{ x: -Infinity }, 'CANON_INFINITY', '$.x'],
      [[1.5], 'CANON_NON_INTEGER', '$[0]'],
      [{ n: 2 ** 53 }, 'CANON_UNSAFE_INTEGER', '$.n'],
      [{ 'a b': '\ud800' }, 'CANON_LONE_SURROGATE', '$["a b"]'],
      [{ u: undefined }, 'CANON_UNDEFINED', '$.u'],
      [[() => 1], 'CANON_FUNCTION', '$[0]'],
      [[Symbol('s')], 'CANON_SYMBOL', '$[0]'],
      [{ big: 1n }, 'CANON_BIGINT', '$.big'],
      [cyc, 'CANON_CYCLE', '$.self'],
      [{ d: new Date(0) }, 'CANON_NON_PLAIN_OBJECT', '$.d'],
      [{ m: new Map() }, 'CANON_NON_PLAIN_OBJECT', '$.m'],
      [{ b: new Uint8Array(2) }, 'CANON_NON_PLAIN_OBJECT', '$.b'],
      [[1, , 3], 'CANON_SPARSE_ARRAY', '$[1]'],
      [{ [Symbol('k')]: 1 }, 'CANON_SYMBOL_KEY', '$'],
    ];
    for (const [value, code, path] of cases) {
      const e = errorOf(() => canonicalize(value));
      expect([e.code, e.path]).toEqual([code, path]);
      expect(e.message).toContain(path);
    }
  });

  it('accepts null-prototype objects (what the strict parser makes)', () => {
    const o = Object.create(null);
    o.k = 1;
    expect(canonicalString(o)).toBe('{"k":1}');
  });

  it('property: idempotent over JSON round trips', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const once = canonicalString(v);
        expect(canonicalString(JSON.parse(once))).toBe(once);
        expect(canonicalString(parseStrictJson(once))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('property: key insertion order never changes the bytes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 8 }), fc.nat(), (obj, seed) => {
        const keys = Object.keys(obj);
        const shuffled = keys.map((k, i) => [k, (i * 7919 + seed) % 104729] as const).sort((a, b) => a[1] - b[1]);
        const re: Record<string, unknown> = {};
        for (const [k] of shuffled) re[k] = obj[k];
        expect(canonicalize(re)).toEqual(canonicalize(obj));
      }),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary JS values give bytes or a CanonicalError, never a crash', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true }), (v) => {
        try {
          const bytes = canonicalize(v);
          expect(bytes).toBeInstanceOf(Uint8Array);
        } catch (e) {
          expect(e).toBeInstanceOf(CanonicalError);
          expect((e as CanonicalError).code).toMatch(/^CANON_/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('string encodings', () => {
  it('i64/u64 round trip at the extremes and reject out-of-range or non-canonical spellings', () => {
    for (const v of [-(1n << 63n), -1n, 0n, (1n << 63n) - 1n]) expect(dec.i64(enc.i64(v))).toBe(v);
    expect(dec.u64(enc.u64((1n << 64n) - 1n))).toBe((1n << 64n) - 1n);
    expect(() => enc.i64(1n << 63n)).toThrow(/out of range for i64/);
    expect(() => enc.u64(-1n)).toThrow(/out of range for u64/);
    for (const bad of ['01', '+1', '-0', '1.0', '', ' 1', '0x10']) expect(() => dec.i64(bad)).toThrow(/not a canonical decimal/);
  });

  it('bytes are lowercase even-length hex', () => {
    expect(enc.bytes(new Uint8Array([0, 255, 16]))).toBe('00ff10');
    expect(dec.bytes('00ff10')).toEqual(new Uint8Array([0, 255, 16]));
    for (const bad of ['0', 'FF', 'zz', '0x00']) expect(() => dec.bytes(bad)).toThrow(/lowercase even-length hex/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(dec.bytes(enc.bytes(b))).toEqual(Uint8Array.from(b));
      }),
    );
  });
});
