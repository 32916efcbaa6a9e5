/**
 * npm run spec-tests:fetch, with no network: from a local git repository and from a tarball built
 * here (one good, one with a changed byte), atomically installed, refused by name when not the pin;
 * an unreachable network is one line naming what was tried and --from.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, 'spec-tests-fetch.mjs');
const FILES: Record<string, string> = {
  'i32.wast': '(module (func (result i32) i32.const 1))\n',
  'f32.wast': '(module)\n',
  'proposals/x/extra.wast': '(module $x)\n',
};
const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {
    encoding: 'utf8',
  }).trim();

/** A testsuite-like git repository; `tamper` changes one byte of i32.wast in the committed tree. */
function testsuite(base: string, name: string, tamper = false): { dir: string; commit: string } {
  const dir = join(base, name);
  mkdirSync(dir);
  git(dir, 'init', '-q');
  for (const [p, t] of Object.entries(FILES)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(
      join(dir, p),
      tamper && p === 'i32.wast' ? t.replace('i32.const 1', 'i32.const 2') : t,
    );
  }
  writeFileSync(join(dir, 'LICENSE'), 'Apache-2.0 (test)\n');
  writeFileSync(join(dir, 'unpinned.wast'), '(module $not-pinned)\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'files');
  return { dir, commit: git(dir, 'rev-parse', 'HEAD') };
}

function pinFor(base: string, commit: string): string {
  const file = join(base, `pin-${commit.slice(0, 8)}.json`);
  const files = Object.entries(FILES).map(([path, t]) => ({
    path,
    set: path.startsWith('proposals/') ? 'next' : 'core',
    sha256: createHash('sha256').update(t).digest('hex'),
  }));
  writeFileSync(
    file,
    JSON.stringify({
      format: 'icn-spec-corpus/v1',
      repository: 'example/testsuite',
      commit,
      license: 'Apache-2.0',
      sets: { core: '', next: '' },
      enabled: ['core'],
      files,
    }),
  );
  return file;
}

const fetchCorpus = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('npm run spec-tests:fetch', () => {
  it('installs every pinned file from a local git repository at the pinned commit, then reports it in place', () => {
    const base = mkdtempSync(join(tmpdir(), 'icn-fetch-'));
    const { dir, commit } = testsuite(base, 'good');
    const pin = pinFor(base, commit);
    const dest = join(base, 'cache');
    const r = fetchCorpus(['--pin', pin, '--from', dir, '--dest', dest]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /installed 3 files of example\/testsuite@[0-9a-f]{7} \(sets core, next\) from git /,
    );
    for (const [p, t] of Object.entries(FILES))
      expect(readFileSync(join(dest, commit, p), 'utf8')).toBe(t);
    expect(existsSync(join(dest, commit, 'unpinned.wast'))).toBe(false);
    expect(readFileSync(join(dest, commit, 'LICENSE'), 'utf8')).toMatch(/Apache/);
    expect(readdirSync(dest)).toEqual([commit]); // no staging folder left behind
    expect(fetchCorpus(['--pin', pin, '--from', dir, '--dest', dest]).out).toMatch(
      /already installed and verified/,
    );
  });

  it('refuses a repository whose commit has one changed byte, naming the file, and installs nothing', () => {
    const base = mkdtempSync(join(tmpdir(), 'icn-fetch-'));
    const good = testsuite(base, 'good');
    const bad = testsuite(base, 'bad', true);
    const dest = join(base, 'cache');
    // The pin names the bad repository's commit with the good files' hashes: the bytes decide.
    const r = fetchCorpus(['--pin', pinFor(base, bad.commit), '--from', bad.dir, '--dest', dest]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^spec-tests:fetch: error: the source is not the pinned corpus \(example\/testsuite@[0-9a-f]{7}\): changed i32\.wast \(sha256 [0-9a-f]{12}…, pinned [0-9a-f]{12}…\); nothing installed\n$/,
    );
    expect(readdirSync(dest)).toEqual([]);
    // A commit the repository does not have is named too.
    const r2 = fetchCorpus(['--pin', pinFor(base, good.commit), '--from', bad.dir, '--dest', dest]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(new RegExp(`commit ${good.commit} is not in this git repository`));
  });

  it('installs from a tarball (GitHub layout: one top folder) and refuses one with a changed byte', () => {
    const base = mkdtempSync(join(tmpdir(), 'icn-fetch-'));
    const good = testsuite(base, 'good');
    const bad = testsuite(base, 'bad', true);
    const pin = pinFor(base, good.commit);
    const tar = (name: string, from: { dir: string; commit: string }) => {
      const file = join(base, name);
      execFileSync('git', [
        '-C',
        from.dir,
        'archive',
        '--format=tar.gz',
        `--prefix=testsuite-${from.commit}/`,
        '-o',
        file,
        from.commit,
      ]);
      return file;
    };
    const dest = join(base, 'cache');
    const ok = fetchCorpus(['--pin', pin, '--from', tar('good.tar.gz', good), '--dest', dest]);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(dest, good.commit, 'proposals/x/extra.wast'), 'utf8')).toBe(
      FILES['proposals/x/extra.wast'],
    );
    const before = readFileSync(join(dest, good.commit, 'i32.wast'), 'utf8');
    const r = fetchCorpus([
      '--pin',
      pin,
      '--from',
      tar('bad.tar.gz', bad),
      '--dest',
      dest,
      '--force',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/changed i32\.wast/);
    // The verified copy already in place is untouched by the refused one.
    expect(readFileSync(join(dest, good.commit, 'i32.wast'), 'utf8')).toBe(before);
    expect(readdirSync(dest)).toEqual([good.commit]);
  });

  it('installs from plain folders holding the files at their paths, and names a missing one', () => {
    const base = mkdtempSync(join(tmpdir(), 'icn-fetch-'));
    const { commit } = testsuite(base, 'good');
    const pin = pinFor(base, commit);
    const part = join(base, 'part');
    mkdirSync(part);
    writeFileSync(join(part, 'i32.wast'), FILES['i32.wast']!);
    const r = fetchCorpus(['--pin', pin, '--from', part, '--dest', join(base, 'c1')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing f32\.wast, proposals\/x\/extra\.wast; nothing installed/);
    // Folders combine (as ../shared/spec-tests and ../shared/spec-tests-next do).
    const rest = join(base, 'rest');
    mkdirSync(join(rest, 'proposals', 'x'), { recursive: true });
    writeFileSync(join(rest, 'f32.wast'), FILES['f32.wast']!);
    writeFileSync(join(rest, 'proposals/x/extra.wast'), FILES['proposals/x/extra.wast']!);
    expect(
      fetchCorpus(['--pin', pin, '--from', part, '--from', rest, '--dest', join(base, 'c2')]).code,
    ).toBe(0);
  });

  it('with no network: one line naming what it tried and --from, exit 2', () => {
    const base = mkdtempSync(join(tmpdir(), 'icn-fetch-'));
    const r = fetchCorpus(['--pin', pinFor(base, 'c'.repeat(40)), '--dest', join(base, 'cache')], {
      ICN_SPEC_TESTS_GITHUB: 'http://127.0.0.1:9',
    });
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(
      /^spec-tests:fetch: error: cannot fetch example\/testsuite@ccccccc \(tried http:\/\/127\.0\.0\.1:9\/example\/testsuite\/archive\/c{40}\.tar\.gz: .*; git fetch http:\/\/127\.0\.0\.1:9\/example\/testsuite\.git: .*\): without network, use --from DIR\|TARBALL/,
    );
  });

  it('--key: the CI cache key follows every pinned file (set included) and the install folder follows $ICN_CACHE_DIR', () => {
    const base = mkdtempSync(join(tmpdir(), 'icn-fetch-'));
    const pin = pinFor(base, 'd'.repeat(40));
    const a = fetchCorpus(['--pin', pin, '--key'], { ICN_CACHE_DIR: join(base, 'c') });
    expect(a.code).toBe(0);
    expect(a.out).toMatch(
      new RegExp(
        `^key=icn-spec-tests-d{12}-[0-9a-f]{16}\npath=${join(base, 'c', 'spec-tests')}\n$`,
      ),
    );
    const p = JSON.parse(readFileSync(pin, 'utf8'));
    p.files[2].sha256 = '0'.repeat(64); // a file of the set not run
    writeFileSync(pin, JSON.stringify(p));
    expect(
      fetchCorpus(['--pin', pin, '--key'], { ICN_CACHE_DIR: join(base, 'c') }).out.split('\n')[0],
    ).not.toBe(a.out.split('\n')[0]);
  });

  it('rejects an unknown option (exit 2) and documents its options in --help', () => {
    expect(fetchCorpus(['--form', 'x']).code).toBe(2);
    const h = fetchCorpus(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--from DIR\|TARBALL/);
  });
});
