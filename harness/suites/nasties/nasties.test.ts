import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { watToWasm } from '../../../core/wasm/wat.js';
import type { Manifest, ManifestEntry } from '../../manifest/types.js';
import { checkDivergences, divergenceReport, type PlatformManifest } from './divergences.js';
import { runJobs, type ChildJob } from './jobs.js';
import { checkSpec, entryId, loadNasties, parseEntryId, TIERS, type LoadedNasty, type NastySpec } from './spec.js';
import { runIterationOrder } from './iteration-order.js';
import { judgeDc } from './suite.js';
import { childFlags, relaxedSimdEnabled, runTierChild, RELAXED_SIMD_FLAG } from './tier-runner.js';

const repo = join(import.meta.dirname, '..', '..', '..');

const minimal = (over: Partial<NastySpec> = {}): NastySpec => ({
  format: 'icn-nasty/v1',
  name: 'demo',
  targets: 'x',
  module: 'demo.wat',
  cases: [{ name: 'c1', invoke: 'f', args: [], raw: { divergences: [{ between: 'arch', how: 'differs' }] }, dc: { outputHash: null }, 'dc-float': { rejected: 'profile_float' } }],
  ...over,
});

describe('nasty specs', () => {
  it('loads every nasty of the repository, each raw case with divergences or a reason for none', () => {
    const ns = loadNasties(repo);
    expect(ns.map((n) => n.spec.name)).toEqual(expect.arrayContaining(['fuel', 'host', 'mem_grow', 'nan_payload', 'simd', 'stack']));
    for (const n of ns) expect(n.spec.cases.length).toBeGreaterThanOrEqual(3);
  });

  it('rejects a raw case that neither lists divergences nor says why there are none', () => {
    const s = minimal();
    delete s.cases[0]!.raw;
    expect(() => checkSpec(s, 'x.json')).toThrow(/\$\.cases\[0\]\.raw/);
    expect(() => checkSpec({ ...minimal(), cases: [{ ...minimal().cases[0]!, raw: { divergences: [{ between: 'planet', how: 'x' }] } }] }, 'x.json')).toThrow(/between/);
    expect(() => checkSpec({ ...minimal(), format: 'nope' }, 'x.json')).toThrow(/format/);
    expect(() => checkSpec({ ...minimal(), cases: [minimal().cases[0]!, minimal().cases[0]!] }, 'x.json')).toThrow(/duplicate/);
    expect(checkSpec(minimal(), 'x.json').name).toBe('demo');
  });

  it('entry ids round-trip', () => {
    for (const t of TIERS) expect(parseEntryId(entryId('nan_payload', 'f32_0_div_0', 'dc-float', t))).toEqual({ nasty: 'nan_payload', case: 'f32_0_div_0', profile: 'dc-float', tier: t });
    expect(parseEntryId('nasties/iteration_order::ledger')).toBeUndefined();
  });

  it('every divergence the issue requires is listed', () => {
    const ns = loadNasties(repo);
    const has = (nasty: string, c: string, between: string, arch?: string) =>
      ns.find((n) => n.spec.name === nasty)!.spec.cases.find((x) => x.name === c)!.raw!.divergences!.some((d) => d.between === between && (!arch || (d.arches ?? ['x64', 'arm64']).includes(arch)));
    expect(has('nan_payload', 'f32_0_div_0', 'arch')).toBe(true);
    expect(has('nan_payload', 'f32_add_nan_nan_ab', 'tier', 'x64')).toBe(true);
    expect(has('simd', 'relaxed_trunc_s', 'arch')).toBe(true);
    expect(has('stack', 'small_frames_unbounded', 'arch')).toBe(true);
    expect(has('stack', 'small_frames_unbounded', 'tier')).toBe(true);
  });
});

describe('judgeDc', () => {
  const ok = { outcome: 'completed' as const, outputs: { outcome: 'completed', returns: 'i32:0x7fc00000', outputHash: 'sha256:aa', fuelUsed: '7' } };
  it('passes only on the pinned hash and listed fields', () => {
    expect(judgeDc({ outputHash: 'sha256:aa', returns: ['i32:0x7fc00000'], fuelUsed: '7' }, ok)).toEqual({ ok: true });
    expect(judgeDc({ outputHash: 'sha256:bb' }, ok).ok).toBe(false);
    expect(judgeDc({ outputHash: 'sha256:aa', fuelUsed: '8' }, ok).reason).toMatch(/fuelUsed/);
    expect(judgeDc({ outputHash: null }, ok).reason).toMatch(/no pinned/);
    expect(judgeDc(undefined, ok).ok).toBe(false);
  });
  it('a rejection must name the listed violation', () => {
    const rej = { outcome: 'rejected' as const, outputs: { outcome: 'rejected', violations: 'profile_float profile_simd' } };
    expect(judgeDc({ rejected: 'profile_simd' }, rej).ok).toBe(true);
    expect(judgeDc({ rejected: 'profile_import' }, rej).ok).toBe(false);
    expect(judgeDc({ rejected: 'profile_simd' }, ok).ok).toBe(false);
    expect(judgeDc({ outputHash: 'sha256:aa' }, rej).ok).toBe(false);
  });
});

// ---- divergence checking over synthetic manifests -------------------------------------------

function manifest(arch: string, node: string, outputs: Record<string, Record<string, string>>): PlatformManifest {
  const entries = Object.entries(outputs).map(([id, o]) => ({ id, suite: 'nasties', class: 'advisory', tags: [], inputs: 'sha256:00', outputs: o, status: 'pass', hash: 'sha256:00' }) as unknown as ManifestEntry);
  return { name: `${arch}-node${node}`, manifest: { platform: { arch, node: `v${node}` }, entries } as unknown as Manifest };
}

const demo = (divergences: NastySpec['cases'][0]['raw']): LoadedNasty[] => [
  { spec: checkSpec({ ...minimal(), cases: [{ ...minimal().cases[0]!, raw: divergences }] }, 'demo.json'), dir: 'nasties/demo', file: 'nasties/demo/demo.json' },
];
const id = (t: string) => entryId('demo', 'c1', 'raw', t as never);
const all = (v: string) => Object.fromEntries(TIERS.map((t) => [id(t), { returns: v }]));

describe('checkDivergences', () => {
  it('arch: detected when x64 and arm64 differ in every tier, vanished when one tier agrees', () => {
    const n = demo({ divergences: [{ between: 'arch', how: 'sign', values: { x64: 'i32:0xffc00000', arm64: 'i32:0x7fc00000' } }] });
    const x = manifest('x64', '22.23.3', all('i32:0xffc00000'));
    const a = manifest('arm64', '22.23.3', all('i32:0x7fc00000'));
    expect(checkDivergences(n, [x, a])[0]!.verdict).toBe('detected');
    const a2 = manifest('arm64', '22.23.3', { ...all('i32:0x7fc00000'), [id('turbofan')]: { returns: 'i32:0xffc00000' } });
    const r = checkDivergences(n, [x, a2])[0]!;
    expect(r.verdict).toBe('vanished');
    expect(r.instances.filter((i) => !i.detected).map((i) => i.where)).toEqual(['node 22, tier turbofan: x64 vs arm64']);
    expect(checkDivergences(n, [x])[0]!.verdict).toBe('unchecked');
    expect(divergenceReport(checkDivergences(n, [x, a2]), ['x', 'a'])).toMatch(/VANISHED/);
  });

  it('arch with listed values: a different divergence than the listed one is not a detection', () => {
    const n = demo({ divergences: [{ between: 'arch', how: 'sign', values: { x64: 'i32:0xffc00000', arm64: 'i32:0x7fc00000' } }] });
    const r = checkDivergences(n, [manifest('x64', '22.0.0', all('i32:0x1')), manifest('arm64', '22.0.0', all('i32:0x2'))])[0]!;
    expect(r.verdict).toBe('vanished');
  });

  it('tier: scoped to an arch and Node major', () => {
    const n = demo({ divergences: [{ between: 'tier', arches: ['x64'], nodes: ['20'], tiers: ['liftoff', 'turbofan'], how: 'operand order' }] });
    const split = { ...all('a'), [id('turbofan')]: { returns: 'b' } };
    expect(checkDivergences(n, [manifest('x64', '20.20.2', split), manifest('arm64', '20.20.2', all('a'))])[0]!.verdict).toBe('detected');
    expect(checkDivergences(n, [manifest('x64', '20.20.2', all('a'))])[0]!.verdict).toBe('vanished');
    expect(checkDivergences(n, [manifest('x64', '22.23.3', all('a'))])[0]!.verdict).toBe('unchecked');
  });

  it('node: needs two Node majors on one arch', () => {
    const n = demo({ divergences: [{ between: 'node', arches: ['x64'], tiers: ['turbofan'], how: 'changed' }] });
    expect(checkDivergences(n, [manifest('x64', '20.1.0', all('a')), manifest('x64', '22.1.0', all('b'))])[0]!.verdict).toBe('detected');
    expect(checkDivergences(n, [manifest('x64', '20.1.0', all('a')), manifest('x64', '22.1.0', all('a'))])[0]!.verdict).toBe('vanished');
    expect(checkDivergences(n, [manifest('x64', '22.1.0', all('a'))])[0]!.verdict).toBe('unchecked');
  });

  it('a missing output never counts as detected (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }), { minLength: 6, maxLength: 6 }), (vals) => {
        const n = demo({ divergences: [{ between: 'arch', how: 'x' }] });
        const mk = (arch: string, off: number) =>
          manifest(arch, '22.0.0', Object.fromEntries(TIERS.flatMap((t, i) => (vals[off + i] === undefined ? [] : [[id(t), { returns: vals[off + i]! }]]))));
        const r = checkDivergences(n, [mk('x64', 0), mk('arm64', 3)])[0]!;
        const expected = TIERS.every((_, i) => vals[i] !== undefined && vals[3 + i] !== undefined && vals[i] !== vals[3 + i]);
        expect(r.verdict === 'detected').toBe(expected);
      }),
    );
  });
});

// ---- real runs (native: this machine's arch) -------------------------------------------------

async function job(nasty: string, c: string, profile: 'raw' | 'dc' | 'dc-float'): Promise<ChildJob> {
  const n = loadNasties(repo).find((x) => x.spec.name === nasty)!;
  const kase = n.spec.cases.find((x) => x.name === c)!;
  const wat = readFileSync(join(repo, n.dir, kase.module ?? n.spec.module), 'utf8');
  return { key: `${c}/${profile}`, module: Buffer.from(await watToWasm(wat)).toString('hex'), case: kase, profile };
}

describe('nasties on this machine', () => {
  it('dc-float canonicalizes the NaN that raw V8 leaves platform-specific; dc rejects floats', async () => {
    const jobs = [await job('nan_payload', 'f32_0_div_0', 'raw'), await job('nan_payload', 'f32_0_div_0', 'dc-float'), await job('nan_payload', 'f32_0_div_0', 'dc')];
    const r = await runJobs(jobs);
    expect(r['f32_0_div_0/raw']!.outputs.returns).toBe(process.arch === 'arm64' ? 'i32:0x7fc00000' : 'i32:0xffc00000');
    expect(r['f32_0_div_0/dc-float']!.outputs.returns).toBe('i32:0x7fc00000');
    expect(r['f32_0_div_0/dc']!.outputs.violations).toContain('profile_float');
    const pinned = loadNasties(repo).find((x) => x.spec.name === 'nan_payload')!.spec.cases.find((x) => x.name === 'f32_0_div_0')!['dc-float'];
    expect(judgeDc(pinned as never, r['f32_0_div_0/dc-float']!)).toEqual({ ok: true });
  });

  it('fuel: exactly the used fuel completes, one less traps out_of_fuel', async () => {
    const r = (await runJobs([await job('fuel', 'loop_exact', 'dc')]))['loop_exact/dc']!;
    expect(r.outcome).toBe('completed');
    expect(r.outputs.atExactFuel).toBe('completed');
    expect(r.outputs.atFuelMinusOne).toBe('out_of_fuel');
    expect(BigInt(r.outputs.fuelUsed!)).toBeGreaterThan(1000n);
  });

  it('host: the entropy seed is a function of the task inputs only', async () => {
    const r = await runJobs(await Promise.all(['entropy_a', 'entropy_a_again', 'entropy_other_args', 'entropy_other_time'].map((c) => job('host', c, 'dc'))));
    const h = (c: string) => r[`${c}/dc`]!.outputs.returns;
    expect(h('entropy_a')).toBe(h('entropy_a_again'));
    expect(h('entropy_a')).not.toBe(h('entropy_other_args'));
    expect(h('entropy_a')).not.toBe(h('entropy_other_time'));
  });

  it('children pinned to Liftoff and TurboFan disagree on NaN operand order on x86_64, and on native stack depth', async () => {
    const jobs = [await job('nan_payload', 'f32_add_nan_nan_ab', 'raw'), await job('nan_payload', 'f32_add_nan_nan_ab', 'dc-float'), await job('stack', 'small_frames_unbounded', 'raw'), await job('stack', 'small_frames_unbounded', 'dc')];
    const [lo, tf] = await Promise.all([runTierChild('liftoff', jobs, repo), runTierChild('turbofan', jobs, repo)]);
    expect(lo.execArgv).toContain('--liftoff-only');
    expect(tf.execArgv).toContain('--no-liftoff');
    if (process.arch === 'x64') expect(lo.results['f32_add_nan_nan_ab/raw']!.outputs.returns).not.toBe(tf.results['f32_add_nan_nan_ab/raw']!.outputs.returns);
    expect(lo.results['f32_add_nan_nan_ab/dc-float']!.outputs.outputHash).toBe(tf.results['f32_add_nan_nan_ab/dc-float']!.outputs.outputHash);
    expect(lo.results['small_frames_unbounded/raw']!.outputs.nativeDepth).not.toBe(tf.results['small_frames_unbounded/raw']!.outputs.nativeDepth);
    expect(lo.results['small_frames_unbounded/dc']!.outputs.trap).toBe('stack_exhausted');
    expect(lo.results['small_frames_unbounded/dc']!.outputs.outputHash).toBe(tf.results['small_frames_unbounded/dc']!.outputs.outputHash);
  }, 120_000);

  it('relaxed SIMD flag: added only when this V8 needs it', () => {
    expect(childFlags('liftoff').includes(RELAXED_SIMD_FLAG)).toBe(!relaxedSimdEnabled());
    expect(childFlags('turbofan', ['--liftoff-only', '--stack-size=900'])).toEqual(expect.arrayContaining(['--no-liftoff', '--stack-size=900']));
    expect(childFlags('turbofan', ['--liftoff-only'])).not.toContain('--liftoff-only');
  });

  it('iteration order: one root over 1,000 orders, the same root for another seed', async () => {
    for (const c of ['ccl_values', 'contract_state', 'trust']) {
      const a = await runIterationOrder(c, { repoRoot: repo, seed: 1n, tiers: [] });
      const b = await runIterationOrder(c, { repoRoot: repo, seed: 99n, tiers: [] });
      expect(a.status, c).toBe('pass');
      expect(a.outputs.orders).toBe('1000');
      expect(b.outputs.root).toBe(a.outputs.root);
    }
    await expect(runIterationOrder('nope', { repoRoot: repo, seed: 1n, tiers: [] })).rejects.toThrow(/no iteration-order component/);
  }, 120_000);
});
