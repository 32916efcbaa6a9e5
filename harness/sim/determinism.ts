/**
 * The determinism check: one scenario seed run twice, the second perturbed in ways that must not
 * matter, compared step by step.
 */
import type { Hash } from '../../core/hash/index.js';
import { runScenario } from './scenario.js';
import type { ScenarioDef, ScenarioOptions } from './scenario-types.js';
import { DeterminismDivergence } from './simulator.js';

export interface DeterminismReport {
  ok: boolean;
  steps: number;
  /** The first differing step and both runs' events there. */
  divergence?: { step: number; first: string; second: string };
  /** Final outputs compared when the traces agreed. */
  traceRoots: [Hash, Hash | null];
}

/**
 * Run a seed twice and stop at the first differing step. The second run is perturbed in ways
 * that must not matter (nodes built in reverse order, peer lists reversed), so a hidden
 * dependence on construction or insertion order shows up too (madsim's HashSet lesson).
 */
export async function checkDeterminism(
  def: ScenarioDef,
  o: ScenarioOptions,
): Promise<DeterminismReport> {
  const first = await runScenario(def, { ...o, record: true });
  try {
    const second = await runScenario(def, { ...o, perturb: true, compareWith: first.log });
    const same = second.trace.root === first.trace.root && second.trace.steps === first.trace.steps;
    if (!same) {
      return {
        ok: false,
        steps: first.trace.steps,
        divergence: {
          step: Math.min(first.trace.steps, second.trace.steps) + 1,
          first: `trace root ${first.trace.root} after ${first.trace.steps} steps`,
          second: `trace root ${second.trace.root} after ${second.trace.steps} steps`,
        },
        traceRoots: [first.trace.root, second.trace.root],
      };
    }
    return {
      ok: true,
      steps: first.trace.steps,
      traceRoots: [first.trace.root, second.trace.root],
    };
  } catch (e) {
    if (e instanceof DeterminismDivergence) {
      return {
        ok: false,
        steps: first.trace.steps,
        divergence: { step: e.step, first: e.expected, second: e.actual },
        traceRoots: [first.trace.root, null],
      };
    }
    throw e;
  }
}
