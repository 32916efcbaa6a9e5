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
import { canonicalString, type CanonicalValue } from '../../core/canonical/index.js';
import { receiptHash } from '../../core/contracts/index.js';
import { IcnError } from '../../core/errors.js';
import { TOPICS } from '../../core/gossip/index.js';
import type { Hash } from '../../core/hash/index.js';
import { Keypair } from '../../core/identity/index.js';
import { entryId, type JournalEntry } from '../../core/ledger/index.js';
import { Rng } from '../../core/runtime/index.js';
import { ppmFromDecimal } from '../../core/trust/index.js';
import { describeFaults, NO_FAULTS, type FaultPlan } from '../sim/faults.js';
import { planFaults, runScenario, type ScenarioAction, type ScenarioDef, type ScenarioResult } from '../sim/scenario.js';
import { SIM_EPOCH_MS } from '../sim/simulator.js';

export interface BackendOptions {
  seed: bigint;
  repoRoot: string;
  nodes?: number;
  faults?: string;
  /** Wall-clock budget for convergence after the last event (default 30 s). */
  convergeTimeoutMs?: number;
  /** Daemon tick (anti-entropy) period; default the scenario's tick, at most 100 ms. */
  tickMs?: number;
  /** Progress lines (starts, kills, cuts). */
  log?: (line: string) => void;
  /** Keep the daemons' data (default: removed). */
  keepData?: boolean;
}

export interface BackendResult {
  name: string;
  backend: string;
  seed: bigint;
  nodes: number;
  header: string[];
  /** Final LC state root of each daemon (null: not reachable at the end). */
  roots: (Hash | null)[];
  sim: ScenarioResult;
  /** Every daemon's root equals the simulator's root for the same node. */
  equal: boolean;
  /** Wall ms from the last event until the daemons agreed (null: never within the budget). */
  convergedAfterMs: number | null;
  /** Wall ms of the replay and convergence (from virtual time 0). */
  wallMs: number;
  /** Wall ms of setting the cluster up (image, start, links) before virtual time 0. */
  setupMs: number;
  restarts: number;
  /** Steps checked byte-for-byte against the simulator (entries, deployments, receipts, refusals). */
  verified: number;
}

/** What the driver tells a cluster about each daemon it runs. */
export interface DaemonSpec {
  index: number;
  /** 32-byte identity seed (the simulator's key for this node). */
  keySeed: Uint8Array;
  did: string;
  tickMs: number;
  /** `--default-credit-limit` (i64 decimal) when the scenario sets one. */
  defaultCreditLimit?: string;
  /** `--gossip-config` JSON when the scenario tunes gossip (or the node ignores its own limits). */
  gossipConfig?: string;
}

/**
 * A set of running icn-node daemons. Each runs with `--clock request --admin` and the spec's
 * settings, and dials every other daemon of the cluster.
 */
export interface Cluster {
  /** One line for the run header: what runs the daemons and where. */
  readonly description: string;
  /** Start daemon i (again after a kill: over the same data), resolved once it listens as spec.did. */
  start(i: number): Promise<void>;
  /** SIGKILL daemon i (no clean shutdown). */
  kill(i: number): Promise<void>;
  isUp(i: number): boolean;
  /** Base URL of daemon i's HTTP API. */
  url(i: number): string;
  /**
   * Cut node `x` off the network (or reconnect it with null) at the network level, if the
   * cluster can: then the driver applies no link cuts for that isolation. Absent: link cuts only.
   */
  isolate?(x: number | null): Promise<void>;
  /** How partitions are made (header). */
  readonly partitionMethod: string;
  /** Stop everything (SIGTERM), remove what the run created (unless keepData). */
  close(): Promise<void>;
}

export type ClusterFactory = (specs: DaemonSpec[], log: (line: string) => void) => Promise<Cluster>;

/** Fault parameters that only exist inside the simulator, as `name=value` when they are set. */
export function ignoredFaults(f: FaultPlan): string[] {
  const out: string[] = [];
  if (f.lossPpm) out.push(`loss=${f.lossPpm}ppm`);
  if (f.dupPpm) out.push(`dup=${f.dupPpm}ppm`);
  if (f.delayMinMs !== NO_FAULTS.delayMinMs || f.delayMaxMs !== NO_FAULTS.delayMaxMs) out.push(`delay=${f.delayMinMs}-${f.delayMaxMs}ms`);
  if (f.tailPpm) out.push(`tail=${f.tailPpm}ppm:${f.tailMaxMs}ms`);
  if (f.skewMaxMs) out.push(`skew=${f.skewMaxMs}ms (timestamps still carry the simulator's skewed clocks)`);
  if (f.crashes.length && f.unsyncedLossPpm) out.push(`storage-loss=${f.unsyncedLossPpm}ppm (the daemon syncs each acknowledged write)`);
  if (f.partitions.some((p) => p.kind === 'asymmetric')) out.push('asymmetric direction (asym partitions are cut both ways)');
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Poll `cond` until true or the deadline; the timeout names what was awaited. */
export async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() - t0 > timeoutMs) throw new IcnError('HARNESS_FAULT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** One request to a daemon's API; a bounded wait (a daemon that stops answering must not stall the run). */
export async function request(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(10_000), ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const text = await r.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { error: 'NOT_JSON', reason: text.slice(0, 300) };
  }
  return { status: r.status, json };
}

/** "@N" → node N's DID anywhere in a JSON value (scenario args, as the simulator substitutes them). */
export function substNodes(x: unknown, ids: readonly string[]): unknown {
  if (typeof x === 'string' && /^@-?[0-9]+$/.test(x)) {
    const k = Number(x.slice(1));
    const j = k < 0 ? ids.length + k : k;
    if (j < 0 || j >= ids.length) throw new IcnError('SCENARIO_FORMAT', `${x}: node ${k} does not exist with ${ids.length} nodes`);
    return ids[j];
  }
  if (Array.isArray(x)) return x.map((v) => substNodes(v, ids));
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, substNodes(v, ids)]));
  return x;
}

/** The gossip knobs a simulated node of this scenario has (icn.ts factory), as `--gossip-config` JSON. */
export function gossipConfigFor(def: ScenarioDef, i: number, n: number): string | undefined {
  const topics = (def.gossip?.topics ?? {}) as Record<string, Record<string, number>>;
  const unlimited = new Set((def.unlimited ?? []).map((x) => (x < 0 ? n + x : x)));
  const cfg: Record<string, unknown> = {};
  if (def.gossip?.fanout) cfg.fanout = def.gossip.fanout;
  if (def.gossip?.digestFanout) cfg.digestFanout = def.gossip.digestFanout;
  if (unlimited.has(i)) cfg.topics = Object.fromEntries(TOPICS.map((t) => [t, { ...(topics[t] ?? {}), perAuthorPerWindow: 0 }]));
  else if (Object.keys(topics).length) cfg.topics = topics;
  return Object.keys(cfg).length ? JSON.stringify(cfg) : undefined;
}

export async function runOnCluster(backend: string, def: ScenarioDef, o: BackendOptions, makeCluster: ClusterFactory): Promise<BackendResult> {
  const log = o.log ?? (() => {});
  const t00 = Date.now();
  const n = o.nodes ?? def.nodes;
  // Steps the daemons cannot be driven through: refused before anything starts.
  const unsupported = def.steps.map((s, k) => [s, k] as const).filter(([s]) => s.do === 'governance' || (s.do === 'execute' && s.byzantine !== undefined));
  if (unsupported.length) {
    throw new IcnError('BACKEND_UNSUPPORTED', `scenario ${def.name}: the ${backend} backend cannot run ${unsupported.map(([s, k]) => `steps[${k}] ${s.do}${s.do === 'execute' ? ' (byzantine)' : ''}`).join(', ')}: icn-node has no API for governance decisions or for publishing a byzantine execution record`);
  }
  const faults = planFaults(def, { seed: o.seed, ...(o.faults ? { faults: o.faults } : {}) }, n);

  // 1. The simulator's run: expected roots and the exact actions.
  const actions: ScenarioAction[] = [];
  const sim = await runScenario(def, { seed: o.seed, repoRoot: o.repoRoot, ...(o.nodes ? { nodes: o.nodes } : {}), ...(o.faults ? { faults: o.faults } : {}), onAction: (a) => actions.push(a) });

  // 2. The same identities as the simulator (simulator.ts: stream 'keys', 32 bytes per node).
  const keyRng = Rng.root(o.seed).stream('keys');
  const seeds = Array.from({ length: n }, () => keyRng.bytes(32));
  const keys = seeds.map((s) => Keypair.fromSeed(s));
  const ids = keys.map((k) => k.did.toString());
  const tickMs = o.tickMs ?? Math.min(100, def.tickIntervalMs ?? 100);
  const specs: DaemonSpec[] = ids.map((did, i) => {
    const g = gossipConfigFor(def, i, n);
    return { index: i, keySeed: seeds[i]!, did, tickMs, ...(def.defaultCreditLimit !== undefined ? { defaultCreditLimit: def.defaultCreditLimit } : {}), ...(g ? { gossipConfig: g } : {}) };
  });
  const cluster = await makeCluster(specs, log);
  const ignored = ignoredFaults(faults);
  const header = [
    `icn-${backend} scenario=${def.name} seed=${o.seed} nodes=${n} backend=${backend} (${cluster.description}) tick=${tickMs}ms`,
    ...describeFaults(faults).map((l) => `  sim ${l}`),
    `  reproduced: ${faults.crashes.length} crash(es) as SIGKILL + restart over the same data; ${faults.partitions.length} partition(s) as ${cluster.partitionMethod}; timestamps, ledger parents, deployments and calls from the simulator's run`,
    `  ignored (simulator-only): ${ignored.length ? ignored.join(', ') : 'none'}`,
  ];

  let restarts = 0;
  let verified = 0;
  const api = async (i: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await request(cluster.url(i), method, path, body);
    if (r.status !== 200) throw new IcnError('HARNESS_FAULT', `node ${i} ${method} ${path}: HTTP ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json;
  };

  try {
    await Promise.all(ids.map((_, i) => cluster.start(i)));
    // Every daemon linked to every other before virtual time 0 (the simulator's nodes start linked).
    await until('all links up', async () => {
      const ps = await Promise.all(ids.map((_, i) => api(i, 'GET', '/peers') as Promise<{ peers: string[] }>));
      return ps.every((p) => p.peers.length === n - 1);
    }, Math.max(60_000, n * 2_000)); // n × (n - 1) handshakes: 50 daemons take 15-45 s on 2 cores
    log(`all ${n} daemons linked to each other`);
    const setupMs = Date.now() - t00;

    // 3. One timeline: restarts, then actions, then crashes at equal virtual times (an action the
    // simulator applied at t ran on a node that was up at t); partition edges recompute cuts.
    type Ev = { t: number; rank: number; node?: number; run: () => Promise<void> };
    const evs: Ev[] = [];
    for (const a of actions) evs.push({ t: a.nowMs - SIM_EPOCH_MS, rank: 1, node: a.node, run: () => replay(a) });
    for (const c of faults.crashes) {
      evs.push({
        t: c.atMs,
        rank: 2,
        run: async () => {
          log(`t=${c.atMs}ms: SIGKILL node ${c.node}`);
          await cluster.kill(c.node);
        },
      });
      if (c.restartMs !== undefined) {
        evs.push({
          t: c.restartMs,
          rank: 0,
          run: async () => {
            log(`t=${c.restartMs}ms: restart node ${c.node} over its data`);
            restarts++;
            await cluster.start(c.node);
            await applyCuts(c.restartMs!, c.node);
          },
        });
      }
    }
    const edges = [...new Set(faults.partitions.flatMap((p) => [p.startMs, p.endMs]))];
    for (const t of edges) evs.push({ t, rank: 0, run: () => applyCuts(t) });
    evs.sort((a, b) => a.t - b.t || a.rank - b.rank);

    function cutsAt(t: number): number[][] {
      const cut = ids.map(() => new Set<number>());
      for (const p of faults.partitions) {
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
    function isolated(cuts: number[][]): number | undefined {
      const x = cuts.findIndex((c) => c.length === n - 1);
      if (x < 0 || n < 2) return undefined;
      return cuts.every((c, i) => i === x || (c.length === 1 && c[0] === x)) ? x : undefined;
    }
    let isolatedNow: number | null = null;
    async function applyCuts(t: number, only?: number): Promise<void> {
      if (!faults.partitions.length) return;
      let cuts = cutsAt(t);
      if (cluster.isolate && only === undefined) {
        const x = isolated(cuts) ?? null;
        if (x !== isolatedNow) {
          if (isolatedNow !== null && cluster.isUp(isolatedNow)) {
            // What the cut node saw: its links time out once nothing crosses (evidence the cut was real).
            const p = await request(cluster.url(isolatedNow), 'GET', '/peers').catch(() => null);
            log(`t=${t}ms: node ${isolatedNow} linked to ${p ? (p.json.peers as string[]).length : '?'} peer(s) before reconnecting`);
          }
          log(`t=${t}ms: ${x === null ? `reconnect node ${isolatedNow} to the network` : `disconnect node ${x} from the network`}`);
          if (isolatedNow !== null && x !== null) await cluster.isolate(null);
          await cluster.isolate(x);
          isolatedNow = x;
        }
      }
      if (cluster.isolate && isolatedNow !== null) cuts = cuts.map(() => []);
      log(`t=${t}ms: link cuts ${cuts.map((c, i) => `${i}:[${c.join(',')}]`).join(' ')}`);
      await Promise.all(ids.map((_, i) => i).filter((i) => cluster.isUp(i) && (only === undefined || i === only)).map((i) => api(i, 'POST', '/admin/links', { block: cuts[i]!.map((j) => ids[j]!) })));
    }

    // Deployments by the name later steps use (`as`, default the contract file).
    const deployed = new Map<string, Hash>();
    async function replay(a: ScenarioAction): Promise<void> {
      const s = def.steps[a.step]!;
      const i = a.node;
      if (!cluster.isUp(i)) throw new IcnError('HARNESS_FAULT', `steps[${a.step}] on node ${i}: the daemon is down (the simulator had it up)`);
      switch (s.do) {
        case 'attest':
          await api(i, 'POST', '/trust', { to: ids[s.to < 0 ? n + s.to : s.to], scorePpm: ppmFromDecimal(s.score), at: a.nowMs });
          return;
        case 'attest_all':
          for (let j = 0; j < n; j++) if (j !== i) await api(i, 'POST', '/trust', { to: ids[j], scorePpm: ppmFromDecimal(s.score), at: a.nowMs });
          return;
        case 'attest_node':
          await api(i, 'POST', '/trust', { to: ids[s.node < 0 ? n + s.node : s.node], scorePpm: ppmFromDecimal(s.score), at: a.nowMs });
          return;
        case 'transfer': {
          const e = a.entry!;
          const got = (await api(i, 'POST', '/ledger/entries', { at: e.timestamp, accounts: e.accounts, parents: e.parents })) as unknown as JournalEntry;
          if (entryId(got) !== entryId(e)) throw new IcnError('HARNESS_FAULT', `steps[${a.step}]: node ${i} signed ${entryId(got)}, the simulator ${entryId(e)}`);
          verified++;
          return;
        }
        case 'publish':
          await api(i, 'POST', '/publish', { topic: s.topic, data: s.data, at: a.nowMs });
          return;
        case 'flood':
          for (let c = 0; c < s.count; c++) await api(i, 'POST', '/publish', { topic: s.topic, data: { flood: String(c) }, at: a.nowMs });
          return;
        case 'deploy':
        case 'deploy_flood': {
          const d = a.deployment!;
          const msg = d.message as { codeHash: Hash; code: unknown; installation: Record<string, unknown> };
          if (s.do === 'deploy') deployed.set(s.as ?? s.contract, msg.codeHash);
          if (d.raw) {
            // A tampered message is published as is (the simulator's publishRaw): receivers judge it.
            await api(i, 'POST', '/publish', { topic: 'contracts:deploy', data: d.message, at: a.nowMs });
            return;
          }
          const inst = msg.installation;
          const got = await api(i, 'POST', '/contracts', {
            code: msg.code,
            capabilities: inst.capabilities,
            minCallerTrustPpm: inst.minCallerTrustPpm,
            installedAt: inst.installedAt,
            previous: inst.previous,
            signatures: (inst.signatures as { signer: string }[]).filter((x) => x.signer !== ids[i]),
            at: a.nowMs,
          });
          if (canonicalString(got.message as CanonicalValue) !== canonicalString(d.message as CanonicalValue)) throw new IcnError('HARNESS_FAULT', `steps[${a.step}]: node ${i} published another deployment message than the simulator's for ${msg.codeHash}`);
          verified++;
          return;
        }
        case 'execute': {
          const x = a.execution!;
          const h = deployed.get(s.contract);
          if (!h) throw new IcnError('HARNESS_FAULT', `steps[${a.step}]: no deployment named ${s.contract} was replayed`);
          // The simulator's node had the contract installed when it ran the call: wait for this daemon to have it too,
          if (x.receipt || x.refused === 'CONTRACT_UNAUTHORIZED') await until(`node ${i} to install ${s.contract} (${h})`, async () => (await request(cluster.url(i), 'GET', `/contracts/${h}`)).status === 200, 30_000, 50);
          if (x.receipt) {
            // at the contract state the simulator's node ran it from (executions of other nodes adopted by replay),
            await until(`node ${i} to hold ${s.contract}'s state ${x.receipt.stateRootBefore}`, async () => (await request(cluster.url(i), 'GET', `/contracts/${h}`)).json.stateRoot === x.receipt!.stateRootBefore, 30_000, 50);
            // and, for a rule that writes the ledger, at the ledger heads its entry takes as parents.
            if (x.receipt.ledgerOps.length) await until(`node ${i} to hold ledger heads ${x.heads.join(',')}`, async () => canonicalString((await request(cluster.url(i), 'GET', '/ledger/heads')).json.heads as CanonicalValue) === canonicalString(x.heads), 30_000, 50);
          }
          // The simulator's signed call, as is (same keys and node identities: same call id and receipt).
          const r = await request(cluster.url(i), 'POST', `/contracts/${h}/execute`, { ...x.call, at: a.nowMs });
          if (x.receipt) {
            const want = receiptHash(x.receipt);
            if (r.status !== 200 || r.json.receiptHash !== want) throw new IcnError('HARNESS_FAULT', `steps[${a.step}]: node ${i} answered HTTP ${r.status} ${r.status === 200 ? `receipt ${String(r.json.receiptHash)}` : JSON.stringify(r.json)}; the simulator's receipt is ${want}`);
          } else if (r.json.error !== x.refused) {
            throw new IcnError('HARNESS_FAULT', `steps[${a.step}]: node ${i} answered HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}; the simulator refused the call with ${x.refused}`);
          }
          verified++;
          return;
        }
      }
    }

    // 4. Replay at virtual times (real waits: the network has its own timing anyway).
    const t0 = Date.now();
    log(`t=0: replaying ${actions.length} actions`);
    // Actions at one virtual time run concurrently across nodes, in order within each node (the
    // simulator's order per node is what its signatures and clocks depend on).
    // When the daemons fall behind (slow requests), the timeline shifts by the lag instead of
    // compressing what follows: a partition keeps its virtual length in wall time.
    let shift = 0;
    for (let k = 0; k < evs.length; ) {
      const e = evs[k]!;
      await sleep(t0 + shift + e.t - Date.now());
      shift = Math.max(shift, Date.now() - (t0 + e.t));
      let end = k + 1;
      while (e.rank === 1 && end < evs.length && evs[end]!.t === e.t && evs[end]!.rank === 1) end++;
      const group = evs.slice(k, end);
      const byNode = new Map<number | undefined, Ev[]>();
      for (const g of group) byNode.set(g.node, [...(byNode.get(g.node) ?? []), g]);
      await Promise.all(
        [...byNode.values()].map(async (seq) => {
          for (const g of seq) await g.run();
        }),
      );
      k = end;
    }
    const lastEvent = Date.now();

    // 5. Convergence: every daemon at the simulator's root, or all agreeing and stable.
    const roots = async () => Promise.all(ids.map(async (_, i) => (cluster.isUp(i) ? (((await request(cluster.url(i), 'GET', '/state').catch(() => null))?.json.root as Hash | undefined) ?? null) : null)));
    let last: (Hash | null)[] = [];
    let stable = 0;
    let convergedAfterMs: number | null = null;
    try {
      await until(
        'convergence',
        async () => {
          const rs = await roots();
          const simEqual = rs.every((r, i) => r === sim.stateRoots[i]);
          const up = rs.filter((r) => r !== null);
          const agree = up.length > 0 && up.every((r) => r === up[0]);
          stable = agree && rs.every((r, i) => r === last[i]) ? stable + 1 : 0;
          last = rs;
          return simEqual || stable >= 10;
        },
        o.convergeTimeoutMs ?? 30_000,
        100,
      );
      convergedAfterMs = Date.now() - lastEvent;
    } catch (e) {
      if (!(e instanceof IcnError)) throw e;
    }
    const final = await roots();
    return { name: def.name, backend, seed: o.seed, nodes: n, header, roots: final, sim, equal: final.every((r, i) => r === sim.stateRoots[i]), convergedAfterMs, wallMs: Date.now() - t0, setupMs, restarts, verified };
  } finally {
    await cluster.close();
  }
}
