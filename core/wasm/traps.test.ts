import { describe, expect, it } from 'vitest';
import { TRAPS, trapFromIcnCode, trapFromV8Message, trapsForSpecMessage } from './traps.js';

describe('trap mapping', () => {
  it('maps V8 messages of Node 20 and Node 22, with and without the API prefix', () => {
    expect(trapFromV8Message('unreachable')).toBe('unreachable');
    expect(trapFromV8Message('memory access out of bounds')).toBe('memory_oob');
    expect(trapFromV8Message('WebAssembly.Instance(): data segment is out of bounds')).toBe(
      'memory_oob',
    ); // Node 20
    expect(trapFromV8Message('WebAssembly.Instance(): data segment 0 is out of bounds')).toBe(
      'memory_oob',
    ); // Node 22
    expect(trapFromV8Message('divide by zero')).toBe('div_by_zero');
    expect(trapFromV8Message('remainder by zero')).toBe('div_by_zero');
    expect(trapFromV8Message('divide result unrepresentable')).toBe('int_overflow');
    // V8's one message for NaN and out of range: out of range (NaN is caught first by the dc instrumentation)
    expect(trapFromV8Message('float unrepresentable in integer range')).toBe('int_overflow');
    expect(trapFromIcnCode(5)).toBe('invalid_conversion');
    expect(trapFromV8Message('null function or function signature mismatch')).toBe(
      'indirect_call_mismatch',
    );
    expect(trapFromV8Message('table index is out of bounds')).toBe('table_oob');
    expect(trapFromV8Message('Maximum call stack size exceeded')).toBeUndefined();
    expect(trapFromV8Message('something new')).toBeUndefined();
  });
  it('maps __icn_trap codes; 3 (grow failed below the cap) is not a trap', () => {
    expect([1, 2, 4].map(trapFromIcnCode)).toEqual([
      'out_of_fuel',
      'stack_exhausted',
      'bulk_limit',
    ]);
    expect(trapFromIcnCode(3)).toBeUndefined();
    expect(trapFromIcnCode(0)).toBeUndefined();
  });
  it('spec messages name traps of the enum', () => {
    expect(trapsForSpecMessage('out of bounds memory access')).toEqual(['memory_oob']);
    expect(trapsForSpecMessage('uninitialized element 2')).toContain('indirect_call_mismatch');
    for (const m of [
      'unreachable',
      'integer divide by zero',
      'integer overflow',
      'invalid conversion to integer',
      'undefined element',
      'indirect call type mismatch',
    ]) {
      for (const t of trapsForSpecMessage(m)!) expect(TRAPS).toContain(t);
    }
  });
});
