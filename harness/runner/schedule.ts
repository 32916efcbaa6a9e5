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

/** What a hand-out needs to know about the pool: batch owners and each worker's current suite. */
export interface HandOut {
  /** Which worker owns each batch it has started. */
  batchOwner: Map<string, number>;
  /** The suite of the case each worker took last (its JIT and caches are warm for it). */
  home: Map<number, string>;
}

/**
 * Index of the case `worker` takes next, or -1. Suite affinity: the first case of the worker's own
 * suite, else the first of a suite no other worker is on, else the first it may take; so each
 * process warms up fewer code paths while every suite's cases still go longest first. Only which
 * process runs a case depends on this, never an entry.
 */
export function nextCase(queue: readonly CaseSpec[], worker: number, h: HandOut): number {
  const mine = h.home.get(worker);
  const others = new Set([...h.home].filter(([w]) => w !== worker).map(([, s]) => s));
  let free = -1;
  let any = -1;
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i]!;
    if (c.batch !== undefined && (h.batchOwner.get(c.batch) ?? worker) !== worker) continue;
    if (c.suite === mine) return i;
    if (free < 0 && !others.has(c.suite)) free = i;
    if (any < 0) any = i;
    if (free >= 0 && mine === undefined) break;
  }
  return free >= 0 ? free : any;
}
