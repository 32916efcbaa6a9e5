/**
 * Tests find the spec corpus through the one resolver: the fetched copy counts, and on CI a corpus
 * that cannot be found fails the test instead of skipping it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specCorpusForTests } from './spec-corpus.js';

const COMMIT = 'b'.repeat(40);

/** A repository root (nothing beside it) pinning one script, and where spec-tests:fetch would put it. */
function fresh(): { root: string; cache: string } {
  const base = mkdtempSync(join(tmpdir(), 'icn-tests-corpus-'));
  const root = join(base, 'repo');
  mkdirSync(join(root, 'vectors', 'wasm-spec'), { recursive: true });
  const text = '(module)\n';
  const pin = {
    format: 'icn-spec-corpus/v1',
    repository: 'example/testsuite',
    commit: COMMIT,
    license: 'Apache-2.0',
    sets: { core: '' },
    enabled: ['core'],
    files: [
      { path: 'a.wast', set: 'core', sha256: createHash('sha256').update(text).digest('hex') },
    ],
  };
  writeFileSync(join(root, 'vectors/wasm-spec/corpus.json'), JSON.stringify(pin));
  const cache = join(base, 'cache');
  mkdirSync(join(cache, 'spec-tests', COMMIT), { recursive: true });
  writeFileSync(join(cache, 'spec-tests', COMMIT, 'a.wast'), text);
  return { root, cache };
}

describe('specCorpusForTests', () => {
  it('finds the fetched copy ($ICN_CACHE_DIR) and gives the verified script list', () => {
    const { root, cache } = fresh();
    const c = specCorpusForTests({ ICN_CACHE_DIR: cache }, root);
    expect(c?.source).toBe('fetched copy');
    expect(c?.scripts.map((s) => [s.path, s.file])).toEqual([
      ['a.wast', join(cache, 'spec-tests', COMMIT, 'a.wast')],
    ]);
  });
  it('no corpus: undefined (skip) on a developer machine, an error naming the fix on CI', () => {
    const { root } = fresh();
    expect(specCorpusForTests({}, root)).toBeUndefined();
    expect(() => specCorpusForTests({ CI: 'true' }, root)).toThrow(
      /spec corpus is required on CI .*no spec corpus found .*npm run spec-tests:fetch/,
    );
  });
  it('a corpus that is not the pinned one fails on CI too', () => {
    const { root, cache } = fresh();
    writeFileSync(join(cache, 'spec-tests', COMMIT, 'a.wast'), '(module $x)\n');
    expect(specCorpusForTests({ ICN_CACHE_DIR: cache }, root)).toBeUndefined();
    expect(() => specCorpusForTests({ ICN_CACHE_DIR: cache, CI: 'true' }, root)).toThrow(
      /changed a\.wast/,
    );
  });
});
