import { describe, expect, it } from 'vitest';
import type { ViolationCode } from '../../core/wasm/errors.js';
import type { Violation } from '../../core/wasm/validate/validate.js';
import { foldViolations, grouped, violationLines, violationSummary } from './wasm-output.js';

const v = (code: ViolationCode, offset: number, detail: string, fn?: number): Violation => ({
  code,
  offset,
  detail,
  ...(fn === undefined ? {} : { function: fn }),
});

describe('violation text', () => {
  it('folds identical violations (code, offset, function, detail) with a count, in first-seen order', () => {
    const f = foldViolations([
      v('profile_float', 11, 'type 0: f64'),
      v('profile_simd', 20, 'x', 1),
      v('profile_float', 11, 'type 0: f64'),
      v('profile_float', 11, 'type 0: f64', 2),
    ]);
    expect(f.map((x) => [x.code, x.offset, x.function, x.count])).toEqual([
      ['profile_float', 11, undefined, 2],
      ['profile_simd', 20, 1, 1],
      ['profile_float', 11, 2, 1],
    ]);
  });
  it('summarises by kind, most frequent first, with grouped thousands', () => {
    const vs = [
      ...Array.from({ length: 1455 }, (_, i) => v('profile_float', i, 'f')),
      ...Array.from({ length: 674 }, (_, i) => v('profile_simd', i, 's')),
      v('start_function', 0, 'a'),
    ];
    expect(violationSummary(vs)).toBe(
      '2,130 violations: 1,455 profile_float, 674 profile_simd, 1 start_function',
    );
    expect(grouped(1234567)).toBe('1,234,567');
    expect(grouped(999)).toBe('999');
    const lines = violationLines(vs, 3);
    expect(lines[0]).toBe(
      '2,130 violations: 1,455 profile_float, 674 profile_simd, 1 start_function',
    );
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('  … 2,127 more distinct violations (--json lists all 2,130)');
  });
});
