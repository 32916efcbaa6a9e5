import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CanonicalError,
  canonicalString,
  canonicalize,
  carefulCanonicalString,
} from './canonicalize.js';
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

const JCS_DIR = join(import.meta.dirname, '../../vectors/jcs');

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
    expect(canonicalString({ b: 1, a: [true, null, 'x'], '€': 0, A: -0 })).toBe(
      '{"A":0,"a":[true,null,"x"],"b":1,"€":0}',
    );
  });

  it('rejects every non-JSON value with a typed error naming the path', () => {
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    const cases: [unknown, string, string][] = [
      [
        { installation: { capabilities: [1, 2, NaN] } },
        'CANON_NAN',
        '$.installation.capabilities[2]',
      ],
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
      // eslint-disable-next-line no-restricted-syntax -- a Date is the value being rejected
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
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 8 }),
        fc.nat(),
        (obj, seed) => {
          const keys = Object.keys(obj);
          const shuffled = keys
            .map((k, i) => [k, (i * 7919 + seed) % 104729] as const)
            .sort((a, b) => a[1] - b[1]);
          const re: Record<string, unknown> = {};
          for (const [k] of shuffled) re[k] = obj[k];
          expect(canonicalize(re)).toEqual(canonicalize(obj));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary JS values give bytes or a CanonicalError, never a crash', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
          withObjectString: true,
          withBoxedValues: true,
        }),
        (v) => {
          try {
            const bytes = canonicalize(v);
            expect(bytes).toBeInstanceOf(Uint8Array);
          } catch (e) {
            expect(e).toBeInstanceOf(CanonicalError);
            expect((e as CanonicalError).code).toMatch(/^CANON_/);
          }
        },
      ),
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
    for (const bad of ['01', '+1', '-0', '1.0', '', ' 1', '0x10'])
      expect(() => dec.i64(bad)).toThrow(/not a canonical decimal/);
  });

  it('bytes are lowercase even-length hex', () => {
    expect(enc.bytes(new Uint8Array([0, 255, 16]))).toBe('00ff10');
    expect(dec.bytes('00ff10')).toEqual(new Uint8Array([0, 255, 16]));
    for (const bad of ['0', 'FF', 'zz', '0x00'])
      expect(() => dec.bytes(bad)).toThrow(/lowercase even-length hex/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(dec.bytes(enc.bytes(b))).toEqual(Uint8Array.from(b));
      }),
    );
  });
});

// Issue 19: canonicalString has a fast path that bails out to the careful encoder. Both must give
// exactly the bytes and errors of the encoder as it was before (the reference fixture).
describe('the fast canonical encoder equals the pre-issue-19 reference', () => {
  const PIECES = [
    '"',
    '\\',
    '\n',
    '\t',
    '\b',
    '\f',
    '\r',
    '\u0000',
    '\u001f',
    '\u007f',
    '/',
    'é',
    '€',
    '\u2028',
    '\ufb33',
    '\ud83d\ude00',
    '𝄞',
    'a',
    'Z',
    '1',
    ' ',
  ];
  const LONE = ['\ud800', '\udfff', '\ude00x', 'x\ud83d'];
  const strictString = fc.oneof(
    fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((p) => p.join('')),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }).map((b) => b.toString()),
  );
  const strictValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.maxSafeInteger(),
      fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
      strictString,
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(strictString, tie('value'), { maxKeys: 6, noNullPrototype: false }),
    ),
  })).value;

  it('JCS vectors (vectors/jcs): same text as the reference and as expected', () => {
    let compared = 0;
    for (const file of ['rfc8785.json', 'cyberphone.json']) {
      const doc = JSON.parse(readFileSync(join(JCS_DIR, file), 'utf8')) as {
        cases: { name: string; input: string; expect: { canonical?: string } }[];
      };
      for (const c of doc.cases) {
        let value: unknown;
        try {
          value = parseStrictJson(c.input);
        } catch {
          continue; // refused by the strict reader (float text): no value to encode
        }
        const ref = outcome(() => carefulCanonicalString(value));
        expect(
          outcome(() => canonicalString(value)),
          c.name,
        ).toEqual(ref);
        if (c.expect.canonical !== undefined)
          expect(ref, c.name).toEqual({ text: c.expect.canonical });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(8);
  });

  it('property: byte-identical on strict values (escapes, non-ASCII keys, surrogate pairs, big integers as strings)', () => {
    const seen = { escape: 0, astral: 0, nonAsciiKey: 0, bigDecimal: 0 };
    fc.assert(
      fc.property(strictValue, (v) => {
        const ref = carefulCanonicalString(v);
        expect(canonicalString(v)).toBe(ref);
        expect(canonicalize(v)).toEqual(new TextEncoder().encode(ref));
        if (/\\[\\"nbtfru]/.test(ref)) seen.escape++;
        if (/[\ud800-\udbff]/.test(ref)) seen.astral++;
        if (/[^\x00-\x7f][^"]*":/.test(ref)) seen.nonAsciiKey++;
        if (/"-?\d{16,}"/.test(ref)) seen.bigDecimal++;
      }),
      { numRuns: 2000, seed: 19 },
    );
    // The sample reached every branch the property is about.
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(20);
  });

  it('property: on any JS value, the same bytes or the same error (code, path, message)', () => {
    const loneOrNot = fc.oneof(strictString, fc.constantFrom(...LONE));
    const anyValue = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSparseArray: true,
          withNullPrototype: true,
          withBoxedValues: true,
          withTypedArray: true,
        }),
        loneOrNot,
        fc.constantFrom(NaN, Infinity, 1.5, 2 ** 53, undefined),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(loneOrNot, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    let errors = 0;
    fc.assert(
      fc.property(anyValue, (v) => {
        const ref = outcome(() => carefulCanonicalString(v));
        expect(outcome(() => canonicalString(v))).toEqual(ref);
        if ('error' in ref) errors++;
      }),
      { numRuns: 2000, seed: 19 },
    );
    expect(errors).toBeGreaterThan(200);
  });

  it('values deeper than the fast path, cycles below it and symbol keys go to the careful encoder', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 300; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(canonicalString(deep)).toBe(carefulCanonicalString(deep));
    const cyc: Record<string, unknown> = { a: { b: [1] } };
    ((cyc.a as Record<string, unknown>).b as unknown[]).push(cyc);
    expect(outcome(() => canonicalString(cyc))).toMatchObject({ error: 'CANON_CYCLE@$.a.b[1]' });
    expect(outcome(() => canonicalString({ ok: 1, [Symbol('s')]: 2 }))).toMatchObject({
      error: 'CANON_SYMBOL_KEY@$',
    });
    // Non-enumerable and inherited properties are not members, as before.
    const hidden = Object.defineProperty({ v: 1 }, 'h', { value: 2, enumerable: false });
    expect(canonicalString(hidden)).toBe('{"v":1}');
  });
});

/** The text, or the typed error as `CODE@path` with its message. */
function outcome(f: () => string): { text: string } | { error: string; message: string } {
  try {
    return { text: f() };
  } catch (e) {
    if (e instanceof CanonicalError) return { error: `${e.code}@${e.path}`, message: e.message };
    throw e;
  }
}
