import { readFileSync } from 'node:fs';
import { specCorpusForTests } from '../../core/wasm/binary/spec-corpus.js';
import { describe, expect, it } from 'vitest';
import { parseScript } from './script.js';

const corpus = specCorpusForTests();

describe('wast script parser', () => {
  it('parses every command form', () => {
    const cmds = parseScript(`
      (module $M (func (export "f") (param i32) (result i32) local.get 0)) ;; comment
      (; block (; nested ;) comment ;)
      (module binary "\\00asm" "\\01\\00\\00\\00")
      (module quote "(func)")
      (register "m" $M)
      (invoke $M "f" (i32.const -1))
      (assert_return (invoke "f" (i32.const 7)) (i32.const 7))
      (assert_return (invoke "g") (f32.const nan:canonical) (either (i64.const 1) (i64.const 2)))
      (assert_return (invoke "v" (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 0xff)) (v128.const f32x4 nan:arithmetic 1 -0 inf))
      (assert_return (get $M "g") (ref.null func))
      (assert_trap (invoke "f") "unreachable")
      (assert_trap (module (func $s unreachable) (start $s)) "unreachable")
      (assert_exhaustion (invoke "r") "call stack exhausted")
      (assert_invalid (module (func (result i32))) "type mismatch")
      (assert_malformed (module quote "(func") "unexpected end")
      (assert_unlinkable (module (import "x" "y" (func))) "unknown import")
      (assert_uninstantiable (module (func $s unreachable) (start $s)) "unreachable")
    `);
    expect(cmds.map((c) => c.cmd)).toEqual([
      'module',
      'module',
      'module',
      'register',
      'action',
      'assert_return',
      'assert_return',
      'assert_return',
      'assert_return',
      'assert_trap',
      'assert_trap_module',
      'assert_exhaustion',
      'assert_invalid',
      'assert_malformed',
      'assert_unlinkable',
      'assert_uninstantiable',
    ]);
    const bin = cmds[1]!;
    expect(
      bin.cmd === 'module' && bin.module.source.kind === 'binary' && [...bin.module.source.bytes],
    ).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const v = cmds[7]!;
    if (v.cmd !== 'assert_return' || v.action.kind !== 'invoke') throw new Error('shape');
    expect(v.action.args[0]).toEqual({ type: 'v128', bits: 0xff0e0d0c0b0a09080706050403020100n });
    expect(v.expected[0]).toMatchObject({
      type: 'v128',
      shape: 'f32x4',
      lanes: [
        { nan: 'arithmetic' },
        { bits: 0x3f800000n },
        { bits: 0x80000000n },
        { bits: 0x7f800000n },
      ],
    });
    expect(cmds[5]!.line).toBe(8);
  });
  it('reports syntax errors with a line', () => {
    expect(() =>
      parseScript('(module)\n(assert_return (invoke "f" (i32.const 0x1_0000_0000)))', 'x.wast'),
    ).toThrow(/x\.wast:2/);
    expect(() => parseScript('(module', 'y.wast')).toThrow(/unclosed/);
  });
  it.runIf(corpus !== undefined)('parses every spec script with no unsupported command', () => {
    let n = 0;
    for (const { path, file } of corpus!.scripts) {
      const cmds = parseScript(readFileSync(file, 'utf8'), path);
      expect(cmds.filter((c) => c.cmd === 'unsupported')).toEqual([]);
      n += cmds.length;
    }
    expect(n).toBeGreaterThan(16000);
  });
});

describe('wast parser: robustness', () => {
  it('any input either parses or fails with a WastSyntaxError / literal error (never anything else)', async () => {
    const fc = (await import('fast-check')).default;
    const { WastSyntaxError } = await import('./sexpr.js');
    const { IcnError } = await import('../../core/errors.js');
    const atoms = [
      '(',
      ')',
      '"',
      '\\',
      ';;',
      '(;',
      ';)',
      'module',
      'assert_return',
      'invoke',
      '"f"',
      '(i32.const 1)',
      '(f32.const nan:0x1)',
      'either',
      'v128.const',
      'i8x16',
      '0x',
      '-',
      'nan:canonical',
      '\n',
      ' ',
      '(get',
      '$M',
      'binary',
      'quote',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...atoms), fc.string({ maxLength: 4 })), {
          maxLength: 40,
        }),
        (parts) => {
          try {
            parseScript(parts.join(' '));
          } catch (e) {
            expect(e instanceof WastSyntaxError || e instanceof IcnError).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('wast parser: regressions found by the fuzzer', () => {
  it('a lone ";" is a token of its own (annotations use it), never an endless loop', () => {
    expect(() => parseScript('(module) ;)')).toThrow(/unexpected \)/);
    expect(
      parseScript('(module (@a , ; ] [ }} ;) (func))\n(assert_return (@x) (invoke "f"))'),
    ).toHaveLength(2);
  });
  it('annotations are dropped everywhere, quoted modules included; a control character in a token is illegal', () => {
    const cs = parseScript(
      '((@a) module (@a) $m (@a (b) "c") (func))\n(module quote "(@a x) (func)")',
    );
    expect(cs[0]).toMatchObject({ cmd: 'module', module: { name: '$m' } });
    expect((cs[0] as { module: { source: { text: string } } }).module.source.text).not.toMatch(/@/);
    expect((cs[1] as { module: { source: { text: string } } }).module.source.text).toBe(
      '(module        (func))',
    );
    expect(() => parseScript('(module (@a \u0001))')).toThrow(/illegal character/);
  });
  it('a script of bare module fields is one inline module', () => {
    expect(parseScript('(func) (memory 0) (func (export "f"))')).toEqual([
      {
        cmd: 'module',
        line: 1,
        module: {
          definition: false,
          source: { kind: 'text', text: '(module (func) (memory 0) (func (export "f")))' },
        },
      },
    ]);
  });
  it('a \\u escape outside Unicode is a syntax error', () => {
    expect(() => parseScript('(module (func (export "\\u{110000}")))')).toThrow(
      /not a Unicode scalar value/,
    );
  });
});
