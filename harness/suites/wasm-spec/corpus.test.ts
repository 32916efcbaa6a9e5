/**
 * The pinned spec corpus: the pin in the repository, where the resolver looks (in order), and a
 * corpus that is not the pinned one (a changed byte, a missing or an extra file) refused by name.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specCorpusForTests } from '../../../core/wasm/binary/spec-corpus.js';
import {
  checkDirs,
  corpusRecord,
  enabledFiles,
  loadPin,
  locate,
  resolveCorpus,
  type CorpusPin,
} from './corpus.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
// The corpus through the one resolver (fetched copy or ../shared; on CI its absence fails).
const corpus = specCorpusForTests();
const hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** A repository root holding a pin of three small scripts (two run, one in a set not enabled), and a folder with them. */
function fixture(): { root: string; dir: string; pin: CorpusPin } {
  const base = mkdtempSync(join(tmpdir(), 'icn-corpus-'));
  const root = join(base, 'repo');
  const dir = join(base, 'corpus');
  const files = {
    'a.wast': '(module)\n',
    'b.wast': '(assert_invalid (module) "x")\n',
    'n.wast': '(module $next)\n',
  };
  mkdirSync(join(root, 'vectors', 'wasm-spec'), { recursive: true });
  mkdirSync(dir);
  for (const [p, t] of Object.entries(files)) writeFileSync(join(dir, p), t);
  const pin: CorpusPin = {
    format: 'icn-spec-corpus/v1',
    repository: 'example/testsuite',
    commit: 'a'.repeat(40),
    license: 'Apache-2.0',
    sets: { core: 'run', next: 'not yet' },
    enabled: ['core'],
    files: Object.entries(files).map(([path, t]) => ({
      path,
      set: path === 'n.wast' ? 'next' : 'core',
      sha256: hex(t),
    })),
  };
  writeFileSync(join(root, 'vectors', 'wasm-spec', 'corpus.json'), JSON.stringify(pin));
  return { root, dir, pin };
}
const NO_ENV = {};

describe('the pin (vectors/wasm-spec/corpus.json)', () => {
  it('pins WebAssembly/testsuite at 193e551: 54 scripts (core) and 70 more (next), both run', () => {
    const pin = loadPin(REPO);
    expect(pin.repository).toBe('WebAssembly/testsuite');
    expect(pin.commit).toBe('193e551ff22663995b1ac95dc62344133669e14b');
    expect(pin.enabled).toEqual(['core', 'next']);
    expect(pin.files.filter((f) => f.set === 'core')).toHaveLength(54);
    expect(pin.files.filter((f) => f.set === 'next')).toHaveLength(70);
    expect(enabledFiles(pin).map((f) => f.path)).toContain('i32.wast');
  });

  it.runIf(corpus !== undefined)(
    'matches the located corpus (fetched copy or ../shared/spec-tests + spec-tests-next) file for file',
    () => {
      const pin = loadPin(REPO);
      const c = checkDirs(pin, corpus!.dirs);
      expect({ missing: c.missing, extra: c.extra, changed: c.changed }).toEqual({
        missing: [],
        extra: [],
        changed: [],
      });
      expect(c.found.size).toBe(124);
    },
  );

  it('the corpus hash covers the enabled sets only: enabling a set changes it', () => {
    const { pin } = fixture();
    const a = corpusRecord(pin);
    expect(
      corpusRecord({
        ...pin,
        files: pin.files.map((f) => (f.set === 'next' ? { ...f, sha256: '0'.repeat(64) } : f)),
      }).hash,
    ).toBe(a.hash);
    expect(corpusRecord({ ...pin, enabled: ['core', 'next'] }).hash).not.toBe(a.hash);
    expect(corpusRecord({ ...pin, commit: 'b'.repeat(40) }).hash).not.toBe(a.hash);
  });

  it('a malformed pin is refused with the field named', () => {
    const { root, pin } = fixture();
    writeFileSync(
      join(root, 'vectors/wasm-spec/corpus.json'),
      JSON.stringify({ ...pin, files: [{ ...pin.files[0], sha256: 'XYZ' }] }),
    );
    expect(() => loadPin(root)).toThrow(
      /files\[0\] \(a\.wast\): sha256 must be 64 lowercase hex digits/,
    );
  });
});

describe('resolving the corpus', () => {
  it('runs the enabled files, verified; the record names repository, commit and hash', () => {
    const { root, dir, pin } = fixture();
    const r = resolveCorpus({ repoRoot: root, specTestsDir: dir }, NO_ENV);
    expect(r.source).toBe('--spec-tests');
    expect(r.scripts.map((s) => s.path)).toEqual(['a.wast', 'b.wast']);
    expect(r.record).toEqual(corpusRecord(pin));
  });

  it('looks at --spec-tests, then $ICN_SPEC_TESTS, then the fetched copy ($ICN_CACHE_DIR moves it), then ../shared/spec-tests', () => {
    const { root, dir, pin } = fixture();
    const shared = join(root, '..', 'shared', 'spec-tests');
    expect(locate({ repoRoot: root }, pin, NO_ENV)).toMatchObject({
      looked: expect.arrayContaining(['--spec-tests (not given)', '$ICN_SPEC_TESTS (unset)']),
    });
    mkdirSync(shared, { recursive: true });
    expect(locate({ repoRoot: root }, pin, NO_ENV)).toEqual({
      source: '../shared',
      dirs: [shared],
    });
    mkdirSync(`${shared}-next`);
    expect(locate({ repoRoot: root }, pin, NO_ENV)).toEqual({
      source: '../shared',
      dirs: [shared, `${shared}-next`],
    });
    const cached = join(root, '.cache', 'spec-tests', pin.commit);
    mkdirSync(cached, { recursive: true });
    expect(locate({ repoRoot: root }, pin, NO_ENV)).toEqual({
      source: 'fetched copy',
      dirs: [cached],
    });
    const moved = mkdtempSync(join(tmpdir(), 'icn-cache-'));
    expect(locate({ repoRoot: root }, pin, { ICN_CACHE_DIR: moved })).toEqual({
      source: '../shared',
      dirs: [shared, `${shared}-next`],
    });
    mkdirSync(join(moved, 'spec-tests', pin.commit), { recursive: true });
    expect(locate({ repoRoot: root }, pin, { ICN_CACHE_DIR: moved })).toEqual({
      source: 'fetched copy',
      dirs: [join(moved, 'spec-tests', pin.commit)],
    });
    expect(
      locate({ repoRoot: root }, pin, { ICN_SPEC_TESTS: `${dir}${delimiter}${cached}` }),
    ).toEqual({ source: '$ICN_SPEC_TESTS', dirs: [dir, cached] });
    expect(locate({ repoRoot: root, specTestsDir: dir }, pin, { ICN_SPEC_TESTS: cached })).toEqual({
      source: '--spec-tests',
      dirs: [dir],
    });
  });

  it('with no corpus anywhere: one line saying where it looked and how to fetch it', () => {
    const { root } = fixture();
    expect(() => resolveCorpus({ repoRoot: root }, NO_ENV)).toThrow(
      /^wasm-spec: no spec corpus found \(looked at --spec-tests \(not given\), \$ICN_SPEC_TESTS \(unset\), \.cache\/spec-tests\/a{40} \(absent\), .*shared\/spec-tests \(absent\)\): run `npm run spec-tests:fetch`/,
    );
  });

  it('one changed byte is refused, naming the file', () => {
    const { root, dir } = fixture();
    const t = readFileSync(join(dir, 'b.wast'));
    t[1] = t[1]! ^ 1;
    writeFileSync(join(dir, 'b.wast'), t);
    expect(() => resolveCorpus({ repoRoot: root, specTestsDir: dir }, NO_ENV)).toThrow(
      /is not the one pinned in vectors\/wasm-spec\/corpus\.json \(example\/testsuite@aaaaaaa\): changed b\.wast \(sha256 [0-9a-f]{12}…, pinned [0-9a-f]{12}…\)$/,
    );
  });

  it('a changed file of a set not run is refused too; a missing one is not needed', () => {
    const { root, dir } = fixture();
    writeFileSync(join(dir, 'n.wast'), '(module $changed)\n');
    expect(() => resolveCorpus({ repoRoot: root, specTestsDir: dir }, NO_ENV)).toThrow(
      /changed n\.wast/,
    );
    const { root: r2, dir: d2 } = fixture();
    rmSync(join(d2, 'n.wast'));
    expect(resolveCorpus({ repoRoot: r2, specTestsDir: d2 }, NO_ENV).scripts).toHaveLength(2);
  });

  it('a missing and an extra file are named; files that are not .wast are ignored', () => {
    const { root, dir } = fixture();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'x.wast'), '(module)');
    writeFileSync(join(dir, 'LICENSE'), 'not a script');
    expect(() => resolveCorpus({ repoRoot: root, specTestsDir: dir }, NO_ENV)).toThrow(
      /: extra sub\/x\.wast$/,
    );
    const { root: r2, dir: d2 } = fixture();
    const other = mkdtempSync(join(tmpdir(), 'icn-corpus-other-'));
    writeFileSync(join(other, 'b.wast'), readFileSync(join(d2, 'b.wast')));
    writeFileSync(join(other, 'SOURCE.txt'), 'ignored');
    expect(() => resolveCorpus({ repoRoot: r2, specTestsDir: other }, NO_ENV)).toThrow(
      /: missing a\.wast$/,
    );
  });

  it('a named location that is not a directory is refused, not skipped', () => {
    const { root } = fixture();
    expect(() => resolveCorpus({ repoRoot: root }, { ICN_SPEC_TESTS: join(root, 'nope') })).toThrow(
      /\$ICN_SPEC_TESTS names .*nope, which is not a directory/,
    );
  });
});
