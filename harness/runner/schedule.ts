/**
 * The order in which the worker pool hands out cases: longest first, so that no worker is left
 * with a multi-second case while the other idles at the end of the run (and the nasties' tier
 * children, which run beside everything else, start at once). Costs are estimates per id prefix,
 * from `_volatile.caseMs` of full runs; they decide only the order of hand-out, never a result
 * (entries are sealed one by one and the manifest sorts them).
 */
import type { CaseSpec } from '../suites/types.js';

/** Estimated ms per case, first match wins; measured on the project's 2-core machine. */
const COST_HINTS: readonly (readonly [RegExp, number])[] = [
  // the first tier-child case waits for the three tier children (one pool batch)
  [/^nasties\/(?!iteration_order::)/, 3000],
  [/^scenarios\/deploy-flood::/, 2000],
  [/^scenarios\/lossy-50::/, 1200],
  [/^nasties\/iteration_order::ledger$/, 1000],
  [/^scenarios\/random-faults::/, 600],
  [/^scenarios\/(?:attestation-flood|byzantine-pom)::/, 450],
  [/^nasties\/iteration_order::/, 350],
  [/^scenarios\//, 200],
  [/^wasm-spec\//, 60],
];

export function costHint(id: string): number {
  for (const [re, ms] of COST_HINTS) if (re.test(id)) return ms;
  return 10;
}

/** The cases, longest estimate first; equal estimates keep their run order. */
export function poolOrder<T extends { spec: CaseSpec }>(cases: readonly T[]): T[] {
  return cases
    .map((c, i) => ({ c, i, ms: costHint(c.spec.id) }))
    .sort((a, b) => b.ms - a.ms || a.i - b.i)
    .map((x) => x.c);
}
