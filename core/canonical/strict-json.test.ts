import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseStrictJson } from './strict-json.js';
import { decodeUtf8Strict, firstInvalidUtf8 } from './utf8.js';
import { isIcnError } from '../errors.js';

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseStrictJson(text, 'f.json');
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e;
    throw e;
  }
  throw new Error('expected a JsonSyntaxError');
}

describe('parseStrictJson', () => {
  it('rejects duplicate keys with file, line, column and path', () => {
    const e = syntaxError('{\n  "a": {"x": 1,\n    "x": 2}\n}');
    expect([e.line, e.column, e.path]).toEqual([3, 5, '$.a.x']);
    expect(e.message).toBe('f.json:3:5: duplicate key "x" (at $.a.x)');
  });

  it('reports syntax errors precisely', () => {
    expect(syntaxError('[1, 2,]').message).toMatch(/^f\.json:1:7: unexpected character "\]"/);
    expect(syntaxError('{"a" 1}').message).toMatch(/expected ':'/);
    expect(syntaxError('"abc').message).toMatch(/unterminated string/);
    expect(syntaxError('[1] x').message).toMatch(/unexpected text after/);
    expect(syntaxError('"\\x"').message).toMatch(/bad escape/);
    expect(syntaxError('01').message).toMatch(/unexpected text after/);
    expect(syntaxError('').message).toMatch(/unexpected end of input/);
  });

  it('number text must be an exact safe integer literal: no silent rounding', () => {
    for (const [text, path] of [
      ['1.0000000000000001', '$'],
      ['{"a": [9007199254740990.9999999]}', '$.a[0]'],
      ['1e-400', '$'],
      ['[1E2]', '$[0]'],
      ['4.0', '$'],
      ['9007199254740992', '$'],
      ['-9007199254740992', '$'],
    ] as const) {
      const e = syntaxError(text);
      expect(e.path).toBe(path);
      expect(e.message).toMatch(/not an integer literal|beyond ±\(2\^53-1\)/);
    }
    expect(parseStrictJson('[-9007199254740991, 9007199254740991, 0, -0, 17]')).toEqual([
      -9007199254740991, 9007199254740991, 0, -0, 17,
    ]);
  });

  it('fractions only where the caller allows them (data outside every hash)', () => {
    const at = (p: string) => p === '$.ratio';
    expect(parseStrictJson('{"ratio": 1.25, "n": 3}', 'b.json', { fractionsAt: at })).toEqual(
      Object.assign(Object.create(null), { ratio: 1.25, n: 3 }),
    );
    expect(() =>
      parseStrictJson('{"ratio": 1.25, "n": 3.5}', 'b.json', { fractionsAt: at }),
    ).toThrow(/number 3\.5 is not an integer literal .*\(at \$\.n\)/);
  });

  it('strings with and without escapes come out whole (built by slices)', () => {
    const long = 'x'.repeat(5000);
    expect(parseStrictJson(`"${long}"`)).toBe(long);
    expect(parseStrictJson(`{"k\\n${long}\\u00e9": "a\\"b\\\\c\\/"}`)).toEqual(
      Object.assign(Object.create(null), { [`k\n${long}é`]: 'a"b\\c/' }),
    );
    expect(parseStrictJson('"\\ud83d\\ude00 tail"')).toBe('😀 tail');
  });

  it('a key named __proto__ is data, not a prototype', () => {
    const v = parseStrictJson('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('property: agrees with JSON.parse on any JSON text without duplicate keys', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const ints = (v: unknown): boolean =>
          typeof v === 'number'
            ? Number.isSafeInteger(v)
            : v === null || typeof v !== 'object' || Object.values(v).every(ints);
        if (!ints(JSON.parse(text))) {
          // a fraction, an exponent or an unsafe integer: refused, never rounded
          expect(() => parseStrictJson(text)).toThrow(/integer literal|2\^53/);
          return;
        }
        expect(parseStrictJson(text)).toStrictEqual(
          JSON.parse(text, (_k, v) =>
            v && typeof v === 'object' && !Array.isArray(v)
              ? Object.assign(Object.create(null), v)
              : v,
          ),
        );
      }),
      { numRuns: 500, seed: 14 },
    );
  });

  it('property: garbage gives a JsonSyntaxError or a value, never anything else', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseStrictJson(text);
        } catch (e) {
          expect(e).toBeInstanceOf(JsonSyntaxError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('decodeUtf8Strict', () => {
  const enc = (...b: number[]) => new Uint8Array(b);
  it('names the offset of the first invalid byte: 0xff, 0xfe, overlong, surrogate, truncated, > U+10FFFF', () => {
    for (const [bytes, at] of [
      [enc(0x22, 0x61, 0xff, 0x22), 2],
      [enc(0x22, 0xfe, 0x22), 1],
      [enc(0x22, 0xc0, 0xaf, 0x22), 1],
      [enc(0x22, 0xe0, 0x80, 0xaf), 1],
      [enc(0x41, 0xed, 0xa0, 0x80), 1],
      [enc(0x41, 0x42, 0xe2, 0x82), 2],
      [enc(0xf4, 0x90, 0x80, 0x80), 0],
    ] as const) {
      expect(firstInvalidUtf8(bytes)).toBe(at);
      try {
        decodeUtf8Strict(bytes, 'f.json');
        expect.unreachable();
      } catch (e) {
        expect(isIcnError(e, 'UTF8_INVALID')).toBe(true);
        expect((e as Error).message).toContain(`f.json: invalid UTF-8 at byte offset ${at}`);
      }
    }
  });
  it('property: agrees with TextEncoder on every well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const b = new TextEncoder().encode(s);
        expect(firstInvalidUtf8(b)).toBe(-1);
        expect(decodeUtf8Strict(b)).toBe(s);
      }),
      { numRuns: 300, seed: 15 },
    );
  });
});
