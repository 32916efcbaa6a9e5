/**
 * First-divergence localisation along traces. A trace carries checkpoint hashes of the whole state
 * at increasing steps; each hash covers the state reached (and so the history before it), which
 * makes "differs at checkpoint k" monotonic and lets us bisect instead of scanning.
 */
import type { Hash } from '../../core/hash/index.js';
import type { EntryTrace } from './types.js';

export interface TraceDivergence {
  /** The last checkpoint step on which every side agrees (null: they differ from the first one). */
  lastCommonStep: number | null;
  /** The first checkpoint step on which they differ (null: all shared checkpoints agree; the traces
   *  differ after the last one, e.g. in length or final state). */
  firstDifferingStep: number | null;
  /** Each side's checkpoint hash at `firstDifferingStep` (null when that side has none there). */
  hashes: (Hash | null)[];
  /** Sides grouped by agreement at the first differing step (indexes into the input). */
  groups: number[][];
  /** Each side's total step count. */
  steps: number[];
  /** Checkpoints compared by the bisection (log2 of the shared checkpoints, plus one). */
  probes: number;
}

/** Group side indexes by equal value, groups ordered by their first member. */
export function groupBy<T>(values: readonly T[]): number[][] {
  const groups: number[][] = [];
  const keys: T[] = [];
  values.forEach((v, i) => {
    const k = keys.indexOf(v);
    if (k < 0) {
      keys.push(v);
      groups.push([i]);
    } else groups[k]!.push(i);
  });
  return groups;
}

/**
 * Where do these traces first differ? Undefined when fewer than two sides carry a trace or the
 * traces are identical. Compares only the checkpoint steps every side has.
 */
export function firstTraceDivergence(
  traces: readonly (EntryTrace | undefined)[],
): TraceDivergence | undefined {
  if (traces.length < 2 || traces.some((t) => t === undefined)) return undefined;
  const ts = traces as EntryTrace[];
  if (ts.every((t) => t.root === ts[0]!.root)) return undefined;
  // Fast path: every side checkpointed the same steps (one run's code on several platforms).
  const c0 = ts[0]!.checkpoints;
  const aligned = ts.every(
    (t) =>
      t.checkpoints.length === c0.length && t.checkpoints.every((c, i) => c.step === c0[i]!.step),
  );
  const maps = aligned ? [] : ts.map((t) => new Map(t.checkpoints.map((c) => [c.step, c.hash])));
  const shared = aligned
    ? c0.map((c) => c.step)
    : [...maps[0]!.keys()].filter((s) => maps.every((m) => m.has(s))).sort((a, b) => a - b);
  const hashAt = (side: number, i: number): Hash | undefined =>
    aligned ? ts[side]!.checkpoints[i]!.hash : maps[side]!.get(shared[i]!);
  const agrees = (i: number) => {
    const h = hashAt(0, i);
    return ts.every((_, side) => hashAt(side, i) === h);
  };
  // Bisect for the first shared checkpoint that differs.
  let lo = 0;
  let hi = shared.length; // invariant: all before lo agree; hi is a differing index or the end
  let probes = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    probes++;
    if (agrees(mid)) lo = mid + 1;
    else hi = mid;
  }
  // A trace whose checkpoints re-converge breaks monotonicity: fall back to the first by scan.
  for (let i = 0; i < lo; i++) {
    if (!agrees(i)) {
      lo = i;
      break;
    }
  }
  const steps = ts.map((t) => t.steps);
  if (lo >= shared.length) {
    return {
      lastCommonStep: shared.length ? shared[shared.length - 1]! : null,
      firstDifferingStep: null,
      hashes: ts.map(() => null),
      groups: groupBy(ts.map((t) => t.root)),
      steps,
      probes,
    };
  }
  const step = shared[lo]!;
  const hashes = ts.map((_, side) => hashAt(side, lo) ?? null);
  return {
    lastCommonStep: lo > 0 ? shared[lo - 1]! : null,
    firstDifferingStep: step,
    hashes,
    groups: groupBy(hashes),
    steps,
    probes,
  };
}
