/**
 * The one resolver of the official WebAssembly spec scripts (the wasm-spec suite, the CLI and
 * every test that reads the corpus find it here). They are a pinned input (vectors/wasm-spec/corpus.json): the
 * repository, the commit and the sha256 of every file, grouped in sets (`enabled` lists the sets
 * the suite runs). One resolver finds the files and refuses anything that is not the pinned
 * corpus: a missing, extra or changed file is named, never skipped.
 *
 * Where it looks, in order (the first that is given or exists is used, with no fallback after it):
 *   1. the run's `--spec-tests DIR` (several directories joined with `:`),
 *   2. `$ICN_SPEC_TESTS` (same form),
 *   3. the fetched copy `.cache/spec-tests/<commit>/` (`npm run spec-tests:fetch`; $ICN_CACHE_DIR moves `.cache`),
 *   4. `../shared/spec-tests` beside the repository (and `../shared/spec-tests-next` when present).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, relative, resolve, sep } from 'node:path';
import { IcnError } from '../../errors.js';
import { contentHash, DOMAIN, sha256, toHex, type Hash } from '../../hash/index.js';

/** What a manifest records of the corpus a run used (the manifest's `corpus`). */
export interface CorpusRecord {
  repository: string;
  commit: string;
  hash: Hash;
}

/** Where to look: the repository and the run's `--spec-tests` (if any). */
export interface CorpusWhere {
  repoRoot: string;
  specTestsDir?: string;
}

export const CORPUS_FORMAT = 'icn-spec-corpus/v1';
export const CORPUS_PIN = 'vectors/wasm-spec/corpus.json';

export interface CorpusFile {
  /** Path in the testsuite repository at the pinned commit (also the path in an installed copy). */
  path: string;
  set: string;
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string;
}

export interface CorpusPin {
  format: typeof CORPUS_FORMAT;
  repository: string;
  commit: string;
  license: string;
  /** Set name → what it holds. */
  sets: Record<string, string>;
  /** Sets the wasm-spec suite runs; the other sets are installed and verified, not run. */
  enabled: string[];
  files: CorpusFile[];
}

export interface ResolvedCorpus {
  record: CorpusRecord;
  /** How it was found (`--spec-tests`, `$ICN_SPEC_TESTS`, `fetched copy`, `../shared`). */
  source: string;
  dirs: string[];
  /** The enabled scripts, sorted by path. */
  scripts: { path: string; set: string; file: string; sha256: string }[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Read and check the pin: a malformed pin is bad input (exit 2), named with the field. */
export function loadPin(repoRoot: string): CorpusPin {
  const file = join(repoRoot, CORPUS_PIN);
  const bad = (why: string): never => {
    throw new IcnError('SPEC_CORPUS_PIN', `${CORPUS_PIN}: ${why}`);
  };
  let p: Partial<CorpusPin> = {};
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as Partial<CorpusPin>;
  } catch (e) {
    bad(`cannot read or parse: ${(e as Error).message}`);
  }
  if (p === null || typeof p !== 'object' || p.format !== CORPUS_FORMAT)
    bad(`not a corpus pin (expected "format": "${CORPUS_FORMAT}")`);
  if (typeof p.repository !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(p.repository))
    bad('"repository" must be owner/name');
  if (typeof p.commit !== 'string' || !/^[0-9a-f]{40}$/.test(p.commit))
    bad('"commit" must be 40 lowercase hex digits');
  if (!p.sets || typeof p.sets !== 'object') bad('"sets" must be an object');
  if (!Array.isArray(p.enabled) || p.enabled.some((s) => !(s in p.sets!)))
    bad('"enabled" must list names of "sets"');
  if (!Array.isArray(p.files) || p.files.length === 0) bad('"files" must be a non-empty array');
  const seen = new Set<string>();
  for (const [i, f] of p.files!.entries()) {
    if (
      typeof f?.path !== 'string' ||
      !f.path.endsWith('.wast') ||
      f.path.startsWith('/') ||
      f.path.split('/').includes('..')
    )
      bad(`files[${i}].path must be a relative .wast path`);
    if (!(f.set in p.sets!)) bad(`files[${i}] (${f.path}): unknown set ${JSON.stringify(f.set)}`);
    if (!HEX64.test(f.sha256))
      bad(`files[${i}] (${f.path}): sha256 must be 64 lowercase hex digits`);
    if (seen.has(f.path)) bad(`files[${i}]: ${f.path} listed twice`);
    seen.add(f.path);
  }
  return p as CorpusPin;
}

export function enabledFiles(pin: CorpusPin): CorpusFile[] {
  return pin.files
    .filter((f) => pin.enabled.includes(f.set))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The manifest's record: contentHash(wasmSpecCorpus, {repository, commit, files: [[path, sha256]…] of the enabled sets}). */
export function corpusRecord(pin: CorpusPin): CorpusRecord {
  const files = enabledFiles(pin).map((f) => [f.path, f.sha256]);
  return {
    repository: pin.repository,
    commit: pin.commit,
    hash: contentHash(DOMAIN.wasmSpecCorpus, {
      repository: pin.repository,
      commit: pin.commit,
      files,
    }),
  };
}

/** `owner/name@abcdef0 sha256:…`: how messages name a corpus. */
export function describeRecord(r: CorpusRecord | undefined): string {
  return r ? `${r.repository}@${r.commit.slice(0, 7)} ${r.hash}` : '(no spec corpus)';
}

export const fileSha256 = (file: string): string => toHex(sha256(readFileSync(file)));

/** Every .wast file under the directories (recursively, dot folders skipped), by path relative to its directory. */
function wastTree(dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (root: string, dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(root, p);
      else if (name.endsWith('.wast')) {
        const rel = relative(root, p).split(sep).join('/');
        if (!out.has(rel)) out.set(rel, p);
      }
    }
  };
  for (const d of dirs) walk(d, d);
  return out;
}

export interface CorpusCheck {
  missing: string[];
  extra: string[];
  changed: { path: string; expected: string; actual: string }[];
  found: Map<string, string>;
}

/**
 * Compare directories with the pin: every file of an enabled set must be there with its hash; a
 * file of another pinned set may be there (it is verified too); any other .wast file is extra.
 */
export function checkDirs(pin: CorpusPin, dirs: readonly string[]): CorpusCheck {
  const found = wastTree(dirs);
  const byPath = new Map(pin.files.map((f) => [f.path, f]));
  const r: CorpusCheck = { missing: [], extra: [], changed: [], found };
  for (const f of enabledFiles(pin)) if (!found.has(f.path)) r.missing.push(f.path);
  for (const [path, file] of found) {
    const pinned = byPath.get(path);
    if (!pinned) r.extra.push(path);
    else {
      const actual = fileSha256(file);
      if (actual !== pinned.sha256) r.changed.push({ path, expected: pinned.sha256, actual });
    }
  }
  return r;
}

/** One line naming what differs (at most five of each kind). */
export function checkProblems(c: CorpusCheck): string | undefined {
  const some = (xs: string[]) =>
    `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ` and ${xs.length - 5} more` : ''}`;
  const parts: string[] = [];
  if (c.changed.length)
    parts.push(
      `changed ${some(c.changed.map((x) => `${x.path} (sha256 ${x.actual.slice(0, 12)}…, pinned ${x.expected.slice(0, 12)}…)`))}`,
    );
  if (c.missing.length) parts.push(`missing ${some(c.missing)}`);
  if (c.extra.length) parts.push(`extra ${some(c.extra)}`);
  return parts.length ? parts.join('; ') : undefined;
}

export const FETCH_HINT =
  'run `npm run spec-tests:fetch` (or pass --spec-tests DIR; opt out with --skip-suite wasm-spec)';

/** Where spec-tests:fetch installs: $ICN_CACHE_DIR (else .cache in the repository)/spec-tests/<commit>. */
export function cacheDir(
  repoRoot: string,
  pin: CorpusPin,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return join(
    env.ICN_CACHE_DIR ? resolve(env.ICN_CACHE_DIR) : join(repoRoot, '.cache'),
    'spec-tests',
    pin.commit,
  );
}

const splitDirs = (v: string): string[] =>
  v
    .split(delimiter)
    .filter((s) => s.length > 0)
    .map((s) => resolve(s));

/** The first location that is given or exists, or the list of places looked at. */
export function locate(
  ctx: CorpusWhere,
  pin: CorpusPin,
  env: NodeJS.ProcessEnv = process.env,
): { source: string; dirs: string[] } | { looked: string[] } {
  if (ctx.specTestsDir) return { source: '--spec-tests', dirs: splitDirs(ctx.specTestsDir) };
  if (env.ICN_SPEC_TESTS) return { source: '$ICN_SPEC_TESTS', dirs: splitDirs(env.ICN_SPEC_TESTS) };
  const cached = cacheDir(ctx.repoRoot, pin, env);
  if (existsSync(cached)) return { source: 'fetched copy', dirs: [cached] };
  const shared = resolve(ctx.repoRoot, '..', 'shared', 'spec-tests');
  if (existsSync(shared)) {
    const next = `${shared}-next`;
    return { source: '../shared', dirs: existsSync(next) ? [shared, next] : [shared] };
  }
  return {
    looked: [
      '--spec-tests (not given)',
      '$ICN_SPEC_TESTS (unset)',
      `${relative(ctx.repoRoot, cached)} (absent)`,
      `${shared} (absent)`,
    ],
  };
}

/** Find and verify the corpus; throws a one-line IcnError (exit 2) when it is absent or not the pinned one. */
export function resolveCorpus(
  ctx: CorpusWhere,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedCorpus {
  const pin = loadPin(ctx.repoRoot);
  const where = locate(ctx, pin, env);
  if ('looked' in where)
    throw new IcnError(
      'SPEC_CORPUS_MISSING',
      `wasm-spec: no spec corpus found (looked at ${where.looked.join(', ')}): ${FETCH_HINT}`,
    );
  for (const d of where.dirs) {
    if (!existsSync(d) || !statSync(d).isDirectory())
      throw new IcnError(
        'SPEC_CORPUS_MISSING',
        `wasm-spec: ${where.source} names ${d}, which is not a directory: ${FETCH_HINT}`,
      );
  }
  const check = checkDirs(pin, where.dirs);
  const problems = checkProblems(check);
  if (problems) {
    throw new IcnError(
      'SPEC_CORPUS_MISMATCH',
      `wasm-spec: the spec corpus in ${where.dirs.join(delimiter)} (${where.source}) is not the one pinned in ${CORPUS_PIN} (${pin.repository}@${pin.commit.slice(0, 7)}): ${problems}`,
    );
  }
  const scripts = enabledFiles(pin).map((f) => ({
    path: f.path,
    set: f.set,
    file: check.found.get(f.path)!,
    sha256: f.sha256,
  }));
  return { record: corpusRecord(pin), source: where.source, dirs: where.dirs, scripts };
}

const resolved = new Map<string, ResolvedCorpus>();

/** resolveCorpus, once per process and location (workers verify once, then each script as they read it). */
export function resolveCorpusCached(ctx: CorpusWhere): ResolvedCorpus {
  const key = JSON.stringify([
    ctx.repoRoot,
    ctx.specTestsDir ?? null,
    process.env.ICN_SPEC_TESTS ?? null,
    process.env.ICN_CACHE_DIR ?? null,
  ]);
  let r = resolved.get(key);
  if (!r) {
    r = resolveCorpus(ctx);
    resolved.set(key, r);
  }
  return r;
}
