/**
 * The codes of the harness's errors, one union per area, registered in core/errors.ts's
 * HarnessErrorCodes (core never names them). harness/cli/exit.ts gives each an exit class.
 */

/** Command-line usage and input files (harness/cli, harness/io). */
export type UsageErrorCode =
  | 'USAGE_ARGS'
  | 'USAGE_DOMAIN'
  | 'USAGE_ENGINE'
  | 'USAGE_FILE'
  | 'USAGE_INPUT'
  | 'USAGE_INT'
  | 'USAGE_JSON'
  | 'USAGE_OPTION'
  | 'USAGE_PROFILE'
  | 'USAGE_SEED'
  | 'USAGE_SHARD'
  | 'USAGE_TIER'
  | 'IO_READ'
  | 'IO_WRITE';

/** Manifests: their schema, integrity, merge of shards, the gate (harness/manifest, cli gate). */
export type ManifestErrorCode =
  | 'MANIFEST_DUPLICATE'
  | 'MANIFEST_INTEGRITY'
  | 'MANIFEST_ORDER'
  | 'MANIFEST_SCHEMA'
  | 'MERGE_DUPLICATE'
  | 'MERGE_EMPTY'
  | 'MERGE_INCOMPLETE'
  | 'MERGE_MISMATCH'
  | 'MERGE_NOT_SHARD'
  | 'MERGE_PLATFORM'
  | 'EXPECTED_DIVERGENCES'
  | 'GATE_ACCEPT_FAILING'
  | 'GATE_NO_GOLDEN'
  | 'GATE_REASON'
  | 'BENCHMARKS_FORMAT';

/** Running suites: selection, tiers, known failures, cases (harness/runner, harness/suites). */
export type RunErrorCode =
  | 'RUN_EXTRA_SUITE'
  | 'RUN_SUITE_CONFLICT'
  | 'RUN_UNKNOWN_SUITE'
  | 'KNOWN_FAILURES'
  | 'KNOWN_FAILURES_LC'
  | 'CASE_UNKNOWN'
  | 'NASTY_SPEC'
  | 'VECTOR_FIELD'
  | 'VECTOR_FORMAT'
  | 'VECTOR_KIND';

/** Replaying receipts and proofs (harness/replay). */
export type ReplayErrorCode =
  | 'REPLAY_CODE'
  | 'REPLAY_DUPLICATE'
  | 'REPLAY_ENGINE'
  | 'REPLAY_ENTRY'
  | 'REPLAY_EXPECT'
  | 'REPLAY_FORMAT'
  | 'REPLAY_INTEGRITY'
  | 'REPLAY_RECEIPT'
  | 'REPLAY_WITNESS';

/** Scenarios, the simulator and the real-network backends (harness/sim, harness/backends). */
export type ScenarioErrorCode =
  | 'SCENARIO_CONTRACTS'
  | 'SCENARIO_DEPLOY'
  | 'SCENARIO_FORMAT'
  | 'SCENARIO_NODE_DOWN'
  | 'SCENARIO_UNKNOWN'
  | 'SIM_FAULTS'
  | 'SIM_IDENTITY'
  | 'SIM_NODES'
  | 'SIM_NONDETERMINISM'
  | 'SIM_UNKNOWN_NODE'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_UNSUPPORTED'
  | 'HARNESS_NO_FREE_PORT';

/** WebAssembly script tests (harness/wast). */
export type WastErrorCode = 'WAST_EMPTY' | 'WAST_LITERAL' | 'WAST_SYNTAX' | 'WAST_UNREADABLE';

declare module '../core/errors.js' {
  interface HarnessErrorCodes {
    usage: UsageErrorCode;
    manifest: ManifestErrorCode;
    run: RunErrorCode;
    replay: ReplayErrorCode;
    scenario: ScenarioErrorCode;
    wast: WastErrorCode;
  }
}
