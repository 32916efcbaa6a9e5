import { describe, expect, it } from 'vitest';
import type { CaseSpec } from '../suites/types.js';
import { costHint, nextCase, poolOrder, type HandOut } from './schedule.js';

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

describe('hand-out with suite affinity', () => {
  const c = (id: string, batch?: string): CaseSpec => ({
    id,
    suite: id.split('/')[0]!,
    class: 'lc',
    tags: [],
    ...(batch ? { batch } : {}),
  });
  const queue = [
    c('nasties/t1', 'tier'),
    c('scenarios/long'),
    c('nasties/t2', 'tier'),
    c('scenarios/short'),
    c('wasm-spec/a'),
    c('vectors/v'),
  ];

  it('keeps a worker on its suite, sends the other to a suite nobody is on, respects batches', () => {
    const h: HandOut = { batchOwner: new Map(), home: new Map() };
    const take = (w: number): string | undefined => {
      const i = nextCase(q, w, h);
      if (i < 0) return undefined;
      const [s] = q.splice(i, 1);
      if (s!.batch) h.batchOwner.set(s!.batch, w);
      h.home.set(w, s!.suite);
      return s!.id;
    };
    const q = [...queue];
    expect(take(0)).toBe('nasties/t1'); // the longest first
    expect(take(1)).toBe('scenarios/long'); // t2 is worker 0's batch
    expect(take(1)).toBe('scenarios/short'); // its own suite before an earlier one
    expect(take(0)).toBe('nasties/t2');
    expect(take(0)).toBe('wasm-spec/a'); // nasties done: a suite no one is on
    expect(take(1)).toBe('vectors/v'); // scenarios done: the first free case
    expect(take(0)).toBeUndefined();
    expect(q).toEqual([]);
  });

  it('without homes, hands out in queue order', () => {
    const h: HandOut = { batchOwner: new Map(), home: new Map() };
    expect(nextCase(queue, 0, h)).toBe(0);
    h.batchOwner.set('tier', 1);
    expect(nextCase(queue, 0, h)).toBe(1);
  });
});
