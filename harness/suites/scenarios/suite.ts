/**
 * The `scenarios` suite: every scenario of scenarios/ for a few seeds each. Entry ids:
 * `scenarios/<name>::seed-<k>`; the seed is the run's root seed + k. Outputs (LC): each node's
 * state root, the virtual time of convergence, the step count; the trace (checkpoints and root)
 * goes in the entry's trace. A failing check is a `fail` with the reproduce command.
 */
import { IcnError } from '../../../core/errors.js';
import { contentHash, DOMAIN } from '../../../core/hash/index.js';
import { runScenario, type ScenarioDef } from '../../sim/scenario.js';
import type { CaseOutcome, CaseSpec, Suite, SuiteContext } from '../types.js';
import { loadScenarios } from './load.js';

const DEFAULT_SEEDS = 3;
const U64 = 1n << 64n;

export function scenarioSeed(root: bigint, k: number): bigint {
  return (root + BigInt(k)) % U64;
}

export function createScenariosSuite(): Suite {
  let defs: Map<string, ScenarioDef> | undefined;
  const load = (ctx: SuiteContext) => (defs ??= new Map(loadScenarios(ctx.repoRoot).map((d) => [d.name, d])));
  return {
    name: 'scenarios',
    description: 'Deterministic multi-node scenarios in the simulator (gossip, trust, ledger, faults)',
    async list(ctx): Promise<CaseSpec[]> {
      const out: CaseSpec[] = [];
      for (const d of load(ctx).values()) {
        for (let k = 1; k <= (d.suiteSeeds ?? DEFAULT_SEEDS); k++) out.push({ id: `scenarios/${d.name}::seed-${k}`, suite: 'scenarios', class: 'lc', tags: ['scenarios', 'sim', d.name] });
      }
      return out;
    },
    async run(spec, ctx): Promise<CaseOutcome> {
      const m = /^scenarios\/([a-z0-9-]+)::seed-([0-9]+)$/.exec(spec.id);
      const def = m ? load(ctx).get(m[1]!) : undefined;
      if (!m || !def) throw new IcnError('CASE_UNKNOWN', `no scenario case ${spec.id}`);
      const seed = scenarioSeed(ctx.seed, Number(m[2]));
      const r = await runScenario(def, { seed, repoRoot: ctx.repoRoot });
      const outputs: Record<string, string> = {
        seed: seed.toString(),
        nodes: String(r.nodes),
        steps: String(r.trace.steps),
        converged_at_ms: r.convergedAtMs === null ? 'never' : String(r.convergedAtMs),
        checks: r.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.check}`).join('; '),
      };
      r.stateRoots.forEach((h, i) => (outputs[`state_root.${String(i).padStart(3, '0')}`] = h ?? 'down'));
      const out: CaseOutcome = {
        inputs: contentHash(DOMAIN.manifestInputs, { scenario: def as never, seed: seed.toString() }),
        outputs,
        status: r.ok ? 'pass' : 'fail',
        trace: r.trace,
        reproduce: r.reproduce,
      };
      if (!r.ok) out.reason = r.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`).join('; ');
      return out;
    },
  };
}
