import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SLOW_FIRST, slowFirst } from './slow-first.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('slow-first sequencer', () => {
  it('names test files that exist (a renamed file would silently lose its early start)', () => {
    for (const f of SLOW_FIRST) expect(existsSync(resolve(ROOT, f)), f).toBe(true);
  });

  it('puts the listed files first in list order and keeps the others in their order', () => {
    const files = ['a.test.ts', SLOW_FIRST[1]!, 'b.test.ts', SLOW_FIRST[0]!, 'c.test.ts'];
    expect(slowFirst(files, (f) => f)).toEqual([
      SLOW_FIRST[0],
      SLOW_FIRST[1],
      'a.test.ts',
      'b.test.ts',
      'c.test.ts',
    ]);
  });
});
