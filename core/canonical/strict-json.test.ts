import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseStrictJson } from './strict-json.js';

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

  it('a key named __proto__ is data, not a prototype', () => {
    const v = parseStrictJson('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('property: agrees with JSON.parse on any JSON text without duplicate keys', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(parseStrictJson(text)).toStrictEqual(JSON.parse(text, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.assign(Object.create(null), v) : v)));
      }),
      { numRuns: 500 },
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
