/**
 * First-divergence localisation: a hand-made divergence in a copy is found at its entry and, for a
 * traced entry, at its first differing step; three-way diffs say which sides agree; advisory and
 * expected divergences are listed apart and never fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentHash, DOMAIN, type Hash } from '../../core/hash/index.js';
import {
  buildManifest,
  computeRoot,
  entryHash,
  manifestSeal,
  sealEntry,
  traceRoot,
} from './build.js';
import { diffMany, diffTree } from './diff.js';
import { firstTraceDivergence } from './trace.js';
import type { EntryTrace, Manifest, ManifestEntry, PlatformFingerprint } from './types.js';

const BIN = resolve(import.meta.dirname, '../../bin/icn-harness.js');
const h = (s: string): Hash => contentHash(DOMAIN.test, s);
const platform = (arch: string): PlatformFingerprint => ({
  arch,
  os: 'linux',
  node: 'v20.20.2',
  v8: '11.3',
  v8Flags: [],
  tier: 'default',
  cpuFeatures: [],
});

/** A 1000-step trace, checkpoint every 100; from `divergeAt` on the state takes another path. */
function trace(divergeAt = Infinity, tag = 'b'): EntryTrace {
  let state = h('genesis');
  const checkpoints = [];
  for (let step = 100; step <= 1000; step += 100) {
    state = h(`${state}|${step}|${step >= divergeAt ? tag : ''}`);
    checkpoints.push({ step, hash: state });
  }
  return { root: traceRoot(1000, checkpoints), steps: 1000, checkpoints };
}

function entry(id: string, cls: 'lc' | 'advisory', out: string, t?: EntryTrace): ManifestEntry {
  return sealEntry({
    id,
    suite: id.slice(0, id.indexOf('/')),
    class: cls,
    tags: [],
    inputs: h(id),
    outputs: { out },
    status: 'pass',
    ...(t ? { trace: t } : {}),
  });
}

function manifest(
  arch: string,
  opts: { simDiverge?: number; out?: string; adv?: string } = {},
): Manifest {
  return buildManifest({
    entries: [
      entry('scenarios/gossip::partition', 'lc', 'ok', trace(opts.simDiverge)),
      entry('vectors/jcs::one', 'lc', opts.out ?? '1'),
      entry('nasties/f32-nan::raw', 'advisory', opts.adv ?? '0x7fc00000'),
    ],
    platform: platform(arch),
    generator: { name: 'icn-harness', version: 't' },
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'icn-diff-'));
});
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const write = (name: string, m: Manifest) =>
  writeFileSync(join(dir, name), JSON.stringify(m, null, 2));

describe('trace bisection', () => {
  it('finds the first differing checkpoint for any divergence point (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 2, max: 4 }), (k, sides) => {
        const at = k * 100;
        const traces = [
          trace(),
          ...Array.from({ length: sides - 1 }, (_, i) => (i === 0 ? trace(at) : trace())),
        ];
        const d = firstTraceDivergence(traces)!;
        expect(d.firstDifferingStep).toBe(at);
        expect(d.lastCommonStep).toBe(at === 100 ? null : at - 100);
        expect(d.groups).toEqual([[0, ...Array.from({ length: sides - 2 }, (_, i) => i + 2)], [1]]);
        expect(d.probes).toBeLessThanOrEqual(5); // log2(10) + 1: bisected, not scanned
      }),
    );
  });
  it('identical traces and missing traces give nothing', () => {
    expect(firstTraceDivergence([trace(), trace()])).toBeUndefined();
    expect(firstTraceDivergence([trace(), undefined])).toBeUndefined();
  });
  it('traces that agree on every checkpoint but not in length report the tail', () => {
    const a = trace();
    const b = { ...a, steps: 1001, root: h('other') };
    expect(firstTraceDivergence([a, b])).toMatchObject({
      lastCommonStep: 1000,
      firstDifferingStep: null,
      steps: [1000, 1001],
    });
  });
});

describe('icn-harness diff A B [C]', () => {
  it('localises a hand-made divergence to the entry and the first differing step, three ways', () => {
    write('x86.json', manifest('x64'));
    write('arm.json', manifest('arm64', { simDiverge: 700 }));
    write('qemu.json', manifest('arm64'));
    const r = cli(['diff', 'x86.json', 'arm.json', 'qemu.json']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('LC differs: agree A,C | B');
    expect(r.out).toContain('scenarios/gossip::partition  (agree: A,C | B)');
    expect(r.out).toMatch(
      /trace: last common step 600; first differing step 700 \(bisected in \d probes\)/,
    );
    expect(r.out).toMatch(/A,C: step 700 sha256:[0-9a-f]{64}\n {6}B: step 700 sha256:/);
    expect(r.out).toContain(
      "reproduce: icn-harness run --filter 'scenarios/gossip::partition' --check-determinism",
    );
    expect(r.out).not.toContain('vectors/jcs::one');
    expect(r.out).toContain('platform differs in arch: A=x64 B=arm64 C=arm64');
  });

  it('--html writes one self-contained page with the chart and the localisation', () => {
    const r = cli(['diff', 'x86.json', 'arm.json', 'qemu.json', '--html', 'diff.html']);
    expect(r.code).toBe(1);
    const html = readFileSync(join(dir, 'diff.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('LC DIFFERS');
    expect(html).toContain('<code>scenarios/gossip::partition</code>');
    expect(html).toContain('last common step <b>600</b>, first differing step <b>700</b>');
    expect(html).toContain('<svg class="chart"');
  });

  it('--json is a sorted tree of only the differences, field level', () => {
    write('changed.json', manifest('x64', { out: '2' }));
    const r = cli(['diff', 'x86.json', 'changed.json', '--json']);
    expect(r.code).toBe(1);
    const t = JSON.parse(r.out);
    expect(t.equal).toBe(false);
    expect(t.lc).toEqual({
      vectors: {
        'vectors/jcs::one': {
          agreement: [['A'], ['B']],
          fields: { 'outputs.out': { A: '1', B: '2' } },
          reproduce: "icn-harness run --filter 'vectors/jcs::one' --check-determinism",
        },
      },
    });
    expect(t.advisory).toEqual({});
    const keys = (o: object) => Object.keys(o);
    expect(keys(t)).toEqual([...keys(t)].sort());
  });

  it('advisory differences are listed apart and never fail; missing expected divergences are reported', () => {
    write('adv-arm.json', manifest('arm64', { adv: '0xffc00000' }));
    writeFileSync(
      join(dir, 'expected.json'),
      JSON.stringify({
        format: 'icn-expected-divergences/v1',
        divergences: [
          {
            id: 'nasties/f32-nan::raw',
            differsBy: 'arch',
            reason: 'x86 and arm pick different default NaNs',
          },
          { id: 'nasties/simd-fma', differsBy: 'arch', reason: 'FMA fusing differs by CPU' },
        ],
      }),
    );
    const r = cli(['diff', 'x86.json', 'adv-arm.json', '--expected', 'expected.json']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('LC identical');
    expect(r.out).toContain('1 advisory entry differs (never fails a diff):');
    expect(r.out).toContain('nasties/f32-nan::raw  (agree: A | B)  [expected: differs by arch');
    expect(r.out).toContain(
      '1 expected divergence did not appear:\n  nasties/simd-fma (differs by arch): no such entry in any manifest',
    );
    // Same arch on both sides: nothing is expected, nothing is missing.
    const same = cli(['diff', 'x86.json', 'x86.json', '--expected', 'expected.json']);
    expect(same.out).not.toContain('did not appear');
  });

  it('an expected divergence that stayed identical across arches is reported', () => {
    writeFileSync(
      join(dir, 'expected2.json'),
      JSON.stringify({
        format: 'icn-expected-divergences/v1',
        divergences: [
          {
            id: 'nasties/f32-nan',
            differsBy: 'arch',
            reason: 'x86 and arm pick different default NaNs',
          },
        ],
      }),
    );
    const r = cli(['diff', 'x86.json', 'qemu.json', '--expected', 'expected2.json', '--json']);
    expect(JSON.parse(r.out).missingExpected).toEqual([
      {
        id: 'nasties/f32-nan',
        differsBy: 'arch',
        reason: 'x86 and arm pick different default NaNs',
        note: 'identical on every side although they differ in arch',
      },
    ]);
  });
});

describe('a real scenario (the simulator suite)', () => {
  it('a hand-made divergence in a copy is localised to the entry and its first differing step', () => {
    const r = cli(['run', '--filter', 'scenarios/crash-restart::seed-1', '--out', 'sc.json']);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(readFileSync(join(dir, 'sc.json'), 'utf8'));
    const e = m.entries[0];
    expect(e.trace.checkpoints.length).toBeGreaterThanOrEqual(2);
    // The copy's run took another path from the second checkpoint on: later checkpoints, the
    // trace root and one state root differ.
    const k = 1;
    const cps = e.trace.checkpoints;
    for (let i = k; i < cps.length; i++) cps[i].hash = contentHash(DOMAIN.test, `other ${i}`);
    e.trace.root = traceRoot(e.trace.steps, cps);
    e.outputs['state_root.001'] = contentHash(DOMAIN.test, 'other state');
    // A copy made by another run, not a hand edit: every hash recomputed (a hand edit is refused).
    e.hash = entryHash(e);
    m.root = computeRoot(m.entries);
    m.seal = manifestSeal(m);
    writeFileSync(join(dir, 'sc-copy.json'), JSON.stringify(m, null, 2));
    const d = cli(['diff', 'sc.json', 'sc-copy.json']);
    expect(d.code).toBe(1);
    expect(d.out).toContain(`scenarios/crash-restart::seed-1  (agree: A | B)`);
    expect(d.out).toContain('    outputs.state_root.001\n');
    expect(d.out).toContain(
      `trace: last common step ${cps[k - 1].step}; first differing step ${cps[k].step}`,
    );
    expect(d.out).toContain('reproduce: icn-harness scenario crash-restart --seed 1');
  });
});

describe('diffMany', () => {
  it('entries only on some sides are named', () => {
    const a = manifest('x64');
    const b = buildManifest({
      entries: a.entries.filter((e) => e.id !== 'vectors/jcs::one'),
      platform: platform('x64'),
      generator: a.generator,
    });
    const d = diffMany([
      { label: 'A', manifest: a },
      { label: 'B', manifest: b },
    ]);
    expect(d.lc.map((e) => [e.id, e.present])).toEqual([['vectors/jcs::one', [true, false]]]);
    expect(
      (diffTree(d) as { lc: Record<string, Record<string, { missingOn: string[] }>> }).lc.vectors![
        'vectors/jcs::one'
      ]!.missingOn,
    ).toEqual(['B']);
  });
});
