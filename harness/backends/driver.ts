/**
 * The scenario driver shared by the real backends (process, containers): a scenario over real
 * icn-node daemons, checked against the simulator.
 *
 * The same ScenarioDef and seed first run in the simulator (in-process): that gives the expected
 * per-node state roots and, through `onAction`, every workload action exactly as the simulator
 * applied it (which node, its clock, a transfer's signed journal entry with its parents, a
 * deployment's message, an execution's call and receipt). The daemons run with the simulator's
 * keypairs and `--clock request`, and the driver replays those actions at their virtual times
 * (real waits), so every signed artifact is byte-identical to the simulator's and is checked to
 * be (entry ids, deployment messages, receipt hashes); only the network's timing differs.
 * Crashes are SIGKILL + restart over the same data; partitions are cut by the cluster (a network
 * disconnect where it can, else link cuts through /admin/links). Faults that only make sense
 * inside the simulator (loss, duplication, delay/reordering, clock skew, loss of unsynced writes)
 * are not reproduced, and the run header says which ones were ignored.
 *
 * The outcome is the comparison the issue asks for: after convergence each daemon's LC state root
 * must equal the simulator's.
 */
import { IcnError } from '../../core/errors.js';
import type { Hash } from '../../core/hash/index.js';
import { Keypair } from '../../core/identity/index.js';
import { describeFaults, NO_FAULTS, type FaultPlan } from '../sim/faults.js';
import { planFaults, runScenario, type ScenarioAction, type ScenarioDef } from '../sim/scenario.js';
import { gossipConfigFor } from '../sim/scenario-nodes.js';
import { nodeKeySeeds } from '../sim/simulator.js';
import { request, until } from './daemon-api.js';
import { unsupportedSteps, type ReplayRun } from './driver-replay.js';
import { playTimeline } from './driver-timeline.js';
import type {
  BackendOptions,
  BackendResult,
  Cluster,
  ClusterFactory,
  DaemonSpec,
} from './driver-types.js';

export type {
  BackendOptions,
  BackendResult,
  Cluster,
  ClusterFactory,
  DaemonSpec,
} from './driver-types.js';
export { request, sleep, until } from './daemon-api.js';
export { gossipConfigFor } from '../sim/scenario-nodes.js';

/** Fault parameters that only exist inside the simulator, as `name=value` when they are set. */
export function ignoredFaults(f: FaultPlan): string[] {
  const out: string[] = [];
  if (f.lossPpm) out.push(`loss=${f.lossPpm}ppm`);
  if (f.dupPpm) out.push(`dup=${f.dupPpm}ppm`);
  if (f.delayMinMs !== NO_FAULTS.delayMinMs || f.delayMaxMs !== NO_FAULTS.delayMaxMs)
    out.push(`delay=${f.delayMinMs}-${f.delayMaxMs}ms`);
  if (f.tailPpm) out.push(`tail=${f.tailPpm}ppm:${f.tailMaxMs}ms`);
  if (f.skewMaxMs)
    out.push(`skew=${f.skewMaxMs}ms (timestamps still carry the simulator's skewed clocks)`);
  if (f.crashes.length && f.unsyncedLossPpm)
    out.push(`storage-loss=${f.unsyncedLossPpm}ppm (the daemon syncs each acknowledged write)`);
  if (f.partitions.some((p) => p.kind === 'asymmetric'))
    out.push('asymmetric direction (asym partitions are cut both ways)');
  return out;
}

/** Steps the daemons cannot be driven through: refused before anything starts. */
function refuseUnsupported(backend: string, def: ScenarioDef): void {
  const unsupported = unsupportedSteps(def);
  if (unsupported.length) {
    throw new IcnError(
      'BACKEND_UNSUPPORTED',
      `scenario ${def.name}: the ${backend} backend cannot run ${unsupported.map(([s, k]) => `steps[${k}] ${s.do}${s.do === 'execute' ? ' (byzantine)' : ''}`).join(', ')}: icn-node has no API for governance decisions or for publishing a byzantine execution record`,
    );
  }
}

/** Each daemon's settings: the simulator's identity for its node, and the scenario's tuning. */
function daemonSpecs(def: ScenarioDef, o: BackendOptions, n: number, tickMs: number): DaemonSpec[] {
  const seeds = nodeKeySeeds(o.seed, n);
  return seeds.map((keySeed, i) => {
    const g = gossipConfigFor(def, i, n);
    return {
      index: i,
      keySeed,
      did: Keypair.fromSeed(keySeed).did.toString(),
      tickMs,
      ...(def.defaultCreditLimit !== undefined
        ? { defaultCreditLimit: def.defaultCreditLimit }
        : {}),
      ...(g ? { gossipConfig: g } : {}),
    };
  });
}

function clusterHeader(
  backend: string,
  def: ScenarioDef,
  o: BackendOptions,
  n: number,
  tickMs: number,
  cluster: Cluster,
  faults: FaultPlan,
): string[] {
  const ignored = ignoredFaults(faults);
  return [
    `icn-${backend} scenario=${def.name} seed=${o.seed} nodes=${n} backend=${backend} (${cluster.description}) tick=${tickMs}ms`,
    ...describeFaults(faults).map((l) => `  sim ${l}`),
    `  reproduced: ${faults.crashes.length} crash(es) as SIGKILL + restart over the same data; ${faults.partitions.length} partition(s) as ${cluster.partitionMethod}; timestamps, ledger parents, deployments and calls from the simulator's run`,
    `  ignored (simulator-only): ${ignored.length ? ignored.join(', ') : 'none'}`,
  ];
}

/** Start every daemon and wait until each is linked to every other (the simulator's nodes start linked). */
async function startLinked(run: ReplayRun, log: (line: string) => void): Promise<void> {
  const { ids, n, cluster } = run;
  await Promise.all(ids.map((_, i) => cluster.start(i)));
  await until(
    'all links up',
    async () => {
      const ps = await Promise.all(
        ids.map((_, i) => run.api(i, 'GET', '/peers') as Promise<{ peers: string[] }>),
      );
      return ps.every((p) => p.peers.length === n - 1);
    },
    Math.max(60_000, n * 2_000),
  ); // n × (n - 1) handshakes: 50 daemons take 15-45 s on 2 cores
  log(`all ${n} daemons linked to each other`);
}

/** Each daemon's LC state root (null: down or not answering). */
function daemonRoots(run: ReplayRun): Promise<(Hash | null)[]> {
  const { cluster } = run;
  return Promise.all(
    run.ids.map(async (_, i) =>
      cluster.isUp(i)
        ? (((await request(cluster.url(i), 'GET', '/state').catch(() => null))?.json.root as
            Hash | undefined) ?? null)
        : null,
    ),
  );
}

/**
 * Convergence: every daemon at the simulator's root, or all agreeing and stable; wall ms after
 * `lastEvent` (null: not within the budget).
 */
async function awaitConvergence(
  run: ReplayRun,
  simRoots: readonly (Hash | null)[],
  timeoutMs: number,
  lastEvent: number,
): Promise<number | null> {
  let last: (Hash | null)[] = [];
  let stable = 0;
  try {
    await until(
      'convergence',
      async () => {
        const rs = await daemonRoots(run);
        const simEqual = rs.every((r, i) => r === simRoots[i]);
        const up = rs.filter((r) => r !== null);
        const agree = up.length > 0 && up.every((r) => r === up[0]);
        stable = agree && rs.every((r, i) => r === last[i]) ? stable + 1 : 0;
        last = rs;
        return simEqual || stable >= 10;
      },
      timeoutMs,
      100,
    );
    return Date.now() - lastEvent;
  } catch (e) {
    if (!(e instanceof IcnError)) throw e;
    return null;
  }
}

function replayRun(def: ScenarioDef, n: number, specs: DaemonSpec[], cluster: Cluster): ReplayRun {
  return {
    def,
    n,
    ids: specs.map((s) => s.did),
    cluster,
    api: async (i, method, path, body) => {
      const r = await request(cluster.url(i), method, path, body);
      if (r.status !== 200)
        throw new IcnError(
          'HARNESS_FAULT',
          `node ${i} ${method} ${path}: HTTP ${r.status}: ${JSON.stringify(r.json)}`,
        );
      return r.json;
    },
    deployed: new Map(),
    verified: 0,
  };
}

export async function runOnCluster(
  backend: string,
  def: ScenarioDef,
  o: BackendOptions,
  makeCluster: ClusterFactory,
): Promise<BackendResult> {
  const log = o.log ?? (() => {});
  const t00 = Date.now();
  const n = o.nodes ?? def.nodes;
  refuseUnsupported(backend, def);
  const faults = planFaults(def, { seed: o.seed, ...(o.faults ? { faults: o.faults } : {}) }, n);

  // 1. The simulator's run: expected roots and the exact actions.
  const actions: ScenarioAction[] = [];
  const sim = await runScenario(def, {
    seed: o.seed,
    repoRoot: o.repoRoot,
    ...(o.nodes ? { nodes: o.nodes } : {}),
    ...(o.faults ? { faults: o.faults } : {}),
    onAction: (a) => actions.push(a),
  });

  // 2. The same identities as the simulator's nodes.
  const tickMs = o.tickMs ?? Math.min(100, def.tickIntervalMs ?? 100);
  const specs = daemonSpecs(def, o, n, tickMs);
  const cluster = await makeCluster(specs, log);
  const header = clusterHeader(backend, def, o, n, tickMs, cluster, faults);
  const run = replayRun(def, n, specs, cluster);
  try {
    await startLinked(run, log);
    const setupMs = Date.now() - t00;
    // 3. The timeline at virtual times, from wall time t0.
    const t0 = Date.now();
    log(`t=0: replaying ${actions.length} actions`);
    const { restarts } = await playTimeline(run, actions, faults, log, t0);
    const lastEvent = Date.now();
    // 4. Convergence, then the final roots against the simulator's.
    const convergedAfterMs = await awaitConvergence(
      run,
      sim.stateRoots,
      o.convergeTimeoutMs ?? 30_000,
      lastEvent,
    );
    const final = await daemonRoots(run);
    return {
      name: def.name,
      backend,
      seed: o.seed,
      nodes: n,
      header,
      roots: final,
      sim,
      equal: final.every((r, i) => r === sim.stateRoots[i]),
      convergedAfterMs,
      wallMs: Date.now() - t0,
      setupMs,
      restarts,
      verified: run.verified,
    };
  } finally {
    await cluster.close();
  }
}
