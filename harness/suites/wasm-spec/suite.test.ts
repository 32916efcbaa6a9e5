import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { specCorpusForTests } from '../../../core/wasm/binary/spec-corpus.js';
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../wast/engine.js';
import { createWasmSpecSuite } from './suite.js';

// The corpus through the one resolver (fetched copy or ../shared; on CI its absence fails).
const corpus = specCorpusForTests();
const ctx = {
  repoRoot: process.cwd(),
  seed: 0n,
  tiers: ['default'],
  specTestsDir: corpus?.dirs.join(delimiter),
};

describe.runIf(corpus !== undefined)('wasm-spec suite', () => {
  it('lists every script × engine; raw advisory, the others LC', async () => {
    const s = createWasmSpecSuite();
    const cases = await s.list(ctx);
    expect(cases.length % Object.keys(ENGINES).length).toBe(0);
    expect(cases.length).toBe(124 * 4);
    expect(cases.find((c) => c.id === 'wasm-spec/i32::raw')?.class).toBe('advisory');
    expect(cases.find((c) => c.id === 'wasm-spec/i32::dc')?.class).toBe('lc');
    expect(cases.find((c) => c.id === 'wasm-spec/f32::dc-float')?.class).toBe('lc');
  });
  it('runs one case into counts and an outcome hash, the same twice', async () => {
    const s = createWasmSpecSuite();
    const spec = (await s.list(ctx)).find((c) => c.id === 'wasm-spec/i32::dc')!;
    const a = await s.run(spec, ctx);
    const b = await s.run(spec, ctx);
    expect(a.status).toBe('pass');
    expect(a.outputs).toMatchObject({ failed: '0', skipped: '0' });
    expect(Number(a.outputs.passed)).toBeGreaterThan(400);
    expect(a.outputs.outcomes).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b).toEqual(a);
  });
  it('without a spec corpus: an error naming where it looked and the fix, never an empty suite', async () => {
    const s = createWasmSpecSuite();
    const saved = process.env.ICN_SPEC_TESTS;
    delete process.env.ICN_SPEC_TESTS;
    const bare = mkdtempSync(join(tmpdir(), 'icn-bare-'));
    mkdirSync(join(bare, 'repo', 'vectors', 'wasm-spec'), { recursive: true });
    copyFileSync(
      join(process.cwd(), 'vectors/wasm-spec/corpus.json'),
      join(bare, 'repo', 'vectors/wasm-spec/corpus.json'),
    );
    try {
      await expect(
        s.list({ ...ctx, specTestsDir: undefined, repoRoot: join(bare, 'repo') }),
      ).rejects.toThrow(
        /no spec corpus found \(looked at .*\.cache\/spec-tests\/193e551ff22663995b1ac95dc62344133669e14b \(absent\).*npm run spec-tests:fetch/,
      );
    } finally {
      if (saved !== undefined) process.env.ICN_SPEC_TESTS = saved;
    }
  });
  it('records the pinned corpus: WebAssembly/testsuite at the pinned commit', async () => {
    const r = createWasmSpecSuite().corpus!(ctx);
    expect(r).toMatchObject({
      repository: 'WebAssembly/testsuite',
      commit: '193e551ff22663995b1ac95dc62344133669e14b',
    });
    expect(r.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
