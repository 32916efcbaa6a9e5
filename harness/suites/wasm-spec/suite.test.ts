import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../wast/engine.js';
import { createWasmSpecSuite } from './suite.js';

const SPEC = join(process.cwd(), '..', 'shared', 'spec-tests');
const ctx = { repoRoot: process.cwd(), seed: 0n, tiers: ['default'], specTestsDir: SPEC };

describe.runIf(existsSync(SPEC))('wasm-spec suite', () => {
  it('lists every script × engine; raw advisory, the others LC', async () => {
    const s = createWasmSpecSuite();
    const cases = await s.list(ctx);
    expect(cases.length % Object.keys(ENGINES).length).toBe(0);
    expect(cases.length).toBeGreaterThanOrEqual(54 * 3);
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
  it('reads several spec directories (spec-tests and spec-tests-next) into one list of entries', async () => {
    const next = join(process.cwd(), '..', 'shared', 'spec-tests-next');
    if (!existsSync(next)) return;
    const s = createWasmSpecSuite();
    const both = await s.list({ ...ctx, specTestsDir: `${SPEC}:${next}` });
    const one = await s.list(ctx);
    expect(both.length).toBeGreaterThan(one.length);
    const spec = both.find((c) => c.id === 'wasm-spec/annotations::interp')!;
    const r = await s.run(spec, { ...ctx, specTestsDir: `${SPEC}:${next}` });
    expect(r.status).toBe('pass');
    expect(Number(r.outputs.passed)).toBeGreaterThan(60);
    await expect(s.list({ ...ctx, specTestsDir: `${SPEC}:${SPEC}` })).rejects.toThrow(/in two spec directories/);
  });
  it('has no cases without a spec directory', async () => {
    const s = createWasmSpecSuite();
    expect(await s.list({ ...ctx, specTestsDir: undefined, repoRoot: '/nonexistent/repo' })).toEqual([]);
  });
});
