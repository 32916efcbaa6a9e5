import { describe, expect, it } from 'vitest';
import {
  applyRunJit,
  coresSaturated,
  RUN_JIT_ENV,
  SATURATED_INTERRUPT_BUDGET,
  tuneJitForRun,
} from './jit.js';

describe('JIT budget for saturated runs', () => {
  it('applies only when every core runs a worker, never to a single worker', () => {
    expect(coresSaturated(1, 1)).toBe(false); // one worker: nothing to compete with
    expect(coresSaturated(1, 2)).toBe(false);
    expect(coresSaturated(2, 2)).toBe(true);
    expect(coresSaturated(3, 2)).toBe(true);
    expect(coresSaturated(2, 4)).toBe(false); // two cores left for V8's threads
  });

  it('a fork applies the budget it is given and refuses a malformed one', () => {
    expect(() => applyRunJit({})).not.toThrow(); // unset: V8's default stays
    expect(() => applyRunJit({ [RUN_JIT_ENV]: '67584' })).not.toThrow(); // V8's own default
    for (const bad of ['0', '-1', '1e6', '', '12345678901', '270336 --allow-natives-syntax'])
      expect(() => applyRunJit({ [RUN_JIT_ENV]: bad }), bad).toThrow(/not a positive integer/);
  });

  it("the CLI owns the variable: set for saturated runs, a caller's value never forwarded", () => {
    const saved = process.env[RUN_JIT_ENV];
    try {
      process.env[RUN_JIT_ENV] = 'not a number'; // from the caller's environment
      tuneJitForRun(2, 4); // a core to spare: forks get V8's default
      expect(process.env[RUN_JIT_ENV]).toBeUndefined();
      process.env[RUN_JIT_ENV] = '1';
      tuneJitForRun(2, 2);
      expect(process.env[RUN_JIT_ENV]).toBe(String(SATURATED_INTERRUPT_BUDGET));
    } finally {
      applyRunJit({ [RUN_JIT_ENV]: '67584' }); // V8's default again: this process runs other files
      if (saved === undefined) delete process.env[RUN_JIT_ENV];
      else process.env[RUN_JIT_ENV] = saved;
    }
  });
});
