/**
 * Building the manifest's hash tree: entries → suite roots → root. Pure: no time, no paths, no
 * platform facts enter a hash.
 */
import { contentHash, DOMAIN, type Hash } from '../../core/hash/index.js';
import {
  MANIFEST_FORMAT,
  type CorpusRecord,
  type EntryStatus,
  type Manifest,
  type ManifestEntry,
  type ManifestRoot,
  type PlatformFingerprint,
  type SuiteRoot,
} from './types.js';

export const ENTRY_ID = /^[a-z0-9][a-z0-9_-]*\/[^\s:][^\s]*?(?:::[^\s]+)?$/;

export function suiteOfId(id: string): string {
  return id.slice(0, id.indexOf('/'));
}

/** The entry's own hash: everything that must agree between platforms for an lc entry. */
export function entryHash(e: Omit<ManifestEntry, 'hash'>): Hash {
  return contentHash(DOMAIN.manifestEntry, {
    id: e.id,
    class: e.class,
    inputs: e.inputs,
    outputs: e.outputs,
    status: e.status,
    reason: e.reason ?? null,
    trace: e.trace?.root ?? null,
  });
}

/** A trace's root: over its step count and every checkpoint (the simulator's trace root). */
export function traceRoot(
  steps: number,
  checkpoints: readonly { step: number; hash: Hash }[],
): Hash {
  return contentHash(DOMAIN.simTrace, {
    steps,
    checkpoints: checkpoints.map((c) => [c.step, c.hash]),
  });
}

/** Tags sorted; a trace's root recomputed here (a suite's own root formula never reaches a manifest); hashed. */
export function sealEntry(e: Omit<ManifestEntry, 'hash'>): ManifestEntry {
  const t = e.trace;
  const x = t ? { ...e, trace: { ...t, root: traceRoot(t.steps, t.checkpoints) } } : e;
  return { ...x, tags: [...x.tags].sort(), hash: entryHash(x) };
}

/** Sort by id comparing UTF-16 code units (never locale order). */
export function sortEntries(entries: readonly ManifestEntry[]): ManifestEntry[] {
  return [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function suiteHash(suite: string, entries: readonly ManifestEntry[]): Hash {
  return contentHash(DOMAIN.manifestSuite, { suite, entries: entries.map((e) => [e.id, e.hash]) });
}

/**
 * The roots over the suites' roots, and the corpus record when the run has one: two runs on
 * different spec corpora never share a root. Without a corpus the hashed value has no `corpus` key,
 * so manifests of runs that use none keep their roots.
 */
export function computeRoot(
  entries: readonly ManifestEntry[],
  corpus?: CorpusRecord,
): ManifestRoot {
  const sorted = sortEntries(entries);
  const bySuite = new Map<string, ManifestEntry[]>();
  for (const e of sorted) {
    const list = bySuite.get(e.suite) ?? [];
    list.push(e);
    bySuite.set(e.suite, list);
  }
  const suites: Record<string, SuiteRoot> = {};
  const lcRoots: [string, Hash][] = [];
  const allRoots: [string, Hash][] = [];
  for (const name of [...bySuite.keys()].sort()) {
    const list = bySuite.get(name)!;
    const lc = list.filter((e) => e.class === 'lc');
    const root: SuiteRoot = {
      all: suiteHash(name, list),
      entries: list.length,
      lcEntries: lc.length,
    };
    if (lc.length > 0) {
      root.lc = suiteHash(name, lc);
      lcRoots.push([name, root.lc]);
    }
    allRoots.push([name, root.all]);
    suites[name] = root;
  }
  const c = corpus
    ? { corpus: { repository: corpus.repository, commit: corpus.commit, hash: corpus.hash } }
    : {};
  return {
    lc: contentHash(DOMAIN.manifestRoot, {
      format: MANIFEST_FORMAT,
      class: 'lc',
      suites: lcRoots,
      ...c,
    }),
    all: contentHash(DOMAIN.manifestRoot, {
      format: MANIFEST_FORMAT,
      class: 'all',
      suites: allRoots,
      ...c,
    }),
    suites,
  };
}

export function countStatuses(entries: readonly ManifestEntry[]): Record<EntryStatus, number> {
  const counts: Record<EntryStatus, number> = {
    pass: 0,
    fail: 0,
    skip: 0,
    xfail: 0,
    xpass: 0,
    error: 0,
  };
  for (const e of entries) counts[e.status]++;
  return counts;
}

export function buildManifest(args: {
  entries: readonly ManifestEntry[];
  platform: PlatformFingerprint;
  generator: { name: string; version: string };
  volatile?: Record<string, unknown>;
  corpus?: CorpusRecord;
}): Manifest {
  const entries = sortEntries(args.entries);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.id === entries[i - 1]!.id)
      throw new Error(`duplicate manifest entry id ${entries[i]!.id}`);
  }
  return sealed({
    format: MANIFEST_FORMAT,
    generator: args.generator,
    ...(args.corpus ? { corpus: { ...args.corpus } } : {}),
    root: computeRoot(entries, args.corpus),
    counts: countStatuses(entries),
    entries,
    platform: args.platform,
    _volatile: args.volatile ?? {},
  });
}

/** The manifest's seal: a hash over everything but `seal` itself and `_volatile`. */
export function manifestSeal(m: Manifest): Hash {
  const { seal: _seal, _volatile: _v, ...rest } = m;
  return contentHash(DOMAIN.manifestSeal, rest);
}

/** The manifest with its seal recomputed (after adding run, tiers, determinism…); `seal` just before `_volatile`. */
export function sealed(m: Manifest): Manifest {
  const { seal: _old, _volatile, ...rest } = m;
  return { ...rest, seal: manifestSeal(m), _volatile };
}
