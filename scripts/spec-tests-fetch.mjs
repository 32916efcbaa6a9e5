#!/usr/bin/env node
/**
 * npm run spec-tests:fetch: install the pinned WebAssembly spec corpus (vectors/wasm-spec/corpus.json:
 * repository, commit, sha256 of every file of every set) into .cache/spec-tests/<commit>/, where the
 * wasm-spec suite finds it. Every file is checked against its pinned sha256 before anything is
 * installed; the copy is staged in a temporary folder and renamed into place, so a failed or
 * interrupted fetch never leaves a partial corpus.
 *
 * Sources, in order:
 *   --from DIR|TARBALL   a local source instead of the network (repeatable): a git clone or mirror
 *                        of the testsuite (the pinned commit is read from it), a folder holding the
 *                        files at their paths in the testsuite (e.g. ../shared/spec-tests and
 *                        ../shared/spec-tests-next), or a .tar.gz/.tgz/.tar archive of the commit
 *                        (GitHub's archive: its single top folder is entered)
 *   (default)            GitHub's archive of the pinned commit, then `git fetch --depth 1` of it
 *
 * Options:
 *   --from DIR|TARBALL   see above
 *   --dest DIR           install under DIR/<commit> (default .cache/spec-tests; the suite looks there)
 *   --pin FILE           the corpus pin (default vectors/wasm-spec/corpus.json)
 *   --force              reinstall even when a verified copy is already in place
 *   --key                print `key=…` (commit and hash of every pinned file) and `path=…` (the
 *                        install folder's parent) for $GITHUB_OUTPUT: the CI cache key; fetch nothing
 *
 * Environment: ICN_CACHE_DIR, the cache folder (default .cache in the repository; the suite reads
 * the same variable); ICN_SPEC_TESTS_GITHUB, the network source's base URL (default https://github.com).
 *
 * Exit 0: installed (or already in place); 2: bad options, no source reachable (one line naming what
 * was tried and the --from alternative), or a file missing or different from the pin (named).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { $, argv, path } from 'zx';
import { checkOptions } from './lib/options.mjs';

checkOptions(import.meta.url, argv, ['from', 'dest', 'pin', 'force', 'key']);
$.verbose = false;

const repo = path.resolve(import.meta.dirname, '..');
const NAME = 'spec-tests:fetch';

class FetchError extends Error {}
const fail = (msg) => {
  throw new FetchError(msg);
};
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const list = (v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

function loadPin(file) {
  let pin;
  try {
    pin = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read the corpus pin ${file}: ${e.message}`);
  }
  if (
    pin?.format !== 'icn-spec-corpus/v1' ||
    !/^[0-9a-f]{40}$/.test(pin.commit ?? '') ||
    !Array.isArray(pin.files) ||
    pin.files.length === 0
  ) {
    fail(`${file}: not an icn-spec-corpus/v1 pin (format, a 40-hex commit and files are required)`);
  }
  for (const f of pin.files) {
    if (
      typeof f.path !== 'string' ||
      f.path.startsWith('/') ||
      f.path.split('/').includes('..') ||
      !/^[0-9a-f]{64}$/.test(f.sha256 ?? '')
    )
      fail(`${file}: bad file entry ${JSON.stringify(f)}`);
  }
  return pin;
}

const isGit = (dir) =>
  existsSync(path.join(dir, '.git')) ||
  (existsSync(path.join(dir, 'HEAD')) && existsSync(path.join(dir, 'objects')));
const isArchive = (p) => /\.(tar\.gz|tgz|tar)$/.test(p) && existsSync(p) && statSync(p).isFile();

/** A reader over a git repository at the pinned commit: path → bytes, or undefined when absent. */
function gitReader(dir, commit) {
  try {
    execFileSync('git', ['-C', dir, 'cat-file', '-e', `${commit}^{commit}`], { stdio: 'ignore' });
  } catch {
    fail(
      `${dir}: commit ${commit} is not in this git repository (fetch it there first, or give another --from)`,
    );
  }
  return (p) => {
    try {
      return execFileSync('git', ['-C', dir, 'cat-file', 'blob', `${commit}:${p}`], {
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 256 << 20,
      });
    } catch {
      return undefined;
    }
  };
}

/** A reader over folders holding the files at their testsuite paths (the first folder that has one wins). */
function dirReader(dirs) {
  return (p) => {
    for (const d of dirs) {
      const f = path.join(d, p);
      if (existsSync(f) && statSync(f).isFile()) return readFileSync(f);
    }
    return undefined;
  };
}

/** Unpack an archive into a scratch folder; GitHub's archives hold one top folder, which is entered. */
function unpack(archive, scratch) {
  const into = path.join(scratch, `unpacked-${readdirSync(scratch).length}`);
  mkdirSync(into, { recursive: true });
  try {
    execFileSync('tar', ['-xf', archive, '-C', into], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    fail(
      `${archive}: cannot unpack (${
        String(e.stderr ?? e.message)
          .trim()
          .split('\n')[0]
      })`,
    );
  }
  const top = readdirSync(into);
  return top.length === 1 && statSync(path.join(into, top[0])).isDirectory()
    ? path.join(into, top[0])
    : into;
}

/** The reader for the --from sources (git repositories are read alone; folders and archives combine). */
function localReader(froms, commit, scratch) {
  const dirs = [];
  for (const f of froms.map((x) => path.resolve(x))) {
    if (!existsSync(f)) fail(`--from ${f}: no such file or directory`);
    if (isArchive(f)) dirs.push(unpack(f, scratch));
    else if (statSync(f).isDirectory()) {
      if (isGit(f)) {
        if (froms.length > 1) fail(`--from ${f} is a git repository: give it alone`);
        return { reader: gitReader(f, commit), label: `git ${f}` };
      }
      dirs.push(f);
    } else fail(`--from ${f}: neither a folder nor a .tar.gz/.tgz/.tar archive`);
  }
  return { reader: dirReader(dirs), label: froms.join(', ') };
}

/** The network source: GitHub's archive of the commit, else a shallow git fetch of it. */
async function networkReader(pin, scratch) {
  const base = (process.env.ICN_SPEC_TESTS_GITHUB ?? 'https://github.com').replace(/\/$/, '');
  const url = `${base}/${pin.repository}/archive/${pin.commit}.tar.gz`;
  const tried = [];
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const file = path.join(scratch, 'archive.tar.gz');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return { reader: dirReader([unpack(file, scratch)]), label: url };
  } catch (e) {
    if (e instanceof FetchError) throw e;
    tried.push(`${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
  const gitUrl = `${base}/${pin.repository}.git`;
  const gdir = path.join(scratch, 'git');
  try {
    execFileSync('git', ['init', '-q', gdir], { stdio: 'ignore' });
    execFileSync('git', ['-C', gdir, 'fetch', '-q', '--depth', '1', gitUrl, pin.commit], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 300_000,
    });
    return { reader: gitReader(gdir, pin.commit), label: gitUrl };
  } catch (e) {
    if (e instanceof FetchError) throw e;
    tried.push(
      `git fetch ${gitUrl}: ${String(e.stderr ?? e.message)
        .trim()
        .split('\n')
        .pop()}`,
    );
  }
  fail(
    `cannot fetch ${pin.repository}@${pin.commit.slice(0, 7)} (tried ${tried.join('; ')}): without network, use --from DIR|TARBALL (a clone, a folder or an archive of that commit)`,
  );
}

/** Every pinned file from the reader, checked against its hash, written under `stage`. */
function stageFiles(pin, read, stage) {
  const missing = [];
  const changed = [];
  for (const f of pin.files) {
    const bytes = read(f.path);
    if (!bytes) {
      missing.push(f.path);
      continue;
    }
    const actual = sha256(bytes);
    if (actual !== f.sha256) {
      changed.push(`${f.path} (sha256 ${actual.slice(0, 12)}…, pinned ${f.sha256.slice(0, 12)}…)`);
      continue;
    }
    const to = path.join(stage, f.path);
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, bytes);
  }
  const some = (xs) =>
    `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ` and ${xs.length - 5} more` : ''}`;
  const problems = [
    ...(changed.length ? [`changed ${some(changed)}`] : []),
    ...(missing.length ? [`missing ${some(missing)}`] : []),
  ];
  if (problems.length)
    fail(
      `the source is not the pinned corpus (${pin.repository}@${pin.commit.slice(0, 7)}): ${problems.join('; ')}; nothing installed`,
    );
  const license = read('LICENSE');
  if (license) writeFileSync(path.join(stage, 'LICENSE'), license);
}

/** A copy already in place whose every pinned file has its hash. */
function verifiedInPlace(pin, dir) {
  if (!existsSync(dir)) return false;
  return pin.files.every((f) => {
    const p = path.join(dir, f.path);
    return existsSync(p) && sha256(readFileSync(p)) === f.sha256;
  });
}

async function main() {
  const pinFile = path.resolve(
    String(argv.pin ?? path.join(repo, 'vectors', 'wasm-spec', 'corpus.json')),
  );
  const pin = loadPin(pinFile);
  const destRoot = path.resolve(
    String(
      argv.dest ??
        path.join(
          process.env.ICN_CACHE_DIR
            ? path.resolve(process.env.ICN_CACHE_DIR)
            : path.join(repo, '.cache'),
          'spec-tests',
        ),
    ),
  );
  if (argv.key) {
    const all = sha256(JSON.stringify(pin.files.map((f) => [f.path, f.sha256]).sort()));
    console.log(
      `key=icn-spec-tests-${pin.commit.slice(0, 12)}-${all.slice(0, 16)}\npath=${destRoot}`,
    );
    return;
  }
  const dest = path.join(destRoot, pin.commit);
  const short = `${pin.repository}@${pin.commit.slice(0, 7)}`;
  if (!argv.force && verifiedInPlace(pin, dest)) {
    console.log(
      `${NAME}: ${short} already installed and verified in ${dest} (${pin.files.length} files)`,
    );
    return;
  }
  mkdirSync(destRoot, { recursive: true });
  const scratch = path.join(destRoot, `.tmp-${pin.commit.slice(0, 12)}-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    const froms = list(argv.from);
    const { reader, label } = froms.length
      ? localReader(froms, pin.commit, scratch)
      : await networkReader(pin, scratch);
    const stage = path.join(scratch, 'stage');
    mkdirSync(stage);
    stageFiles(pin, reader, stage);
    writeFileSync(
      path.join(stage, 'SOURCE.txt'),
      `${pin.repository} commit ${pin.commit} (${pin.license ?? 'see LICENSE'}), installed by npm run ${NAME} from ${label}; every file checked against ${path.relative(repo, pinFile) || pinFile}.\n`,
    );
    // Same filesystem: the old copy moves aside, the new one moves in, then the old one goes.
    const old = `${scratch}-old`;
    if (existsSync(dest)) renameSync(dest, old);
    renameSync(stage, dest);
    rmSync(old, { recursive: true, force: true });
    const sets = [...new Set(pin.files.map((f) => f.set))].join(', ');
    console.log(
      `${NAME}: installed ${pin.files.length} files of ${short} (sets ${sets}) from ${label} into ${dest}; every sha256 matches the pin`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  if (e instanceof FetchError) {
    console.error(`${NAME}: error: ${e.message}`);
    process.exit(2);
  }
  console.error(`${NAME}: harness fault: ${e?.stack ?? e}`);
  process.exit(3);
}
