/**
 * Tampered manifests are bad input: every hash, root, count and the seal are recomputed by one
 * check shared by every reader. The CLI cases are the tamperings of issue 15; the sweep changes
 * every field of a manifest and of a shard, one at a time, and finds no mutant accepted outside
 * `_volatile` (the one documented free block, docs/manifest.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { mutants } from '../io/mutants.js';
import { buildManifest, sealEntry, sealed } from './build.js';
import { manifestText, parseManifest } from './io.js';
import type { Manifest, ManifestEntry } from './types.js';

const BIN = resolve(import.meta.dirname, '../../bin/icn-harness.js');
const h = (s: string) => contentHash(DOMAIN.test, s);
const platform = {
  arch: 'x64',
  os: 'linux',
  node: 'v20.20.2',
  v8: '11.3',
  v8Flags: [],
  tier: 'default',
  cpuFeatures: ['avx2'],
};

function entry(id: string, over: Partial<ManifestEntry> = {}): ManifestEntry {
  return sealEntry({
    id,
    suite: id.slice(0, id.indexOf('/')),
    class: 'lc',
    tags: ['t'],
    inputs: h(id),
    outputs: { out: id },
    status: 'pass',
    reproduce: `icn-harness run --filter '${id}'`,
    source: 'vectors/x.json',
    ...over,
  });
}

function sample(): Manifest {
  const checkpoints = [100, 200].map((step) => ({ step, hash: h(`cp ${step}`) }));
  const m = buildManifest({
    entries: [
      entry('vectors/a::one'),
      entry('vectors/a::two', { status: 'fail', reason: 'expected 1, got 2' }),
      entry('nasties/f::raw', { class: 'advisory' }),
      entry('scenarios/s::seed-1', { trace: { root: h('x'), steps: 250, checkpoints } }),
    ],
    platform,
    generator: { name: 'icn-harness', version: '0.1.0' },
    volatile: { startedAtMs: 1, caseMs: { 'vectors/a::one': 3 } },
  });
  m.run = {
    seed: '7',
    suites: ['vectors'],
    filters: [],
    tags: [],
    knownFailures: h('kf'),
    shard: { index: 1, count: 2, selected: 8, selection: h('sel') },
  };
  m.tiers = [
    {
      tier: 'liftoff',
      v8Flags: ['--liftoff-only'],
      lc: m.root.lc,
      all: m.root.all,
      entries: 4,
      divergent: [
        { id: 'nasties/f::raw', class: 'advisory', hash: h('d'), fields: ['outputs.out'] },
      ],
    },
  ];
  m.determinism = {
    mode: 'perturbed',
    runs: 2,
    perturbations: ['reverse order'],
    compared: 4,
    divergence: {
      run: 2,
      id: 'vectors/a::one',
      fields: ['outputs.out'],
      lastCommonStep: 100,
      firstDifferingStep: 200,
    },
  };
  return JSON.parse(manifestText(m)) as Manifest;
}

describe('manifest integrity: mutation sweep', () => {
  it('the sample is accepted as written', () => {
    expect(() => parseManifest(sample(), 'm.json')).not.toThrow();
  });

  it('no single-field mutant of a shard manifest is accepted, outside _volatile', () => {
    const doc = sample();
    let tried = 0;
    const accepted: string[] = [];
    for (const m of mutants(doc, (p) => p.startsWith('$._volatile'))) {
      tried++;
      try {
        parseManifest(m.doc, 'm.json');
        accepted.push(`${m.path} (${m.what})`);
      } catch (e) {
        expect((e as { code?: string }).code, `${m.path} ${m.what}`).toMatch(/^MANIFEST_/);
      }
    }
    expect(accepted).toEqual([]);
    expect(tried).toBeGreaterThan(150);
  });

  it('every mutant under _volatile is accepted (it is outside every hash, documented free)', () => {
    for (const m of mutants(sample()))
      if (m.path.startsWith('$._volatile'))
        expect(() => parseManifest(m.doc, 'm.json'), m.path).not.toThrow();
  });
});

describe('tampered manifests at the CLI: exit 2 naming the field, stored vs computed', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'icn-integrity-'));
    const m = sample();
    delete m.run!.shard;
    writeFileSync(join(dir, 'good.json'), manifestText(m));
  });
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
  const tamper = (name: string, f: (m: Manifest) => void) => {
    const m = JSON.parse(readFileSync(join(dir, 'good.json'), 'utf8')) as Manifest;
    f(m);
    writeFileSync(join(dir, name), JSON.stringify(m, null, 2));
  };

  it('root.lc set to zeros: diff and gate refuse it', () => {
    tamper('zeros.json', (m) => (m.root.lc = `sha256:${'0'.repeat(64)}`));
    const d = cli('diff', 'good.json', 'zeros.json');
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(
      /zeros\.json: \$\.root\.lc: stored sha256:0{64}, computed sha256:[0-9a-f]{64}\n$/,
    );
    const g = cli('gate', '--golden', 'good.json', '--manifest', 'zeros.json');
    expect(g.status).toBe(2);
    expect(g.stderr).toContain('$.root.lc: stored');
  });

  it("an entry's suite changed (it picks the suite root)", () => {
    tamper('suite.json', (m) => (m.entries[0]!.suite = 'other'));
    const d = cli('diff', 'good.json', 'suite.json');
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/\$\.entries\[0\]\.suite: stored other, computed nasties/);
  });

  it('a failing entry with its hash recomputed but counts left at "all pass": report refuses it', () => {
    const m = JSON.parse(readFileSync(join(dir, 'good.json'), 'utf8')) as Manifest;
    // vectors/a::two fails, with a correct entry hash; the counts claim every entry passed
    const forged = sealed(
      buildManifest({ entries: m.entries, platform: m.platform, generator: m.generator }),
    );
    forged.counts = { ...forged.counts, pass: forged.counts.pass + forged.counts.fail, fail: 0 };
    writeFileSync(join(dir, 'counts.json'), JSON.stringify(forged));
    const r = cli('report', 'counts.json', '--out', 'rep');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/counts\.json: \$\.counts\.pass: stored 4, computed 3\n$/);
  });

  it('a header field (platform) edited after sealing', () => {
    tamper('plat.json', (m) => (m.platform.arch = 'x64\n::error::forged'));
    const d = cli('diff', 'good.json', 'plat.json');
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/plat\.json: \$\.seal: stored sha256:[0-9a-f]{64}, computed sha256:/);
    expect(d.stdout).toBe('');
  });

  it('merge refuses a shard with a tampered count', () => {
    const s = sample();
    s.counts.fail = 0;
    writeFileSync(join(dir, 'shard.json'), JSON.stringify(s));
    const r = cli('merge', 'shard.json', '--out', 'merged.json');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('shard.json: $.counts.fail: stored 0, computed 1');
  });
});

describe('hostile text is escaped for the terminal and GitHub workflow commands', () => {
  it('printable: control characters, separators and bidi overrides escaped; a leading :: broken', async () => {
    const { printable } = await import('../io/printable.js');
    expect(printable('a\nb\r\u001b[31m\u0085\u2028\u202e')).toBe(
      'a\\u000ab\\u000d\\u001b[31m\\u0085\\u2028\\u202e',
    );
    expect(printable('::error::x')).toBe('\\u003a:error::x');
    expect(printable('plain: text, sha256:ab')).toBe('plain: text, sha256:ab');
  });

  it('a newline in a reason or the platform cannot forge a ::error:: line in diff output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-escape-'));
    const make = (reason: string, arch: string) =>
      manifestText(
        buildManifest({
          entries: [entry('vectors/a::two', { status: 'fail', reason })],
          platform: { ...platform, arch },
          generator: { name: 'g', version: '1' },
        }),
      );
    writeFileSync(join(dir, 'a.json'), make('ok', 'x64'));
    writeFileSync(
      join(dir, 'b.json'),
      make('bad\n::error::forged by a manifest', 'arm64\n::error file=x::forged'),
    );
    const r = spawnSync(process.execPath, [BIN, 'diff', 'a.json', 'b.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('bad\\u000a::error::forged by a manifest');
    expect(r.stdout).toContain('arm64\\u000a::error file=x::forged');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
  });
});
