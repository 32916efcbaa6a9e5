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

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  generator: { name: string; version: string };
  root: ManifestRoot;
  counts: Record<EntryStatus, number>;
  entries: ManifestEntry[];
  platform: PlatformFingerprint;
  /** Times, host, paths, argv: excluded from every hash. */
  _volatile: Record<string, unknown>;
}
