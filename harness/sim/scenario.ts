/**
 * Scenarios: assertion-checked, declarative multi-node runs (scenarios/<name>.json, format
 * `icn-scenario/v1`). A scenario names its nodes, its default faults, a workload of timed steps
 * and the checks that must hold at the end. `runScenario` builds the simulator from one seed,
 * runs the workload, then runs until every node agrees (or the horizon), and checks.
 *
 * The parts, one job each: the format (scenario-types.ts) and its schema (scenario-schema.ts),
 * node naming and settings (scenario-nodes.ts), the step table (scenario-steps.ts, contracts in
 * scenario-contracts.ts), the checks (scenario-checks.ts), the determinism check (determinism.ts).
 *
 * Outputs are LC: per-node state roots and the trace root depend only on (scenario, seed, nodes,
 * faults), never on the machine.
 */
import { TOPICS } from '../../core/gossip/index.js';
import type { Hash } from '../../core/hash/index.js';
import { Rng } from '../../core/runtime/index.js';
import {
  describeFaults,
  faultSpec,
  NO_FAULTS,
  parseFaults,
  randomFaults,
  type FaultPlan,
} from './faults.js';
import { gossipFingerprint, icnProcessFactory } from './icn.js';
import { runChecks } from './scenario-checks.js';
import { execute } from './scenario-contracts.js';
import { nodeAt, scenarioGossip } from './scenario-nodes.js';
import { newRunState, type RunState } from './scenario-state.js';
import { applyStep } from './scenario-steps.js';
import type { ScenarioDef, ScenarioOptions, ScenarioResult, StepOf } from './scenario-types.js';
import { Simulator } from './simulator.js';

export * from './scenario-types.js';
export { checkScenario } from './scenario-schema.js';

export function planFaults(def: ScenarioDef, o: ScenarioOptions, nodes: number): FaultPlan {
  let plan: FaultPlan = { ...NO_FAULTS };
  const apply = (spec: string | undefined) => {
    if (!spec) return;
    for (const part of spec.split(',')) {
      if (part.trim() === 'random')
        plan = randomFaults(
          Rng.root(o.seed).stream('faults').stream('plan'),
          nodes,
          def.horizonMs >> 1,
        );
      else plan = parseFaults(part, plan);
    }
  };
  apply(def.faults);
  apply(o.faults);
  return plan;
}

function buildSimulator(
  def: ScenarioDef,
  o: ScenarioOptions,
  n: number,
  faults: FaultPlan,
): Simulator {
  const g = scenarioGossip(def, n);
  return new Simulator({
    seed: o.seed,
    nodes: n,
    faults,
    ...(def.tickIntervalMs ? { tickIntervalMs: def.tickIntervalMs } : {}),
    ...(o.checkpointEvery ? { checkpointEvery: o.checkpointEvery } : {}),
    fingerprint: gossipFingerprint,
    ...(o.perturb ? { perturb: true } : {}),
    ...(o.compareWith ? { compareWith: o.compareWith } : {}),
    ...(o.record ? { record: true } : {}),
    create: icnProcessFactory({
      gossip: g.base,
      gossipFor: g.forNode,
      ...(o.hazards ? { hazards: o.hazards } : {}),
      ...(def.defaultCreditLimit !== undefined
        ? { defaultCreditLimit: BigInt(def.defaultCreditLimit) }
        : {}),
    }),
  });
}

/** The workload's progress: steps not yet applied, and the time of the last one applied. */
interface Progress {
  pending: number;
  lastStep: number;
}

type PendingExecute = { at: number; k: number; s: StepOf<'execute'> };

/** Schedule every non-execute step at its time; the execute steps, in time order, for runExecutes. */
function scheduleSteps(r: RunState, p: Progress): PendingExecute[] {
  const { sim, n } = r;
  const executes: PendingExecute[] = [];
  r.def.steps.forEach((s, k) => {
    p.lastStep = Math.max(p.lastStep, s.at);
    const where = `steps[${k}]`;
    if (s.do === 'execute') {
      executes.push({ at: s.at, k, s });
      return;
    }
    const act = (): void => {
      // A workload step aimed at a crashed node waits for it (a client retrying), deterministically.
      if ('node' in s && s.do !== 'attest_node' && !sim.isUp(nodeAt(s.node, n, where))) {
        sim.at(sim.now + sim.tickIntervalMs, `${where}:${s.do}:retry`, act);
        return;
      }
      p.pending--;
      applyStep(r, s, k, where);
    };
    sim.at(s.at, `${where}:${s.do}`, act);
  });
  return executes;
}

/**
 * Contract executions are asynchronous: run the simulator up to each one, await it, and chain its
 * result into the trace as a step. A node that is down (or goes down while syncing) retries a tick later.
 */
async function runExecutes(r: RunState, p: Progress, executes: PendingExecute[]): Promise<void> {
  const { sim, n, def } = r;
  const byTime = (a: PendingExecute, b: PendingExecute) => a.at - b.at || a.k - b.k;
  executes.sort(byTime);
  while (executes.length) {
    const x = executes.shift()!;
    sim.runBefore(x.at);
    const where = `steps[${x.k}]`;
    const i = nodeAt(x.s.node, n, where);
    const retryLater = () => {
      executes.push({ ...x, at: Math.max(x.at, sim.now) + sim.tickIntervalMs });
      executes.sort(byTime);
    };
    if (!sim.isUp(i)) {
      retryLater();
      continue;
    }
    if (x.s.sync) {
      // Wait until this node has adopted every execution published so far (or the horizon).
      const synced = () => {
        const ex = r.contractsOf(i)?.executions;
        return !!ex && r.published.every((h) => ex.adopted.has(h));
      };
      if (!synced()) sim.runUntilTrue(synced, def.horizonMs);
      if (!sim.isUp(i)) {
        retryLater();
        continue;
      }
    }
    p.pending--;
    p.lastStep = Math.max(p.lastStep, x.at);
    const outcome = await execute(r, x.s, i, where, x.k);
    sim.external(`${where}:execute`, outcome.detail);
    r.execResults.push(outcome);
  }
}

/** The same value from node 0..n-1 (false when a node is down or one differs). */
function allSame<T>(n: number, f: (i: number) => T | undefined): boolean {
  let first: T | undefined;
  for (let i = 0; i < n; i++) {
    const v = f(i);
    if (v === undefined) return false;
    if (i === 0) first = v;
    else if (v !== first) return false;
  }
  return true;
}

/** Every node up, the workload done, and all holding the same gossip store and state root. */
function agreed(r: RunState, p: Progress): boolean {
  if (p.pending > 0) return false;
  // Cheap first: every node up and the same number of entries per topic.
  for (const t of TOPICS) if (!allSame(r.n, (i) => r.nodeOf(i)?.gossip.store(t).size)) return false;
  if (!allSame(r.n, (i) => r.nodeOf(i)?.gossip.root())) return false;
  return allSame(r.n, (i) => r.nodeOf(i)!.stateRoot());
}

export async function runScenario(def: ScenarioDef, o: ScenarioOptions): Promise<ScenarioResult> {
  const n = o.nodes ?? def.nodes;
  const faults = planFaults(def, o, n);
  const sim = buildSimulator(def, o, n, faults);
  const r = newRunState(def, o, n, sim);
  const p: Progress = { pending: def.steps.length, lastStep: 0 };
  const executes = scheduleSteps(r, p);
  await runExecutes(r, p, executes);
  const lastFault = Math.max(
    0,
    ...faults.partitions.map((x) => x.endMs),
    ...faults.crashes.map((c) => c.restartMs ?? 0),
  );
  sim.runUntil(Math.max(p.lastStep, lastFault));
  const convergedAtMs =
    sim.runUntilTrue(() => agreed(r, p), def.horizonMs, Math.max(16, n)) ?? null;
  const checks = await runChecks(def.expect, { ...r, convergedAtMs });
  return {
    name: def.name,
    seed: o.seed,
    nodes: n,
    faults,
    header: runHeader(def, sim, faults),
    ok: checks.every((c) => c.ok),
    checks,
    convergedAtMs,
    stateRoots: sim.ids.map((_, i) => r.nodeOf(i)?.stateRoot() ?? null),
    trace: sim.trace(),
    stats: sim.stats,
    reproduce: `icn-harness scenario ${def.name} --seed ${o.seed} --nodes ${n} --faults '${faultSpec(faults)}'`,
    log: sim.log,
  };
}

export function runHeader(def: ScenarioDef, sim: Simulator, faults: FaultPlan): string[] {
  return [
    `icn-sim scenario=${def.name} seed=${sim.seed} nodes=${sim.nodeCount} tick=${sim.tickIntervalMs}ms horizon=${def.horizonMs}ms checkpoint-every=${sim.checkpointEvery} steps`,
    `  streams: network faults workload keys nodes/<i> (one root seed)`,
    ...describeFaults(faults).map((l) => `  ${l}`),
    `  clock skews (ms): ${sim.skews.map((s, i) => `${i}:${s >= 0 ? '+' : ''}${s}`).join(' ')}`,
    `  faults spec: ${faultSpec(faults)}`,
  ];
}
