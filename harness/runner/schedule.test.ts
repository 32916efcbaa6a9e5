import { describe, expect, it } from 'vitest';
import type { CaseSpec } from '../suites/types.js';
import { costHint, poolOrder } from './schedule.js';

const spec = (id: string): { spec: CaseSpec } => ({
  spec: { id, suite: id.split('/')[0]!, class: 'lc', tags: [] },
});

describe('pool order (issue 19)', () => {
  it('hands out the nasties tier batch, then the longest scenarios, then the short cases', () => {
    const ids = [
      'vectors/a::x',
      'nasties/iteration_order::trust',
      'nasties/fuel::loop_exact/raw/default',
      'wasm-spec/const::raw',
      'scenarios/two-node-deploy::seed-1',
      'scenarios/deploy-flood::seed-1',
      'wasm-spec/const::dc',
      'nasties/fuel::loop_exact/dc/default',
    ];
    expect(poolOrder(ids.map(spec)).map((c) => c.spec.id)).toEqual([
      'nasties/fuel::loop_exact/raw/default',
      'nasties/fuel::loop_exact/dc/default',
      'scenarios/deploy-flood::seed-1',
      'nasties/iteration_order::trust',
      'scenarios/two-node-deploy::seed-1',
      'wasm-spec/const::raw',
      'wasm-spec/const::dc',
      'vectors/a::x',
    ]);
  });

  it('keeps every case exactly once, equal estimates in run order', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `vectors/v::${i}`);
    expect(poolOrder(ids.map(spec)).map((c) => c.spec.id)).toEqual(ids);
    expect(costHint('unknown/x')).toBe(10);
  });
});
