/**
 * The real backends' timeline: the simulator's actions, crashes, restarts and partition edges
 * at their virtual times, played against a cluster in real time.
 */
import type { ScenarioAction } from '../sim/scenario-types.js';
import type { FaultPlan } from '../sim/faults.js';
import { SIM_EPOCH_MS } from '../sim/simulator.js';
import { request, sleep } from './daemon-api.js';
import { replayAction, type ReplayRun } from './driver-replay.js';

/** One timeline event: at virtual time t; at equal times by rank (restarts, actions, crashes). */
interface Ev {
  t: number;
  rank: number;
  node?: number;
  run: () => Promise<void>;
}

/** Partitions as link cuts (or a network disconnect of an isolated node, where the cluster can). */
class Partitions {
  private isolatedNow: number | null = null;
  constructor(
    private readonly run: ReplayRun,
    private readonly faults: FaultPlan,
    private readonly log: (line: string) => void,
  ) {}

  private cutsAt(t: number): number[][] {
    const cut = this.run.ids.map(() => new Set<number>());
    for (const p of this.faults.partitions) {
      if (t < p.startMs || t >= p.endMs) continue;
      for (const x of p.a)
        for (const y of p.b) {
          cut[x]!.add(y);
          cut[y]!.add(x);
        }
    }
    return cut.map((s) => [...s].sort((x, y) => x - y));
  }

  /** The node cut off from every other while the others still reach each other, if that is the cut. */
  private isolated(cuts: number[][]): number | undefined {
    const n = this.run.n;
    const x = cuts.findIndex((c) => c.length === n - 1);
    if (x < 0 || n < 2) return undefined;
    return cuts.every((c, i) => i === x || (c.length === 1 && c[0] === x)) ? x : undefined;
  }

  /** Disconnect the isolated node (or reconnect the one that was) when the cluster can. */
  private async isolate(t: number, cuts: number[][]): Promise<void> {
    const { cluster } = this.run;
    const x = this.isolated(cuts) ?? null;
    if (x === this.isolatedNow || !cluster.isolate) return;
    const was = this.isolatedNow;
    if (was !== null && cluster.isUp(was)) {
      // What the cut node saw: its links time out once nothing crosses (evidence the cut was real).
      const p = await request(cluster.url(was), 'GET', '/peers').catch(() => null);
      this.log(
        `t=${t}ms: node ${was} linked to ${p ? (p.json.peers as string[]).length : '?'} peer(s) before reconnecting`,
      );
    }
    this.log(
      `t=${t}ms: ${x === null ? `reconnect node ${was} to the network` : `disconnect node ${x} from the network`}`,
    );
    if (was !== null && x !== null) await cluster.isolate(null);
    await cluster.isolate(x);
    this.isolatedNow = x;
  }

  /** The cuts at time t on every up daemon (or only on `only`, just restarted). */
  async apply(t: number, only?: number): Promise<void> {
    if (!this.faults.partitions.length) return;
    const { cluster, ids } = this.run;
    let cuts = this.cutsAt(t);
    if (cluster.isolate && only === undefined) await this.isolate(t, cuts);
    if (cluster.isolate && this.isolatedNow !== null) cuts = cuts.map(() => []);
    this.log(`t=${t}ms: link cuts ${cuts.map((c, i) => `${i}:[${c.join(',')}]`).join(' ')}`);
    const targets = ids
      .map((_, i) => i)
      .filter((i) => cluster.isUp(i) && (only === undefined || i === only));
    await Promise.all(
      targets.map((i) =>
        this.run.api(i, 'POST', '/admin/links', { block: cuts[i]!.map((j) => ids[j]!) }),
      ),
    );
  }
}

/**
 * One timeline: restarts, then actions, then crashes at equal virtual times (an action the
 * simulator applied at t ran on a node that was up at t); partition edges recompute cuts.
 */
function timeline(
  run: ReplayRun,
  actions: ScenarioAction[],
  faults: FaultPlan,
  log: (line: string) => void,
  counts: { restarts: number },
): Ev[] {
  const { cluster } = run;
  const parts = new Partitions(run, faults, log);
  const evs: Ev[] = [];
  for (const a of actions)
    evs.push({ t: a.nowMs - SIM_EPOCH_MS, rank: 1, node: a.node, run: () => replayAction(run, a) });
  for (const c of faults.crashes) {
    evs.push({
      t: c.atMs,
      rank: 2,
      run: async () => {
        log(`t=${c.atMs}ms: SIGKILL node ${c.node}`);
        await cluster.kill(c.node);
      },
    });
    const restartMs = c.restartMs;
    if (restartMs === undefined) continue;
    evs.push({
      t: restartMs,
      rank: 0,
      run: async () => {
        log(`t=${restartMs}ms: restart node ${c.node} over its data`);
        counts.restarts++;
        await cluster.start(c.node);
        await parts.apply(restartMs, c.node);
      },
    });
  }
  const edges = [...new Set(faults.partitions.flatMap((p) => [p.startMs, p.endMs]))];
  for (const t of edges) evs.push({ t, rank: 0, run: () => parts.apply(t) });
  return evs.sort((a, b) => a.t - b.t || a.rank - b.rank);
}

/**
 * Replay at virtual times (real waits: the network has its own timing anyway), from wall time
 * t0. Actions at one virtual time run concurrently across nodes, in order within each node (the
 * simulator's order per node is what its signatures and clocks depend on). When the daemons fall
 * behind (slow requests), the timeline shifts by the lag instead of compressing what follows: a
 * partition keeps its virtual length in wall time.
 */
export async function playTimeline(
  run: ReplayRun,
  actions: ScenarioAction[],
  faults: FaultPlan,
  log: (line: string) => void,
  t0: number,
): Promise<{ restarts: number }> {
  const counts = { restarts: 0 };
  const evs = timeline(run, actions, faults, log, counts);
  let shift = 0;
  for (let k = 0; k < evs.length;) {
    const e = evs[k]!;
    await sleep(t0 + shift + e.t - Date.now());
    shift = Math.max(shift, Date.now() - (t0 + e.t));
    let end = k + 1;
    while (e.rank === 1 && end < evs.length && evs[end]!.t === e.t && evs[end]!.rank === 1) end++;
    const byNode = new Map<number | undefined, Ev[]>();
    for (const g of evs.slice(k, end)) byNode.set(g.node, [...(byNode.get(g.node) ?? []), g]);
    await Promise.all(
      [...byNode.values()].map(async (seq) => {
        for (const g of seq) await g.run();
      }),
    );
    k = end;
  }
  return counts;
}
