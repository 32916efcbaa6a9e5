/**
 * vitest sequencer: the few longest files start first, then vitest's own order (longest first by
 * the durations it cached from earlier runs, else the largest files first). On a clean clone there
 * is no cache: by size, harness/fuzz/gen.test.ts (one of the longest, a short file) started near
 * the end and ran alone for seconds while the other worker was idle. Order only: every file runs.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first (measured on 2 cores, 10-27 s each); scripts/vitest/slow-first.test.ts checks they exist. */
export const SLOW_FIRST: readonly string[] = [
  'harness/fuzz/gen.test.ts',
  'harness/runner/runner.test.ts',
  'core/icnctl/icnctl.test.ts',
  'core/wasm/interp/tiers.test.ts',
];

/** `files` with those in SLOW_FIRST first, in its order; the others keep their order. */
export function slowFirst<T>(files: readonly T[], path: (f: T) => string): T[] {
  const rank = (f: T): number => {
    const i = SLOW_FIRST.indexOf(path(f));
    return i < 0 ? SLOW_FIRST.length : i;
  };
  return files
    .map((f, i) => ({ f, i, r: rank(f) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.f);
}

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    return slowFirst(await super.sort(files), (f) =>
      relative(root, f.moduleId).split('\\').join('/'),
    );
  }
}
