/**
 * The generator makes valid dc / dc-float modules (our validator and V8 agree), covers what it
 * claims (traps of every kind, NaNs, out-of-fuel, stack exhaustion), and the differential run
 * finds no disagreement in a bounded run but does catch a deliberately injected bug in one engine.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModule } from '../../core/wasm/binary/encode.js';
import { COST_TABLE_V1 } from '../../core/wasm/cost-table.js';
import { validateModule } from '../../core/wasm/validate/validate.js';
import { DiffRunner, fuzzDiff, tapeArb } from './differential.js';
import { generate } from './gen.js';

const wasmValidate = (b: Uint8Array): boolean =>
  (
    globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }
  ).WebAssembly.validate(b);

/** Bounded differential cases in `npm test` (CI). */
const CI_RUNS = Number(process.env.ICN_FUZZ_DIFF_RUNS ?? 2000);

describe('differential generator', () => {
  it('every generated module is valid for its profile (our validator and V8)', () => {
    fc.assert(
      fc.property(tapeArb, fc.constantFrom('dc' as const, 'dc-float' as const), (tape, profile) => {
        const c = generate(tape, profile);
        const b = encodeModule(c.module);
        const v = validateModule(b, profile);
        if (!v.ok)
          throw new Error(
            `${profile}: ${v.violations
              .slice(0, 3)
              .map((x) => `${x.code} ${x.detail}`)
              .join('; ')}`,
          );
        expect(wasmValidate(b)).toBe(true);
      }),
      { numRuns: 1500, seed: 11 },
    );
  });

  it('an empty tape gives the smallest module', () => {
    const c = generate([], 'dc');
    expect(c.module.codes).toHaveLength(1);
    expect(c.module.codes[0]!.body).toEqual([]);
  });
});

describe('differential: V8 executor vs reference interpreter', () => {
  const runner = new DiffRunner();
  afterAll(() => runner.close());

  it(`${CI_RUNS} generated cases agree on every result field`, async () => {
    const outcomes: Record<string, number> = {};
    const r = await fuzzDiff({
      runs: CI_RUNS,
      seed: 20261122,
      onCase: (c) => {
        const k = 'result' in c.v8 ? (c.v8.result.trap ?? c.v8.result.outcome) : 'error';
        outcomes[k] = (outcomes[k] ?? 0) + 1;
      },
    });
    if (r.failed)
      throw new Error(
        `disagreement (seed ${r.seed}, path ${r.failure?.counterexamplePath}): ${r.failure?.report.diff.join('; ')}`,
      );
    expect(r.runs).toBe(CI_RUNS);
    // the generator reaches what it claims: completions, fuel and stack exhaustion and guest traps
    for (const k of [
      'completed',
      'out_of_fuel',
      'memory_oob',
      'div_by_zero',
      'indirect_call_mismatch',
      'unreachable',
    ])
      expect(outcomes[k] ?? 0, k).toBeGreaterThan(0);
    expect(outcomes.error ?? 0).toBe(0);
    // cases lost to the known V8-side fault (KNOWN_V8_FAULTS) stay rare
    expect(r.stats['unusable (known V8-side fault)'] ?? 0).toBeLessThan(CI_RUNS / 50);
  }, 600_000);

  it('catches a one-entry cost-table change in the interpreter only (i32.add costs 2)', async () => {
    const costTable = { ...COST_TABLE_V1, costs: { ...COST_TABLE_V1.costs, 'i32.add': 2 } };
    const r = await fuzzDiff({ runs: CI_RUNS, seed: 7, faults: { costTable }, shrink: false });
    expect(r.failed).toBe(true);
    expect(
      r.failure!.report.diff.some((d) => d.startsWith('fuelUsed') || d.startsWith('outcome')),
    ).toBe(true);
  }, 600_000);

  it('catches a NaN bug in the interpreter only (f32 NaNs with the sign bit set)', async () => {
    const r = await fuzzDiff({
      runs: CI_RUNS,
      seed: 8,
      profiles: ['dc-float'],
      faults: { nan32: 0xffc00000 | 0 },
      shrink: false,
    });
    expect(r.failed).toBe(true);
    expect(r.failure!.report.diff.some((d) => /returns|memoryHash|outputHash/.test(d))).toBe(true);
  }, 600_000);
});
