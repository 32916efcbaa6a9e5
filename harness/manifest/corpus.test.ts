/**
 * The corpus record in the manifest header: hashed into the roots, recomputed on read, compared
 * by gate, diff and merge before any entry; a suite absent from a run is one MISSING line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { buildManifest, computeRoot, sealEntry } from './build.js';
import { diffMany, diffTree } from './diff.js';
import { formatMultiDiff } from './format-diff.js';
import { gateCheck, goldenOf } from './gate.js';
import { readManifest, writeManifest } from './io.js';
import { mergeShards } from './merge.js';
import type { CorpusRecord, Manifest, ManifestEntry, PlatformFingerprint } from './types.js';

const BIN = resolve(import.meta.dirname, '../../bin/icn-harness.js');
const platform: PlatformFingerprint = {
  arch: 'x64',
  os: 'linux',
  node: 'v20.20.2',
  v8: '11.3',
  v8Flags: [],
  tier: 'default',
  cpuFeatures: [],
};
const gen = { name: 'icn-harness', version: '0.1.0' };
const corpus = (c: string): CorpusRecord => ({
  repository: 'WebAssembly/testsuite',
  commit: c.repeat(40),
  hash: contentHash(DOMAIN.test, c),
});
const entry = (id: string, out = '1'): ManifestEntry =>
  sealEntry({
    id,
    suite: id.slice(0, id.indexOf('/')),
    class: 'lc',
    tags: [],
    inputs: contentHash(DOMAIN.test, id),
    outputs: { out },
    status: 'pass',
  });
const spec = ['wasm-spec/i32::dc', 'wasm-spec/i32::interp', 'wasm-spec/f32::dc'].map((id) =>
  entry(id),
);
const vectors = [entry('vectors/jcs::a'), entry('vectors/jcs::b')];
const manifest = (entries: ManifestEntry[], c?: CorpusRecord, run?: Manifest['run']): Manifest => {
  const m = buildManifest({ entries, platform, generator: gen, corpus: c });
  if (run) m.run = run;
  return m;
};

describe('the corpus record in the manifest', () => {
  it('is part of both roots; without one the roots are what they always were', () => {
    const entries = [...spec, ...vectors];
    const plain = manifest(entries);
    expect(plain.root).toEqual(computeRoot(entries));
    expect(plain).not.toHaveProperty('corpus');
    const a = manifest(entries, corpus('a'));
    const b = manifest(entries, corpus('b'));
    expect(a.corpus).toEqual(corpus('a'));
    expect(new Set([plain.root.lc, a.root.lc, b.root.lc]).size).toBe(3);
    expect(a.root.all).not.toBe(b.root.all);
    expect(a.root.suites).toEqual(b.root.suites); // entries are the same; only the corpus differs
  });

  it('is read back, checked by the schema, and a hand edit of it is refused: it is hashed into the roots', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-corpus-m-'));
    const m = manifest(spec, corpus('a'));
    writeManifest(join(dir, 'm.json'), m);
    expect(readManifest(join(dir, 'm.json')).manifest.root).toEqual(m.root);
    const edited = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    edited.corpus.hash = corpus('b').hash;
    writeFileSync(join(dir, 'e.json'), JSON.stringify(edited));
    // The stored roots no longer match the ones the edited record gives: bad input naming the root.
    expect(manifest(spec, { ...corpus('a'), hash: corpus('b').hash }).root.lc).not.toBe(m.root.lc);
    expect(() => readManifest(join(dir, 'e.json'))).toThrow(/\$\.root\.lc/);
    edited.corpus.files = 3;
    writeFileSync(join(dir, 'x.json'), JSON.stringify(edited));
    expect(() => readManifest(join(dir, 'x.json'))).toThrow(
      /\$\.corpus must NOT have additional properties/,
    );
  });

  it('gate: different corpora fail before any entry, even with identical entries; the golden keeps the record', () => {
    const golden = goldenOf(manifest(spec, corpus('a')));
    expect(golden.corpus).toEqual(corpus('a'));
    expect(gateCheck(golden, manifest(spec, corpus('a'))).ok).toBe(true);
    const r = gateCheck(golden, manifest(spec, corpus('b')));
    expect(r.ok).toBe(false);
    expect(r.corpus).toEqual({ golden: corpus('a'), current: corpus('b') });
    expect(r.changed).toEqual([]);
    expect(gateCheck(goldenOf(manifest(spec)), manifest(spec, corpus('a'))).corpus).toEqual({
      golden: null,
      current: corpus('a'),
    });
  });

  it('gate: a whole suite absent from the run is one record with its cause', () => {
    const golden = goldenOf(manifest([...spec, ...vectors], corpus('a')));
    const base = {
      seed: '0',
      suites: [] as string[],
      filters: [] as string[],
      tags: [] as string[],
    };
    const cause = (run: Manifest['run']) =>
      gateCheck(golden, manifest(vectors, undefined, run)).absentSuites;
    expect(cause({ ...base, skipped: ['wasm-spec'] })).toEqual([
      { suite: 'wasm-spec', entries: 3, cause: 'left out with --skip-suite wasm-spec' },
    ]);
    expect(cause({ ...base, suites: ['vectors'] })[0]!.cause).toBe(
      'not selected (--suite vectors)',
    );
    expect(cause(base)[0]!.cause).toMatch(/no spec corpus: run `npm run spec-tests:fetch`/);
    // One entry missing from a suite that is there is still named on its own.
    const partial = gateCheck(golden, manifest([...vectors, ...spec.slice(0, 2)], corpus('a')));
    expect(partial.absentSuites).toEqual([]);
    expect(partial.missing).toEqual(['wasm-spec/f32::dc']);
  });

  it('gate CLI: one MISSING line for the absent suite, not one per entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-corpus-g-'));
    writeManifest(join(dir, 'golden.json'), goldenOf(manifest([...spec, ...vectors], corpus('a'))));
    writeManifest(
      join(dir, 'run.json'),
      manifest(vectors, undefined, {
        seed: '0',
        suites: [],
        filters: [],
        tags: [],
        skipped: ['wasm-spec'],
      }),
    );
    writeManifest(join(dir, 'other.json'), manifest([...spec, ...vectors], corpus('b')));
    const gate = (m: string) =>
      spawnSync(
        process.execPath,
        [BIN, 'gate', '--golden', join(dir, 'golden.json'), '--manifest', join(dir, m)],
        { encoding: 'utf8' },
      );
    const r = gate('run.json');
    expect(r.status).toBe(1);
    const missing = r.stdout.split('\n').filter((l) => l.startsWith('MISSING'));
    expect(missing).toEqual([
      'MISSING wasm-spec: all 3 golden LC entries (the run has no wasm-spec entry: left out with --skip-suite wasm-spec)',
    ]);
    const o = gate('other.json');
    expect(o.status).toBe(1);
    expect(o.stdout.split('\n')[2]).toMatch(
      /^CORPUS differs: the golden was built from WebAssembly\/testsuite@aaaaaaa sha256:[0-9a-f]{64}, the run from WebAssembly\/testsuite@bbbbbbb /,
    );
    expect(o.stdout).toMatch(/gate FAILED: different corpus, 0 changed/);
  });

  it('diff: manifests from different corpora are reported as such before any entry', () => {
    const a = manifest(spec, corpus('a'));
    const b = manifest([...spec.slice(0, 2), entry('wasm-spec/f32::dc', '2')], corpus('b'));
    const d = diffMany([
      { label: 'A', manifest: a },
      { label: 'B', manifest: b },
    ]);
    expect(d.lcEqual).toBe(false);
    expect(d.corpus).toEqual([corpus('a'), corpus('b')]);
    const lines = formatMultiDiff(d).split('\n');
    const at = lines.findIndex((l) => l.startsWith('CORPUS differs'));
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(lines.findIndex((l) => l.includes('wasm-spec/f32::dc')));
    expect(lines[at + 1]).toBe(`  A: WebAssembly/testsuite@${'a'.repeat(40)} ${corpus('a').hash}`);
    expect((diffTree(d) as { corpus: unknown }).corpus).toEqual({ A: corpus('a'), B: corpus('b') });
    const same = diffMany([
      { label: 'A', manifest: a },
      { label: 'B', manifest: manifest(spec, corpus('a')) },
    ]);
    expect(same.corpus).toBeUndefined();
    expect(diffTree(same)).not.toHaveProperty('corpus');
  });

  it('merge: shards of one run share a corpus; the merged manifest keeps it', () => {
    const shard = (i: number, entries: ManifestEntry[], c: CorpusRecord) => ({
      path: `s${i}.json`,
      staleHashes: [],
      manifest: manifest(entries, c, {
        seed: '0',
        suites: [],
        filters: [],
        tags: [],
        shard: { index: i, count: 2, selected: 3, selection: contentHash(DOMAIN.test, 'sel') },
      }),
    });
    const merged = mergeShards([
      shard(1, spec.slice(0, 2), corpus('a')),
      shard(2, spec.slice(2), corpus('a')),
    ]);
    expect(merged.corpus).toEqual(corpus('a'));
    expect(merged.root).toEqual(manifest(spec, corpus('a')).root);
    expect(() =>
      mergeShards([shard(1, spec.slice(0, 2), corpus('a')), shard(2, spec.slice(2), corpus('b'))]),
    ).toThrow(/s2\.json: spec corpus sha256:\w+ differs from s1\.json/);
  });
});
