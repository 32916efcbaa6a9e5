/**
 * `icn-harness scenario NAME --backend process|containers`: the real-network backends behind the
 * scenario verb (the simulator stays the verb's own default path). Prints the run header (with
 * the fault parameters the backend ignores), each node's final state root next to the
 * simulator's, and `roots equal to sim: yes|no`; progress lines go to stderr. Exit 0 equal, 1
 * different (or the simulator's own checks failed), 2 bad input or an unavailable backend
 * (`unavailable: <why>`), 3 a harness fault.
 */
import { IcnError } from '../../core/errors.js';
import { EXIT } from '../cli/exit.js';
import type { ScenarioDef } from '../sim/scenario.js';
import type { BackendOptions, BackendResult } from './driver.js';

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
  /** Progress lines (default: stderr, with the seconds since the start). */
  progress?: (line: string) => void;
}

export async function runBackend(backend: Exclude<Backend, 'sim'>, r: BackendRun): Promise<number> {
  const t0 = Date.now();
  const progress =
    r.progress ??
    ((l: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${l}\n`));
  const run: (def: ScenarioDef, o: BackendOptions) => Promise<BackendResult> =
    backend === 'containers'
      ? (await import('./containers.js')).runContainersScenario
      : (await import('./process.js')).runProcessScenario;
  let failed = 0;
  const results: unknown[] = [];
  for (const seed of r.seeds) {
    let res: BackendResult;
    try {
      res = await run(r.def, {
        seed,
        repoRoot: r.repoRoot,
        log: progress,
        ...(r.nodes ? { nodes: r.nodes } : {}),
        ...(r.faults ? { faults: r.faults } : {}),
      });
    } catch (e) {
      if (e instanceof IcnError && e.code === 'BACKEND_UNAVAILABLE') {
        r.out(`unavailable: ${e.message}`);
        return EXIT.usage;
      }
      if (e instanceof IcnError && e.code === 'BACKEND_UNSUPPORTED') {
        r.out(`unsupported: ${e.message}`);
        return EXIT.usage;
      }
      throw e;
    }
    const ok = res.equal && res.sim.ok;
    if (!ok) failed++;
    results.push({
      seed: seed.toString(),
      backend,
      equal: res.equal,
      simOk: res.sim.ok,
      roots: res.roots,
      simRoots: res.sim.stateRoots,
      convergedAfterMs: res.convergedAfterMs,
      wallMs: res.wallMs,
      setupMs: res.setupMs,
      restarts: res.restarts,
      verified: res.verified,
    });
    if (r.json) continue;
    for (const l of res.header) r.out(l);
    if (!res.sim.ok)
      for (const c of res.sim.checks.filter((c) => !c.ok))
        r.out(`  sim FAIL ${c.check}: ${c.detail}`);
    const simDistinct = new Set(res.sim.stateRoots).size;
    if (simDistinct > 1)
      r.out(
        `  note: the simulator's own nodes end with ${simDistinct} distinct roots: where they depend on arrival order, a real network cannot be expected to reproduce them`,
      );
    res.roots.forEach((h, i) =>
      r.out(
        `  node ${i}: ${h ?? 'down'}${h === res.sim.stateRoots[i] ? '' : ` (sim: ${res.sim.stateRoots[i] ?? 'down'})`}`,
      ),
    );
    r.out(
      `  steps verified byte-for-byte against the sim: ${res.verified}; restarts ${res.restarts}`,
    );
    r.out(
      `  converged: ${res.convergedAfterMs === null ? 'not within the budget' : `${res.convergedAfterMs} ms after the last event`}; setup ${res.setupMs} ms; replay+convergence ${res.wallMs} ms`,
    );
    r.out(`roots equal to sim: ${res.equal ? 'yes' : 'no'}`);
  }
  if (r.json) r.out(JSON.stringify(results, null, 2));
  return failed ? EXIT.negative : EXIT.ok;
}
