import { describe, expect, it } from 'vitest';
import { sniff, topLevelHeads } from './sniff.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('input sniffing', () => {
  it('tells a binary module, a text module, a script and other files apart by content', () => {
    expect(sniff(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])).kind).toBe('wasm-binary');
    expect(sniff(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0]))).toEqual({ kind: 'binary-other' });
    expect(sniff(new Uint8Array(0)).kind).toBe('empty');
    expect(sniff(text('(module (func))')).kind).toBe('wat-module');
    expect(sniff(text('(func (export "f"))\n(memory 1)')).kind).toBe('wat-module'); // bare module fields
    expect(sniff(text('(module)\n(assert_return (invoke "f"))'))).toEqual({
      kind: 'wast-script',
      forms: 2,
    });
    expect(sniff(text('(module $a)\n(module $b)')).kind).toBe('wast-script');
  });
  it('skips comments and strings when reading top-level heads', () => {
    expect(
      topLevelHeads(';; (assert_return\n(; (register ;) (module (data "(assert_trap \\" (")) ;; x'),
    ).toEqual(['module']);
    expect(topLevelHeads('(module (; nested (; deep ;) ;) (func))(register "m")')).toEqual([
      'module',
      'register',
    ]);
  });
});
