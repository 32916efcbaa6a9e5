import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('one seed reproduces every stream; streams are independent of each other', () => {
    const a = Rng.root(42n);
    const b = Rng.root(42n);
    const na = a.stream('network');
    const nb = b.stream('network');
    b.stream('faults').nextU32(); // drawing from another stream changes nothing
    expect(Array.from({ length: 20 }, () => na.nextU32())).toEqual(
      Array.from({ length: 20 }, () => nb.nextU32()),
    );
    expect(Rng.root(42n).stream('network').nextU32()).not.toBe(
      Rng.root(43n).stream('network').nextU32(),
    );
    expect(Rng.root(1n).stream('a').stream('b').name).toBe('a/b');
  });

  it('pins its output (a change here changes every seeded run)', () => {
    const r = Rng.root(0n).stream('pin');
    expect([r.nextU32(), r.nextU32(), r.nextU32()]).toMatchInlineSnapshot(`
      [
        2846838258,
        1236589577,
        4018485114,
      ]
    `);
  });

  it('below(n) stays in range and covers it', () => {
    const r = Rng.root(7n).stream('below');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = r.below(10);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(10);
      seen.add(x);
    }
    expect(seen.size).toBe(10);
    expect(() => r.below(0)).toThrow(/below\(0\)/);
    expect(() => Rng.root(-1n)).toThrow(/outside/);
  });

  it('shuffle is a permutation', () => {
    const r = Rng.root(3n).stream('shuffle');
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const s = r.shuffle(xs);
    expect([...s].sort((a, b) => a - b)).toEqual(xs);
    expect(s).not.toEqual(xs);
  });
});
