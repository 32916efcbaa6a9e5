/**
 * The process backend: a scenario over real icn-node daemons (child processes, TCP on loopback).
 *
 * The same ScenarioDef and seed first run in the simulator (in-process): that gives the expected
 * per-node state roots and, through `onAction`, every workload action exactly as the simulator
 * applied it (which node, its clock, a transfer's signed journal entry with its parents). The
 * daemons run with the simulator's keypairs and `--clock request`, and the backend replays those
 * actions at their virtual times (real waits), so every signed artifact is byte-identical to the
 * simulator's; only the network's timing differs. Crashes are SIGKILL + restart over the same
 * data dir; partitions are link cuts through /admin/links. Faults that only make sense inside the
 * simulator (loss, duplication, delay/reordering, clock skew, loss of unsynced writes) are not
 * reproduced, and the run header says which ones were ignored.
 *
 * The outcome is the comparison the issue asks for: after convergence each daemon's LC state root
 * must equal the simulator's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enc } from '../../core/canonical/index.js';
import { IcnError } from '../../core/errors.js';
import type { Hash } from '../../core/hash/index.js';
import { Keypair } from '../../core/identity/index.js';
import { entryId, type JournalEntry } from '../../core/ledger/index.js';
import { Rng } from '../../core/runtime/index.js';
import { ppmFromDecimal } from '../../core/trust/index.js';
import { nodeCommand } from '../proc/node-command.js';
import { describeFaults, NO_FAULTS, type FaultPlan } from '../sim/faults.js';
import { planFaults, runScenario, type ScenarioAction, type ScenarioDef, type ScenarioResult, type Step } from '../sim/scenario.js';
import { SIM_EPOCH_MS } from '../sim/simulator.js';

export interface ProcessBackendOptions {
  seed: bigint;
  repoRoot: string;
  nodes?: number;
  faults?: string;
  /** Wall-clock budget for convergence after the last event (default 30 s). */
  convergeTimeoutMs?: number;
  /** Daemon tick (anti-entropy) period; default the scenario's tick, at most 100 ms. */
  tickMs?: number;
  /** Progress lines (spawns, kills, cuts). */
  log?: (line: string) => void;
  /** Keep the daemons' data dirs (default: removed). */
  keepData?: boolean;
}

export interface ProcessBackendResult {
  name: string;
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
  wallMs: number;
  restarts: number;
}

/** Steps the daemon has no API for (contracts live in NodeContracts, which icn-node does not run). */
const UNSUPPORTED: Step['do'][] = ['deploy', 'deploy_flood', 'execute'];

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

interface Daemon {
  index: number;
  dataDir: string;
  gossipPort: number;
  httpPort: number;
  child?: ChildProcess;
  output: string;
}

async function api(d: Daemon, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  // A bounded wait per request: a daemon that stops answering must not stall the run.
  const r = await fetch(`http://127.0.0.1:${d.httpPort}${path}`, { method, signal: AbortSignal.timeout(10_000), ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const text = await r.text();
  if (r.status !== 200) throw new IcnError('HARNESS_FAULT', `node ${d.index} ${method} ${path}: HTTP ${r.status}: ${text.trim()}`);
  return JSON.parse(text) as unknown;
}

/** Poll `cond` until true or the deadline; the timeout names what was awaited. */
async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() - t0 > timeoutMs) throw new IcnError('HARNESS_FAULT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function runProcessScenario(def: ScenarioDef, o: ProcessBackendOptions): Promise<ProcessBackendResult> {
  const log = o.log ?? (() => {});
  const bad = def.steps.map((s, k) => [s, k] as const).filter(([s]) => UNSUPPORTED.includes(s.do));
  if (bad.length) {
    throw new IcnError('BACKEND_UNSUPPORTED', `scenario ${def.name}: the process backend cannot run ${bad.map(([s, k]) => `steps[${k}] ${s.do}`).join(', ')}: icn-node has no contract deploy/execute API yet`);
  }
  const n = o.nodes ?? def.nodes;
  const faults = planFaults(def, { seed: o.seed, ...(o.faults ? { faults: o.faults } : {}) }, n);

  // 1. The simulator's run: expected roots and the exact actions.
  const actions: ScenarioAction[] = [];
  const sim = await runScenario(def, { seed: o.seed, repoRoot: o.repoRoot, ...(o.nodes ? { nodes: o.nodes } : {}), ...(o.faults ? { faults: o.faults } : {}), onAction: (a) => actions.push(a) });

  // 2. The same identities as the simulator (simulator.ts: stream 'keys', 32 bytes per node).
  const keyRng = Rng.root(o.seed).stream('keys');
  const seeds = Array.from({ length: n }, () => keyRng.bytes(32));
  const ids = seeds.map((s) => Keypair.fromSeed(s).did.toString());
  const tickMs = o.tickMs ?? Math.min(100, def.tickIntervalMs ?? 100);
  const ignored = ignoredFaults(faults);
  const header = [
    `icn-process scenario=${def.name} seed=${o.seed} nodes=${n} backend=process (icn-node daemons, TCP on 127.0.0.1) tick=${tickMs}ms`,
    ...describeFaults(faults).map((l) => `  sim ${l}`),
    `  reproduced: ${faults.crashes.length} crash(es) as SIGKILL + restart over the same data dir; ${faults.partitions.length} partition(s) as /admin/links cuts; timestamps and ledger parents from the simulator's run`,
    `  ignored (simulator-only): ${ignored.length ? ignored.join(', ') : 'none'}`,
  ];
  for (const l of header) log(l);

  const base = mkdtempSync(join(tmpdir(), `icn-process-${def.name}-`));
  const daemons: Daemon[] = [];
  for (let i = 0; i < n; i++) daemons.push({ index: i, dataDir: join(base, `node-${i}`), gossipPort: await freePort(), httpPort: await freePort(), output: '' });
  const bin = join(o.repoRoot, 'bin', 'icn-node.js');
  let restarts = 0;

  const start = async (d: Daemon): Promise<void> => {
    const peers = daemons.filter((p) => p !== d).map((p) => `127.0.0.1:${p.gossipPort}`);
    const args = ['--data-dir', d.dataDir, '--key-seed', enc.bytes(seeds[d.index]!), '--gossip', `127.0.0.1:${d.gossipPort}`, '--http', `127.0.0.1:${d.httpPort}`, '--tick-ms', String(tickMs), '--clock', 'request', '--admin', ...(def.defaultCreditLimit !== undefined ? ['--default-credit-limit', def.defaultCreditLimit] : []), ...peers.flatMap((p) => ['--peer', p])];
    const cmd = nodeCommand([], bin, args);
    const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    d.child = child;
    d.output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        d.output += b.toString();
        if (/listening did=\S+ gossip=\S+ http=\S+/.test(d.output)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (b: Buffer) => (d.output += b.toString()));
      child.once('exit', (code, sig) => reject(new IcnError('HARNESS_FAULT', `icn-node ${d.index} exited (${code ?? sig}) before listening: ${d.output.trim().slice(-500)}`)));
    });
    const m = /listening did=(\S+)/.exec(d.output);
    if (m?.[1] !== ids[d.index]) throw new IcnError('HARNESS_FAULT', `node ${d.index} came up as ${m?.[1]}, expected the simulator's ${ids[d.index]}`);
    log(`node ${d.index}: up (pid ${child.pid}) http=${d.httpPort} gossip=${d.gossipPort}`);
  };
  const kill = async (d: Daemon, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    const c = d.child;
    d.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await gone;
  };

  try {
    await Promise.all(daemons.map((d) => start(d)));
    // Every daemon linked to every other before virtual time 0 (the simulator's nodes start linked).
    await until('all links up', async () => {
      const ps = await Promise.all(daemons.map((d) => api(d, 'GET', '/peers') as Promise<{ peers: string[] }>));
      return ps.every((p) => p.peers.length === n - 1);
    }, 30_000);
    log(`all ${n} daemons linked to each other`);

    // 3. One timeline: restarts, then actions, then crashes at equal virtual times (an action the
    // simulator applied at t ran on a node that was up at t); partition edges recompute link cuts.
    type Ev = { t: number; rank: number; node?: number; run: () => Promise<void> };
    const evs: Ev[] = [];
    const stepOf = (a: ScenarioAction) => def.steps[a.step]!;
    for (const a of actions) evs.push({ t: a.nowMs - SIM_EPOCH_MS, rank: 1, node: a.node, run: () => replay(a) });
    for (const c of faults.crashes) {
      evs.push({ t: c.atMs, rank: 2, run: async () => {
        log(`t=${c.atMs}ms: SIGKILL node ${c.node}`);
        await kill(daemons[c.node]!, 'SIGKILL');
      } });
      if (c.restartMs !== undefined) {
        evs.push({ t: c.restartMs, rank: 0, run: async () => {
          log(`t=${c.restartMs}ms: restart node ${c.node} over its data dir`);
          restarts++;
          await start(daemons[c.node]!);
          await applyCuts(c.restartMs!, daemons[c.node]!);
        } });
      }
    }
    const edges = [...new Set(faults.partitions.flatMap((p) => [p.startMs, p.endMs]))];
    for (const t of edges) evs.push({ t, rank: 0, run: () => applyCuts(t) });
    evs.sort((a, b) => a.t - b.t || a.rank - b.rank);

    function cutsAt(t: number): string[][] {
      const cut = daemons.map(() => new Set<number>());
      for (const p of faults.partitions) {
        if (t < p.startMs || t >= p.endMs) continue;
        for (const x of p.a) for (const y of p.b) {
          cut[x]!.add(y);
          cut[y]!.add(x);
        }
      }
      return cut.map((s) => [...s].sort((x, y) => x - y).map((j) => ids[j]!));
    }
    async function applyCuts(t: number, only?: Daemon): Promise<void> {
      if (!faults.partitions.length) return;
      const cuts = cutsAt(t);
      log(`t=${t}ms: link cuts ${cuts.map((c, i) => `${i}:[${c.map((d) => ids.indexOf(d)).join(',')}]`).join(' ')}`);
      await Promise.all(daemons.filter((d) => d.child && (!only || d === only)).map((d) => api(d, 'POST', '/admin/links', { block: cuts[d.index] })));
    }
    async function replay(a: ScenarioAction): Promise<void> {
      const s = stepOf(a);
      const d = daemons[a.node]!;
      if (!d.child) throw new IcnError('HARNESS_FAULT', `steps[${a.step}] on node ${a.node}: the daemon is down (the simulator had it up)`);
      switch (s.do) {
        case 'attest':
          await api(d, 'POST', '/trust', { to: ids[s.to < 0 ? n + s.to : s.to], scorePpm: ppmFromDecimal(s.score), at: a.nowMs });
          return;
        case 'attest_all':
          for (let j = 0; j < n; j++) if (j !== a.node) await api(d, 'POST', '/trust', { to: ids[j], scorePpm: ppmFromDecimal(s.score), at: a.nowMs });
          return;
        case 'attest_node':
          await api(d, 'POST', '/trust', { to: ids[s.node < 0 ? n + s.node : s.node], scorePpm: ppmFromDecimal(s.score), at: a.nowMs });
          return;
        case 'transfer': {
          const e = a.entry!;
          const got = (await api(d, 'POST', '/ledger/entries', { at: e.timestamp, accounts: e.accounts, parents: e.parents })) as JournalEntry;
          if (entryId(got) !== entryId(e)) throw new IcnError('HARNESS_FAULT', `steps[${a.step}]: node ${a.node} signed ${entryId(got)}, the simulator ${entryId(e)}`);
          return;
        }
        case 'publish':
          await api(d, 'POST', '/publish', { topic: s.topic, data: s.data, at: a.nowMs });
          return;
        case 'flood':
          for (let c = 0; c < s.count; c++) await api(d, 'POST', '/publish', { topic: s.topic, data: { flood: String(c) }, at: a.nowMs });
          return;
        default:
          throw new IcnError('BACKEND_UNSUPPORTED', `steps[${a.step}] ${s.do}`);
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
      await Promise.all([...byNode.values()].map(async (seq) => {
        for (const g of seq) await g.run();
      }));
      k = end;
    }
    const lastEvent = Date.now();

    // 5. Convergence: every daemon at the simulator's root, or all agreeing and stable.
    const roots = async () => Promise.all(daemons.map(async (d) => (d.child ? ((await api(d, 'GET', '/state').catch(() => null)) as { root?: Hash } | null)?.root ?? null : null)));
    let last: (Hash | null)[] = [];
    let stable = 0;
    let convergedAfterMs: number | null = null;
    try {
      await until('convergence', async () => {
        const rs = await roots();
        const simEqual = rs.every((r, i) => r === sim.stateRoots[i]);
        const up = rs.filter((r) => r !== null);
        const agree = up.length > 0 && up.every((r) => r === up[0]);
        stable = agree && rs.every((r, i) => r === last[i]) ? stable + 1 : 0;
        last = rs;
        return simEqual || stable >= 10;
      }, o.convergeTimeoutMs ?? 30_000, 100);
      convergedAfterMs = Date.now() - lastEvent;
    } catch (e) {
      if (!(e instanceof IcnError)) throw e;
    }
    const final = await roots();
    return {
      name: def.name,
      seed: o.seed,
      nodes: n,
      header,
      roots: final,
      sim,
      equal: final.every((r, i) => r === sim.stateRoots[i]),
      convergedAfterMs,
      wallMs: Date.now() - t0,
      restarts,
    };
  } finally {
    await Promise.all(daemons.map((d) => kill(d, 'SIGTERM')));
    if (!o.keepData) rmSync(base, { recursive: true, force: true });
  }
}
