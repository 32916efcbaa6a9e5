/**
 * A fresh clone as a GitHub runner has it (no ../shared beside the repository): a run that selects
 * wasm-spec exits 2 naming the fix; after `spec-tests:fetch --from` it lists every spec case and
 * records the corpus; opting out is explicit and said in the summary.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specCorpusForTests } from '../../core/wasm/binary/spec-corpus.js';

const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'bin/icn-harness.js');
// The corpus through the one resolver (fetched copy or ../shared; on CI its absence fails).
const corpus = specCorpusForTests();
const FROM = (corpus?.dirs ?? []).flatMap((d) => ['--from', d]);
const PIN = 'vectors/wasm-spec/corpus.json';

/** A repository root with the pin and nothing beside it (ICN_HARNESS_ROOT points the CLI at it). */
function freshRoot(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'icn-fresh-')), 'repo');
  mkdirSync(join(root, 'vectors', 'wasm-spec'), { recursive: true });
  copyFileSync(join(REPO, PIN), join(root, PIN));
  return root;
}

function cli(args: string[], root: string, env: Record<string, string> = {}) {
  const { ICN_SPEC_TESTS: _drop, ...rest } = process.env;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: root,
    env: { ...rest, ICN_HARNESS_ROOT: root, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the spec corpus from the CLI', () => {
  it('without a corpus: run and list exit 2 with one line naming where they looked and the fetch', () => {
    const root = freshRoot();
    for (const verb of [
      ['run', '--suite', 'wasm-spec'],
      ['list', '--suite', 'wasm-spec'],
      ['run', '--filter', 'wasm-spec/i32'],
    ]) {
      const r = cli(verb, root);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(
        /^icn-harness (run|list): error: wasm-spec: no spec corpus found \(looked at --spec-tests \(not given\), \$ICN_SPEC_TESTS \(unset\), \.cache\/spec-tests\/193e551ff22663995b1ac95dc62344133669e14b \(absent\), .*\): run `npm run spec-tests:fetch` .*--skip-suite wasm-spec\)\n$/,
      );
    }
  });

  it('opting out is explicit (--skip-suite, or --suite/--filter without wasm-spec) and the summary says so', () => {
    const root = freshRoot();
    const out = join(root, 'out');
    const r = cli(['run', '--skip-suite', 'wasm-spec', '--filter', 'vectors', '--out', out], root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('not run: wasm-spec (left out with --skip-suite)');
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain(
      'Not run: wasm-spec (left out with --skip-suite).',
    );
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.run.skipped).toEqual(['wasm-spec']);
    expect(m).not.toHaveProperty('corpus');
    const s = cli(['run', '--suite', 'vectors', '--json'], root);
    expect(s.code).toBe(0);
    expect(cli(['run', '--suite', 'vectors'], root).out).toContain(
      'not selected: nasties, wasm-spec, scenarios (--suite vectors)',
    );
    expect(cli(['run', '--suite', 'wasm-spec', '--skip-suite', 'wasm-spec'], root).err).toMatch(
      /--suite and --skip-suite both name wasm-spec/,
    );
  });

  it.runIf(corpus !== undefined)(
    'after spec-tests:fetch --from a local copy: every spec case listed, the corpus recorded',
    () => {
      const root = freshRoot();
      const f = spawnSync(
        process.execPath,
        [
          join(REPO, 'scripts/spec-tests-fetch.mjs'),
          '--pin',
          join(root, PIN),
          '--dest',
          join(root, '.cache', 'spec-tests'),
          ...FROM,
        ],
        { encoding: 'utf8' },
      );
      expect(f.stderr).toBe('');
      expect(f.status).toBe(0);
      const list = cli(['list', '--suite', 'wasm-spec'], root);
      expect(list.code).toBe(0);
      expect(list.out.trim().split('\n')).toHaveLength(124 * 4);
      const r = cli(['run', '--filter', 'wasm-spec/nop', '--json', '--no-known-failures'], root);
      expect(r.code).toBe(0);
      const m = JSON.parse(r.out);
      expect(m.entries.map((e: { id: string }) => e.id)).toEqual([
        'wasm-spec/nop::dc',
        'wasm-spec/nop::dc-float',
        'wasm-spec/nop::interp',
        'wasm-spec/nop::raw',
      ]);
      expect(m.corpus).toMatchObject({
        repository: 'WebAssembly/testsuite',
        commit: '193e551ff22663995b1ac95dc62344133669e14b',
        hash: expect.stringMatching(/^sha256:/),
      });
    },
  );

  it.runIf(corpus !== undefined)(
    'a corpus with one changed byte is refused, naming the file (exit 2)',
    () => {
      const root = freshRoot();
      const copy = join(root, 'copy');
      for (const d of corpus!.dirs) cpSync(d, copy, { recursive: true });
      const t = readFileSync(join(copy, 'nop.wast'));
      t[t.length - 2] = 0x20;
      chmodSync(join(copy, 'nop.wast'), 0o644); // the shared or fetched copy may be read-only
      writeFileSync(join(copy, 'nop.wast'), t);
      const r = cli(['run', '--suite', 'wasm-spec', '--spec-tests', copy], root);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /^icn-harness run: error: wasm-spec: the spec corpus in .*copy \(--spec-tests\) is not the one pinned in vectors\/wasm-spec\/corpus\.json \(WebAssembly\/testsuite@193e551\): changed nop\.wast \(sha256 /,
      );
    },
  );
});
