import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { buildManifest, sealEntry } from './build.js';
import { diffManifests } from './diff.js';
import { readManifest, writeManifest } from './io.js';
import type { ManifestEntry, PlatformFingerprint } from './types.js';

const platform = (arch: string): PlatformFingerprint => ({
  arch,
  os: 'linux',
  node: 'v20',
  v8: '11',
  v8Flags: [],
  tier: 'default',
  cpuFeatures: [],
});

function entry(id: string, cls: 'lc' | 'advisory', out: string): ManifestEntry {
  return sealEntry({
    id,
    suite: id.slice(0, id.indexOf('/')),
    class: cls,
    tags: ['t'],
    inputs: contentHash(DOMAIN.test, id),
    outputs: { out },
    status: 'pass',
  });
}

describe('manifest hash tree', () => {
  const entries = [
    entry('b/two', 'lc', '2'),
    entry('a/one', 'lc', '1'),
    entry('a/adv', 'advisory', 'x86'),
  ];

  it('is independent of entry order, platform and volatile data', () => {
    const m1 = buildManifest({
      entries,
      platform: platform('x64'),
      generator: { name: 'g', version: '1' },
      volatile: { t: 1 },
    });
    const m2 = buildManifest({
      entries: [...entries].reverse(),
      platform: platform('arm64'),
      generator: { name: 'g', version: '2' },
      volatile: { t: 2 },
    });
    expect(m2.root.lc).toBe(m1.root.lc);
    expect(m1.entries.map((e) => e.id)).toEqual(['a/adv', 'a/one', 'b/two']);
  });

  it('lc root ignores advisory entries; the all root does not', () => {
    const m1 = buildManifest({
      entries,
      platform: platform('x64'),
      generator: { name: 'g', version: '1' },
    });
    const changed = [entries[0]!, entries[1]!, entry('a/adv', 'advisory', 'arm64')];
    const m2 = buildManifest({
      entries: changed,
      platform: platform('x64'),
      generator: { name: 'g', version: '1' },
    });
    expect(m2.root.lc).toBe(m1.root.lc);
    expect(m2.root.all).not.toBe(m1.root.all);
    const d = diffManifests(m1, m2);
    expect(d.lcEqual).toBe(true);
    expect(d.lc).toEqual([]);
    expect(d.advisory.map((x) => [x.id, x.fields])).toEqual([
      ['a/adv', [{ field: 'outputs.out', a: 'x86', b: 'arm64' }]],
    ]);
  });

  it('diff names the changed lc entry and field; only-in-one-side entries too', () => {
    const m1 = buildManifest({
      entries,
      platform: platform('x64'),
      generator: { name: 'g', version: '1' },
    });
    const m2 = buildManifest({
      entries: [entries[0]!, entry('a/one', 'lc', 'ONE'), entry('c/new', 'lc', '3')],
      platform: platform('x64'),
      generator: { name: 'g', version: '1' },
    });
    const d = diffManifests(m1, m2);
    expect(d.lcEqual).toBe(false);
    expect(d.suites).toEqual(['a', 'c']);
    expect(d.lc).toEqual([
      {
        id: 'a/one',
        class: 'lc',
        kind: 'changed',
        fields: [{ field: 'outputs.out', a: '1', b: 'ONE' }],
      },
      { id: 'c/new', class: 'lc', kind: 'only-in-b', fields: [] },
    ]);
    expect(d.advisory.map((x) => x.kind)).toEqual(['only-in-a']);
  });

  it('rejects duplicate ids', () => {
    expect(() =>
      buildManifest({
        entries: [entries[0]!, entries[0]!],
        platform: platform('x64'),
        generator: { name: 'g', version: '1' },
      }),
    ).toThrow(/duplicate manifest entry id b\/two/);
  });

  it('reads back what it writes; a hand-edited entry is bad input naming the field, stored vs computed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-manifest-'));
    const m = buildManifest({
      entries,
      platform: platform('x64'),
      generator: { name: 'g', version: '1' },
    });
    writeManifest(join(dir, 'm.json'), m);
    const back = readManifest(join(dir, 'm.json'));
    expect(back.manifest.root).toEqual(m.root);
    const edited = JSON.parse(JSON.stringify(m));
    edited.entries[1].outputs.out = 'tampered';
    writeFileSync(join(dir, 'e.json'), JSON.stringify(edited));
    expect(() => readManifest(join(dir, 'e.json'))).toThrow(
      new RegExp(
        `e\\.json: \\$\\.entries\\[1\\]\\.hash: stored ${m.entries[1]!.hash}, computed sha256:`,
      ),
    );
  });

  it('schema errors name the place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-manifest-'));
    const m = JSON.parse(
      JSON.stringify(
        buildManifest({
          entries,
          platform: platform('x64'),
          generator: { name: 'g', version: '1' },
        }),
      ),
    );
    m.entries[2].class = 'consensus';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(m));
    expect(() => readManifest(join(dir, 'bad.json'))).toThrow(
      /not an icn-manifest\/v1: \$\.entries\[2\]\.class must be equal to one of the allowed values/,
    );
  });
});
