import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { sealEntry } from '../manifest/build.js';
import { applyKnownFailure, parseKnownFailures, unusedKnownFailures } from './known-failures.js';
import { filterMayMatchSuite, matchesFilter } from './select.js';
import { parseShard, shardOf } from './shard.js';
import { execArgvForTier } from './tiers.js';

const facts = { arch: 'arm64', os: 'linux', node: 'v22.23.3', tier: 'liftoff' };

describe('shards', () => {
  it('partition any list exactly (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 12 }),
        (items, n) => {
          const parts = Array.from({ length: n }, (_, i) =>
            shardOf(items, { index: i + 1, count: n }),
          );
          expect(parts.flat().length).toBe(items.length);
          expect(parts.flat().sort()).toEqual([...items].sort());
          // balanced: sizes differ by at most one
          const sizes = parts.map((p) => p.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
  it('parse i/n strictly', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1-2', '1/2/3'])
      expect(() => parseShard(bad)).toThrow(/--shard/);
  });
});

describe('known failures', () => {
  const list = parseKnownFailures(
    {
      format: 'icn-known-failures/v1',
      failures: [
        {
          id: 'wasm-spec/float_exprs::*',
          platform: { arch: ['arm64'], node: ['v22.*'] },
          reason: 'NaN sign on arm64',
        },
      ],
    },
    'kf.json',
  );
  const entry = (status: 'pass' | 'fail' | 'error') =>
    sealEntry({
      id: 'wasm-spec/float_exprs::c1',
      suite: 'wasm-spec',
      class: 'lc',
      tags: [],
      inputs: contentHash(DOMAIN.test, 'x'),
      outputs: {},
      status,
      reason: status === 'pass' ? undefined : 'bits differ',
    });

  it('turns fail into xfail and pass into xpass, leaves errors alone, and re-seals', () => {
    const x = applyKnownFailure(entry('fail'), list, facts);
    expect(x.status).toBe('xfail');
    expect(x.hash).not.toBe(entry('fail').hash);
    expect(applyKnownFailure(entry('pass'), list, facts).status).toBe('xpass');
    expect(applyKnownFailure(entry('error'), list, facts).status).toBe('error');
  });
  it('honours the platform scope (globs)', () => {
    expect(applyKnownFailure(entry('fail'), list, { ...facts, node: 'v20.20.2' }).status).toBe(
      'fail',
    );
    expect(applyKnownFailure(entry('fail'), list, { ...facts, arch: 'x64' }).status).toBe('fail');
  });
  it('reports entries that match no case', () => {
    expect(unusedKnownFailures(list, ['wasm-spec/other::c'], facts).map((k) => k.id)).toEqual([
      'wasm-spec/float_exprs::*',
    ]);
    expect(unusedKnownFailures(list, ['wasm-spec/float_exprs::c9'], facts)).toEqual([]);
    expect(unusedKnownFailures(list, ['vectors/jcs::a'], facts)).toEqual([]); // wasm-spec not selected: nothing to say
  });
  it('rejects unknown scope keys and fields', () => {
    expect(() =>
      parseKnownFailures(
        {
          format: 'icn-known-failures/v1',
          failures: [{ id: 'a/b', reason: 'a good reason', platform: { cpu: ['x'] } }],
        },
        'k',
      ),
    ).toThrow(/\$\.failures\[0\]\.platform\.cpu: unknown key/);
    expect(() =>
      parseKnownFailures(
        {
          format: 'icn-known-failures/v1',
          failures: [{ id: 'a/b', reason: 'a good reason', why: 1 }],
        },
        'k',
      ),
    ).toThrow(/\$\.failures\[0\]\.why: unknown field/);
  });
});

describe('tiers', () => {
  it('replaces tier pins of the parent and keeps its other flags', () => {
    expect(
      execArgvForTier('turbofan', ['--liftoff-only', '--stack-size=900', '--inspect=9229']),
    ).toEqual(['--stack-size=900', '--no-liftoff']);
    expect(execArgvForTier('default', ['--no-liftoff'])).toEqual([]);
  });
});

describe('which suites a filter can reach (a suite no filter reaches is not listed: no corpus needed)', () => {
  it('decides like matching the ids would', () => {
    expect(filterMayMatchSuite('vectors/jcs', 'vectors')).toBe(true);
    expect(filterMayMatchSuite('vectors/jcs', 'wasm-spec')).toBe(false);
    expect(filterMayMatchSuite('wasm-spec', 'wasm-spec')).toBe(true);
    expect(filterMayMatchSuite('wasm', 'wasm-spec')).toBe(false);
    expect(filterMayMatchSuite('*::dc', 'wasm-spec')).toBe(true);
    expect(filterMayMatchSuite('wasm-*', 'wasm-spec')).toBe(true);
    expect(filterMayMatchSuite('vectors/*', 'wasm-spec')).toBe(false);
  });
  it('never prunes a suite that has a matching id (property, pinned seed)', () => {
    const part = fc.constantFrom(
      'wasm-spec',
      'vectors',
      'wasm',
      'i32',
      'a',
      '*',
      '::',
      '/',
      'dc',
      '-',
    );
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 6 }),
        fc.array(part, { minLength: 1, maxLength: 4 }),
        (f, rest) => {
          const filter = f.join('');
          const id = `wasm-spec/${rest.join('').replace(/\*/g, 'x')}`;
          if (matchesFilter(id, filter))
            expect(filterMayMatchSuite(filter, 'wasm-spec')).toBe(true);
        },
      ),
      { seed: 1616, numRuns: 2000 },
    );
  });
});
