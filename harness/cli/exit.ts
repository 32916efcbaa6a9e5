/**
 * Exit codes, the same for every verb (core/exit-class.ts):
 *   0  success (identical, passed, accepted, REPRODUCED)
 *   1  a definite negative result (different, failed, rejected, MISMATCH)
 *   2  usage or input error (missing file, invalid JSON, wrong schema, bad flag)
 *   3  harness fault (the harness itself broke; nothing about the input is known)
 * An error's exit code is its code's class in EXIT_CLASS, one table over every code (core's and
 * the harness's): a code added to a union without a class here is a type error.
 */
import { isIcnError, type HarnessErrorCode, type IcnErrorCode } from '../../core/errors.js';
import { CORE_EXIT_CLASS, EXIT, type ExitTable } from '../../core/exit-class.js';
import type {} from '../errors.js'; // loads the harness's code unions (HarnessErrorCodes)
import { printable } from '../io/printable.js';

export { EXIT };

const U = 'usage';

/** The harness's codes: all bad input (a harness fault is core's HARNESS_FAULT). */
const HARNESS_EXIT_CLASS: ExitTable<HarnessErrorCode> = {
  // usage
  USAGE_ARGS: U,
  USAGE_DOMAIN: U,
  USAGE_ENGINE: U,
  USAGE_FILE: U,
  USAGE_INPUT: U,
  USAGE_INT: U,
  USAGE_JSON: U,
  USAGE_OPTION: U,
  USAGE_PROFILE: U,
  USAGE_SEED: U,
  USAGE_SHARD: U,
  USAGE_TIER: U,
  IO_READ: U,
  IO_WRITE: U,
  // manifest
  MANIFEST_DUPLICATE: U,
  MANIFEST_INTEGRITY: U,
  MANIFEST_ORDER: U,
  MANIFEST_SCHEMA: U,
  MERGE_DUPLICATE: U,
  MERGE_EMPTY: U,
  MERGE_INCOMPLETE: U,
  MERGE_MISMATCH: U,
  MERGE_NOT_SHARD: U,
  MERGE_PLATFORM: U,
  EXPECTED_DIVERGENCES: U,
  GATE_ACCEPT_FAILING: U,
  GATE_NO_GOLDEN: U,
  GATE_REASON: U,
  BENCHMARKS_FORMAT: U,
  // run
  RUN_EXTRA_SUITE: U,
  RUN_SUITE_CONFLICT: U,
  RUN_UNKNOWN_SUITE: U,
  KNOWN_FAILURES: U,
  KNOWN_FAILURES_LC: U,
  CASE_UNKNOWN: U,
  NASTY_SPEC: U,
  VECTOR_FIELD: U,
  VECTOR_FORMAT: U,
  VECTOR_KIND: U,
  // replay
  REPLAY_CODE: U,
  REPLAY_DUPLICATE: U,
  REPLAY_ENGINE: U,
  REPLAY_ENTRY: U,
  REPLAY_EXPECT: U,
  REPLAY_FORMAT: U,
  REPLAY_INTEGRITY: U,
  REPLAY_RECEIPT: U,
  REPLAY_WITNESS: U,
  // scenario
  SCENARIO_CONTRACTS: U,
  SCENARIO_DEPLOY: U,
  SCENARIO_FORMAT: U,
  SCENARIO_NODE_DOWN: U,
  SCENARIO_UNKNOWN: U,
  SIM_FAULTS: U,
  SIM_IDENTITY: U,
  SIM_NODES: U,
  SIM_NONDETERMINISM: U,
  SIM_UNKNOWN_NODE: U,
  BACKEND_UNAVAILABLE: U,
  BACKEND_UNSUPPORTED: U,
  HARNESS_NO_FREE_PORT: U,
  // wast
  WAST_EMPTY: U,
  WAST_LITERAL: U,
  WAST_SYNTAX: U,
  WAST_UNREADABLE: U,
};

export const EXIT_CLASS: ExitTable<IcnErrorCode> = { ...CORE_EXIT_CLASS, ...HARNESS_EXIT_CLASS };

/** The exit code of an error: its code's class; anything that is not an IcnError is a fault. */
export function exitFor(e: unknown): number {
  return isIcnError(e) ? EXIT[EXIT_CLASS[e.code]] : EXIT.fault;
}

export function reportError(verb: string, e: unknown): number {
  const code = exitFor(e);
  if (code !== EXIT.fault) {
    // one line, whatever the input held (messages quote artifact text)
    process.stderr.write(`icn-harness ${verb}: error: ${printable((e as Error).message)}\n`);
    return code;
  }
  const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`icn-harness ${verb}: harness fault: ${msg}\n`);
  return EXIT.fault;
}

/** Wrap a command action: its return value is the exit code; errors become one line + code. */
export function action<A extends unknown[]>(
  verb: string,
  fn: (...args: A) => Promise<number> | number,
) {
  return async (...args: A): Promise<void> => {
    let code: number;
    try {
      code = await fn(...args);
    } catch (e) {
      code = reportError(verb, e);
    }
    process.exitCode = code;
  };
}
