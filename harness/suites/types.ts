/** What a suite is: a named set of cases the runner can list, select and run one by one. */
import type { Hash } from '../../core/hash/index.js';
import type { CorpusRecord, EntryClass, EntryStatus, EntryTrace } from '../manifest/types.js';

export interface SuiteContext {
  /** The repository root (vectors/, nasties/, scenarios/ are read from here). */
  repoRoot: string;
  /** The run's root seed (suites derive named streams from it). */
  seed: bigint;
  /** Directory of the official WebAssembly spec tests (`:`-separated for several), when given. */
  specTestsDir?: string;
  /** Tiers to run wasm cases under (`default`, `liftoff`, `turbofan`). */
  tiers: string[];
}

export interface CaseSpec {
  /** `suite/name[::case]`. */
  id: string;
  suite: string;
  class: EntryClass;
  tags: string[];
  /**
   * Cases that share per-process work (the nasties' tier children): the worker pool hands every
   * case of one batch to the worker that took its first, so that work is done once per run, not
   * once per worker. Never part of an entry or its hash.
   */
  batch?: string;
}

export interface CaseOutcome {
  inputs: Hash;
  outputs: Record<string, string>;
  status: EntryStatus;
  reason?: string;
  trace?: EntryTrace;
  reproduce?: string;
}

export interface Suite {
  name: string;
  description: string;
  /** Every case, without running anything. Must be deterministic and sorted-stable. */
  list(ctx: SuiteContext): Promise<CaseSpec[]>;
  /**
   * The pinned external input the cases come from (wasm-spec: the spec corpus), recorded in the
   * manifest header and hashed into its roots when the selection has a case of this suite.
   */
  corpus?(ctx: SuiteContext): CorpusRecord;
  /** Run one case. Throwing is a harness fault (status `error`), never a pass or fail. */
  run(spec: CaseSpec, ctx: SuiteContext): Promise<CaseOutcome>;
}
