/**
 * `icn-harness scenario NAME --backend process|containers`: the real-network backends behind the
 * scenario verb (the simulator stays the verb's own default path). Prints the run header (with
 * the fault parameters the backend ignores), each node's final state root next to the
 * simulator's, and `roots equal to sim: yes|no`. Exit 0 equal, 1 different (or the simulator's
 * own checks failed), 2 bad input or an unavailable backend, 3 a harness fault.
 */
import { EXIT } from '../cli/exit.js';
import type { ScenarioDef } from '../sim/scenario.js';

export const BACKENDS = ['sim', 'process', 'containers'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface BackendRun {
  def: ScenarioDef;
  repoRoot: string;
  seeds: bigint[];
  nodes?: number;
  faults?: string;
  json?: boolean;
  out: (line: string) => void;
}

export async function runBackend(backend: Exclude<Backend, 'sim'>, r: BackendRun): Promise<number> {
  if (backend === 'containers') {
    r.out('unavailable: the containers backend is not implemented in this build (no image is built and no engine is driven); nothing ran');
    return EXIT.usage;
  }
  const { runProcessScenario } = await import('./process.js');
  let failed = 0;
  const results: unknown[] = [];
  for (const seed of r.seeds) {
    const res = await runProcessScenario(r.def, { seed, repoRoot: r.repoRoot, ...(r.nodes ? { nodes: r.nodes } : {}), ...(r.faults ? { faults: r.faults } : {}) });
    const ok = res.equal && res.sim.ok;
    if (!ok) failed++;
    results.push({ seed: seed.toString(), backend, equal: res.equal, simOk: res.sim.ok, roots: res.roots, simRoots: res.sim.stateRoots, convergedAfterMs: res.convergedAfterMs, wallMs: res.wallMs, restarts: res.restarts });
    if (r.json) continue;
    for (const l of res.header) r.out(l);
    if (!res.sim.ok) for (const c of res.sim.checks.filter((c) => !c.ok)) r.out(`  sim FAIL ${c.check}: ${c.detail}`);
    res.roots.forEach((h, i) => r.out(`  node ${i}: ${h ?? 'down'}${h === res.sim.stateRoots[i] ? '' : ` (sim: ${res.sim.stateRoots[i] ?? 'down'})`}`));
    r.out(`  converged: ${res.convergedAfterMs === null ? 'not within the budget' : `${res.convergedAfterMs} ms after the last event`}; wall ${res.wallMs} ms; restarts ${res.restarts}`);
    r.out(`roots equal to sim: ${res.equal ? 'yes' : 'no'}`);
  }
  if (r.json) r.out(JSON.stringify(results, null, 2));
  return failed ? EXIT.negative : EXIT.ok;
}
