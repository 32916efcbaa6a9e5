/**
 * Manifest v1: one run's results, the single source of truth for diffs, gates and reports.
 * Specified in docs/manifest.md, schema in harness/manifest/manifest.schema.json.
 */
import type { Hash } from '../../core/hash/index.js';

export const MANIFEST_FORMAT = 'icn-manifest/v1';

/** `lc`: legitimacy compute, must be identical everywhere. `advisory`: recorded, never gates. */
export type EntryClass = 'lc' | 'advisory';

/**
 * pass: ran and met its expectation. fail: ran and did not. skip: not run, with a reason (e.g.
 * outside the profile). xfail: failed as a known failure says it would (never counted as a pass).
 * xpass: a known failure that passed (reported so the list can shrink). error: harness fault.
 */
export type EntryStatus = 'pass' | 'fail' | 'skip' | 'xfail' | 'xpass' | 'error';

/** A checkpoint along a trace (simulations, long executions): step number and state hash. */
export interface TraceCheckpoint {
  step: number;
  hash: Hash;
}

export interface EntryTrace {
  /** Root over all checkpoints. */
  root: Hash;
  steps: number;
  checkpoints: TraceCheckpoint[];
}

export interface ManifestEntry {
  /** `suite/name[::case]`, unique, the sort key. */
  id: string;
  suite: string;
  class: EntryClass;
  tags: string[];
  /** Hash of everything that determines the outputs (module bytes, args, profile, seed…). */
  inputs: Hash;
  /** Outputs as strings only (hashes, bit strings, decimal integers). Sorted by key on hashing. */
  outputs: Record<string, string>;
  status: EntryStatus;
  reason?: string;
  trace?: EntryTrace;
  /** A command that reproduces this entry alone. Not hashed (it names paths). */
  reproduce?: string;
  /** The file the case comes from, relative to the repo (annotations, reports). Not hashed. */
  source?: string;
  /** Hash of {id, class, inputs, outputs, status, reason, trace root}. */
  hash: Hash;
}

export interface SuiteRoot {
  /** Root over the suite's lc entries (absent when it has none). */
  lc?: Hash;
  /** Root over all of the suite's entries (platform-dependent when advisory entries differ). */
  all: Hash;
  entries: number;
  lcEntries: number;
}

export interface ManifestRoot {
  /** The consensus root: over lc entries only. Independent of platform, time and paths. */
  lc: Hash;
  all: Hash;
  suites: Record<string, SuiteRoot>;
}

export interface PlatformFingerprint {
  arch: string;
  os: string;
  node: string;
  v8: string;
  /** V8 flags in effect (from the node command line). */
  v8Flags: string[];
  /** `default`, `liftoff` or `turbofan`, from the flags. */
  tier: string;
  /** CPU features that can change float or SIMD results (fma, avx2, asimd…), sorted. */
  cpuFeatures: string[];
  /** True when running under an emulator (qemu-user), when known. */
  emulated?: boolean;
}

/** How the run was selected. Not hashed: the LC root depends on the entries alone. */
export interface RunInfo {
  /** The root seed, decimal. */
  seed: string;
  suites: string[];
  filters: string[];
  tags: string[];
  /** Suites left out with `--skip-suite` (the summary says so). */
  skipped?: string[];
  /** Present on a shard's manifest (`run --shard i/n`); `merge` removes it. */
  shard?: ShardInfo;
  /** Hash of the known-failure list in force (absent when none was used). */
  knownFailures?: Hash;
}

export interface ShardInfo {
  /** 1-based. */
  index: number;
  count: number;
  /** Number of cases selected before sharding (all shards together). */
  selected: number;
  /** Hash of the sorted list of every selected id before sharding: shards of one run share it. */
  selection: Hash;
}

/** One other V8 tier's run of the same selection (`run --tiers`), compared with this manifest. */
export interface TierRun {
  tier: string;
  v8Flags: string[];
  lc: Hash;
  all: Hash;
  entries: number;
  /** Entries whose hash differs from this manifest's entry (or that only one side has), sorted by id. */
  divergent: { id: string; class: EntryClass; hash: Hash | null; fields: string[] }[];
}

/** The result of `--repeat N` / `--check-determinism`. */
export interface DeterminismCheck {
  mode: 'repeat' | 'perturbed';
  /** Runs compared (the first included). */
  runs: number;
  /** What was changed between runs (process, order, V8 seeds, TZ, locale). */
  perturbations: string[];
  /** Entries compared before stopping. */
  compared: number;
  /** The first differing entry (run order), absent when every run agreed. */
  divergence?: {
    run: number;
    id: string;
    fields: string[];
    /** For an entry with a trace: the last step both runs agree on and the first differing one. */
    lastCommonStep?: number;
    firstDifferingStep?: number;
  };
}

/**
 * The external corpus a run's cases come from (today the WebAssembly spec testsuite, pinned in
 * vectors/wasm-spec/corpus.json). Hashed into both roots: runs on different corpora never agree.
 */
export interface CorpusRecord {
  /** `owner/name` on GitHub. */
  repository: string;
  /** 40 hex digits. */
  commit: string;
  /** Hash over the repository, commit and every file the run used (path, sha256). */
  hash: Hash;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  generator: { name: string; version: string };
  /** Present when the selection ran cases of a pinned corpus (wasm-spec). Hashed into `root`. */
  corpus?: CorpusRecord;
  root: ManifestRoot;
  counts: Record<EntryStatus, number>;
  entries: ManifestEntry[];
  platform: PlatformFingerprint;
  /** Selection and seed (optional, additive; never hashed). */
  run?: RunInfo;
  /** Other tiers' results compared with this one (optional, additive; never hashed). */
  tiers?: TierRun[];
  /** Self-determinism check result (optional, additive; never hashed). */
  determinism?: DeterminismCheck;
  /**
   * Hash over the whole manifest except `seal` and `_volatile` (harness/manifest/integrity.ts),
   * set when written; readers recompute it, so no header field can be edited unnoticed.
   */
  seal?: Hash;
  /** Times, host, paths, argv: excluded from every hash. */
  _volatile: Record<string, unknown>;
}
