/**
 * A whole network in one process, driven by one seed (TigerBeetle's VOPR, FoundationDB's
 * simulation). Virtual time only; every random choice comes from a named sub-stream of the root
 * seed: `network` (loss, duplication, delays), `faults` (skews, storage loss on crash, random
 * plans), `workload` (for scenarios), `nodes/<i>` (each node's own stream).
 *
 * Events run in canonical order (virtual time, then scheduling sequence). Each processed event is
 * one step; the trace chains a digest of every step, takes a checkpoint (hash of the chain and of
 * every node's state root) every `checkpointEvery` steps, and ends with a trace root in the
 * manifest's EntryTrace shape. A `compareWith` trace makes the run stop at the first step whose
 * digest differs (the self-determinism check).
 */
import { canonicalString } from '../../core/canonical/index.js';
import { IcnError } from '../../core/errors.js';
import { contentHash, DOMAIN, type Hash } from '../../core/hash/index.js';
import { Keypair } from '../../core/identity/index.js';
import { Rng, type Clock } from '../../core/runtime/index.js';
import type { EntryTrace } from '../manifest/types.js';
import { checkFaults, type FaultPlan } from './faults.js';
import { EventQueue } from './queue.js';
import { SimStorage, type NodeStorage } from './storage.js';

/** Virtual time 0 is this wall-clock-looking epoch, so that negative skews stay positive. */
export const SIM_EPOCH_MS = 1_700_000_000_000;

export interface SimTransport {
  send(to: string, message: unknown): void;
}

export interface ProcessContext {
  index: number;
  keypair: Keypair;
  /** This node's clock: virtual time + its skew. */
  clock: Clock;
  rng: Rng;
  transport: SimTransport;
  storage: NodeStorage;
  /** Every other node's id, in the order the runtime lists them (perturbed in the determinism check's second run). */
  peers: string[];
  /** True when the process is being started again after a crash. */
  restarted: boolean;
}

/** What the simulator drives. The node is a sans-IO machine behind this. */
export interface SimProcess {
  readonly id: string;
  receive(from: string, message: unknown): void;
  tick(): void;
  stateRoot(): Hash;
}

export type SimEvent =
  | { kind: 'deliver'; from: number; to: number; message: unknown; fp: string }
  | { kind: 'tick'; node: number; life: number }
  | { kind: 'crash'; node: number; restartMs?: number }
  | { kind: 'restart'; node: number }
  | { kind: 'action'; label: string; run: (sim: Simulator) => void };

export interface SimOptions {
  seed: bigint;
  nodes: number;
  faults: FaultPlan;
  create: (ctx: ProcessContext) => SimProcess;
  /** Anti-entropy tick period per node (default 100 ms); each node's phase is drawn from its stream. */
  tickIntervalMs?: number;
  /** Steps between checkpoints (default 256). */
  checkpointEvery?: number;
  /** A short, content-determined fingerprint of a message for the trace (default: its canonical hash). */
  fingerprint?: (message: unknown) => string;
  /**
   * Determinism-check perturbation: build nodes in reverse order and hand each its peers in
   * reverse order. Nothing that feeds the trace may depend on either.
   */
  perturb?: boolean;
  /** Stop at the first step whose digest differs from this earlier run's. */
  compareWith?: StepLog;
  /** Record every step's digest and a description (for a later compareWith). */
  record?: boolean;
}

export interface StepLog {
  digests: string[];
  describe: string[];
}

export interface SimStats {
  steps: number;
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  blockedByPartition: number;
  droppedAtCrashedNode: number;
  crashes: number;
  restarts: number;
  lostUnsyncedWrites: number;
}

export class DeterminismDivergence extends IcnError {
  override readonly name = 'DeterminismDivergence';
  constructor(
    readonly step: number,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      'SIM_NONDETERMINISM',
      `runs diverge at step ${step}: first run: ${expected}; second run: ${actual}`,
      { step },
    );
  }
}

function defaultFingerprint(m: unknown): string {
  return contentHash(DOMAIN.simEvent, m as never);
}

/**
 * The 32-byte identity seed of each node (stream 'keys' of the root seed): the simulator's
 * keypairs, and the real backends' daemons run with the same ones.
 */
export function nodeKeySeeds(seed: bigint, n: number): Uint8Array[] {
  const keyRng = Rng.root(seed).stream('keys');
  return Array.from({ length: n }, () => keyRng.bytes(32));
}

export class Simulator {
  readonly seed: bigint;
  readonly faults: FaultPlan;
  readonly root: Rng;
  readonly network: Rng;
  readonly faultRng: Rng;
  readonly workload: Rng;
  readonly ids: string[];
  readonly keypairs: Keypair[];
  readonly storages: SimStorage[];
  readonly skews: number[];
  readonly tickIntervalMs: number;
  readonly checkpointEvery: number;
  private readonly procs: (SimProcess | undefined)[];
  /** Incarnation of each node: a tick scheduled before a crash never runs after the restart. */
  private readonly lives: number[];
  private readonly nodeRngs: Rng[];
  private readonly indexOf = new Map<string, number>();
  private readonly queue = new EventQueue<SimEvent>();
  private readonly opts: SimOptions;
  private readonly fingerprint: (m: unknown) => string;
  private nowMs = 0;
  private chain: Hash;
  private readonly checkpoints: { step: number; hash: Hash }[] = [];
  readonly log: StepLog = { digests: [], describe: [] };
  readonly stats: SimStats = {
    steps: 0,
    sent: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    blockedByPartition: 0,
    droppedAtCrashedNode: 0,
    crashes: 0,
    restarts: 0,
    lostUnsyncedWrites: 0,
  };
  /** Observers of every step (scenario checks, tests). */
  onStep?: (step: number, ev: SimEvent, time: number) => void;

  constructor(opts: SimOptions) {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1)
      throw new IcnError('SIM_NODES', `nodes must be ≥ 1, got ${opts.nodes}`);
    checkFaults(opts.faults, opts.nodes);
    this.opts = opts;
    this.seed = opts.seed;
    this.faults = opts.faults;
    this.root = Rng.root(opts.seed);
    this.network = this.root.stream('network');
    this.faultRng = this.root.stream('faults');
    this.workload = this.root.stream('workload');
    this.tickIntervalMs = opts.tickIntervalMs ?? 100;
    this.checkpointEvery = opts.checkpointEvery ?? 256;
    this.fingerprint = opts.fingerprint ?? defaultFingerprint;
    this.chain = contentHash(DOMAIN.simTrace, { seed: opts.seed.toString(), nodes: opts.nodes });
    const n = opts.nodes;
    this.keypairs = nodeKeySeeds(opts.seed, n).map((k) => Keypair.fromSeed(k));
    this.ids = this.keypairs.map((k) => k.did.toString());
    this.ids.forEach((id, i) => this.indexOf.set(id, i));
    this.storages = Array.from({ length: n }, () => new SimStorage());
    this.skews = Array.from({ length: n }, () =>
      opts.faults.skewMaxMs > 0
        ? this.faultRng.int(-opts.faults.skewMaxMs, opts.faults.skewMaxMs)
        : 0,
    );
    this.nodeRngs = Array.from({ length: n }, (_, i) => this.root.stream(`nodes/${i}`));
    this.procs = new Array<SimProcess | undefined>(n).fill(undefined);
    this.lives = new Array<number>(n).fill(0);
    const order = [...Array(n).keys()];
    for (const i of opts.perturb ? order.reverse() : order) this.procs[i] = this.start(i, false);
    // Tick phases: each node's first tick lands somewhere in its first period.
    for (let i = 0; i < n; i++)
      this.queue.push(1 + this.network.below(this.tickIntervalMs), {
        kind: 'tick',
        node: i,
        life: 0,
      });
    for (const c of opts.faults.crashes)
      this.queue.push(c.atMs, {
        kind: 'crash',
        node: c.node,
        ...(c.restartMs === undefined ? {} : { restartMs: c.restartMs }),
      });
  }

  get now(): number {
    return this.nowMs;
  }
  get nodeCount(): number {
    return this.ids.length;
  }
  /** The live process of node i (undefined while it is crashed). */
  node(i: number): SimProcess | undefined {
    return this.procs[i];
  }
  isUp(i: number): boolean {
    return this.procs[i] !== undefined;
  }
  index(id: string): number {
    const i = this.indexOf.get(id);
    if (i === undefined) throw new IcnError('SIM_UNKNOWN_NODE', `no node ${id}`);
    return i;
  }

  private start(i: number, restarted: boolean): SimProcess {
    const peers = this.ids.filter((_, j) => j !== i);
    if (this.opts.perturb) peers.reverse();
    const clockBase = SIM_EPOCH_MS + this.skews[i]!;
    const clock: Clock = { nowMs: () => clockBase + this.nowMs };
    const transport: SimTransport = { send: (to, message) => this.send(i, to, message) };
    const p = this.opts.create({
      index: i,
      keypair: this.keypairs[i]!,
      clock,
      rng: this.nodeRngs[i]!,
      transport,
      storage: this.storages[i]!,
      peers,
      restarted,
    });
    if (p.id !== this.ids[i])
      throw new IcnError('SIM_IDENTITY', `node ${i} came up as ${p.id}, expected ${this.ids[i]}`);
    return p;
  }

  /** Schedule a workload action at virtual time `atMs` (runs as one step, in canonical order). */
  at(atMs: number, label: string, run: (sim: Simulator) => void): void {
    this.queue.push(atMs, { kind: 'action', label, run });
  }

  blocked(from: number, to: number, t: number): boolean {
    for (const p of this.faults.partitions) {
      if (t < p.startMs || t >= p.endMs) continue;
      const fa = p.a.includes(from);
      const tb = p.b.includes(to);
      if (fa && tb) return true;
      if (p.kind === 'symmetric' && p.b.includes(from) && p.a.includes(to)) return true;
    }
    return false;
  }

  private send(from: number, toId: string, message: unknown): void {
    const to = this.indexOf.get(toId);
    this.stats.sent++;
    if (to === undefined) return;
    const f = this.faults;
    if (this.blocked(from, to, this.nowMs)) {
      this.stats.blockedByPartition++;
      return;
    }
    if (f.lossPpm > 0 && this.network.chancePpm(f.lossPpm)) {
      this.stats.lost++;
      return;
    }
    const copies = f.dupPpm > 0 && this.network.chancePpm(f.dupPpm) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    const fp = this.fingerprint(message);
    for (let c = 0; c < copies; c++) {
      let delay = this.network.int(f.delayMinMs, f.delayMaxMs);
      if (f.tailPpm > 0 && this.network.chancePpm(f.tailPpm))
        delay += this.network.int(0, f.tailMaxMs);
      this.queue.push(this.nowMs + delay, { kind: 'deliver', from, to, message, fp });
    }
  }

  private describe(ev: SimEvent): unknown[] {
    switch (ev.kind) {
      case 'deliver':
        return ['deliver', ev.from, ev.to, ev.fp];
      case 'tick':
      case 'crash':
      case 'restart':
        return [ev.kind, ev.node];
      case 'action':
        return ['action', ev.label];
    }
  }

  private stateHash(): Hash {
    const nodes = this.ids
      .map((id, i) => [id, this.procs[i] ? this.procs[i]!.stateRoot() : null])
      .sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
    return contentHash(DOMAIN.simCheckpoint, {
      step: this.stats.steps,
      time: this.nowMs,
      chain: this.chain,
      nodes,
    });
  }

  private checkpoint(): void {
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (last && last.step === this.stats.steps) return;
    this.checkpoints.push({ step: this.stats.steps, hash: this.stateHash() });
  }

  /** Chain one step into the trace (and compare it with the earlier run's, when checking). */
  private traceStep(time: number, desc: unknown[]): number {
    const step = ++this.stats.steps;
    this.chain = contentHash(DOMAIN.simEvent, [this.chain, step, time, desc as never]);
    const cmp = this.opts.compareWith;
    if (cmp) {
      const expected = cmp.digests[step - 1];
      if (expected !== this.chain) {
        throw new DeterminismDivergence(
          step,
          expected === undefined ? '(run ended before this step)' : `${cmp.describe[step - 1]}`,
          `t=${time}ms ${canonicalString(desc as never)}`,
        );
      }
    }
    if (this.opts.record) {
      this.log.digests.push(this.chain);
      this.log.describe.push(`t=${time}ms ${canonicalString(desc as never)}`);
    }
    return step;
  }

  /** Process one event. Returns false when the queue is empty. */
  step(): boolean {
    const q = this.queue.pop();
    if (!q) return false;
    this.nowMs = q.time;
    const ev = q.event;
    const step = this.traceStep(q.time, this.describe(ev));
    this.apply(ev);
    this.onStep?.(step, ev, q.time);
    if (step % this.checkpointEvery === 0) this.checkpoint();
    return true;
  }

  /**
   * A workload step run by the driver between events (it may be async, e.g. a contract
   * execution): traced like an event at the current virtual time, with `detail` (its result)
   * chained in, so a different outcome is a different step.
   */
  external(label: string, detail: unknown): void {
    const step = this.traceStep(this.nowMs, ['external', label, detail]);
    if (step % this.checkpointEvery === 0) this.checkpoint();
  }

  /** Time of the next queued event (undefined when idle). */
  get nextEventTime(): number | undefined {
    return this.queue.peek()?.time;
  }

  /** Run every event strictly before `t`, then set the clock to t. */
  runBefore(t: number): void {
    for (;;) {
      const q = this.queue.peek();
      if (!q || q.time >= t) break;
      this.step();
    }
    this.nowMs = Math.max(this.nowMs, t);
  }

  private apply(ev: SimEvent): void {
    switch (ev.kind) {
      case 'deliver': {
        const p = this.procs[ev.to];
        if (!p) {
          this.stats.droppedAtCrashedNode++;
          return;
        }
        if (this.blocked(ev.from, ev.to, this.nowMs)) {
          this.stats.blockedByPartition++;
          return;
        }
        this.stats.delivered++;
        p.receive(this.ids[ev.from]!, ev.message);
        return;
      }
      case 'tick': {
        const p = this.procs[ev.node];
        // A crashed node's tick chain stops; a restart starts a new one.
        if (!p || ev.life !== this.lives[ev.node]) return;
        p.tick();
        this.queue.push(this.nowMs + this.tickIntervalMs, {
          kind: 'tick',
          node: ev.node,
          life: ev.life,
        });
        return;
      }
      case 'crash': {
        if (!this.procs[ev.node]) return;
        this.procs[ev.node] = undefined;
        this.stats.crashes++;
        this.stats.lostUnsyncedWrites += this.storages[ev.node]!.crash(
          this.faultRng,
          this.faults.unsyncedLossPpm,
        );
        if (ev.restartMs !== undefined)
          this.queue.push(ev.restartMs, { kind: 'restart', node: ev.node });
        return;
      }
      case 'restart': {
        if (this.procs[ev.node]) return;
        this.procs[ev.node] = this.start(ev.node, true);
        this.stats.restarts++;
        const life = ++this.lives[ev.node]!;
        this.queue.push(this.nowMs + 1 + this.network.below(this.tickIntervalMs), {
          kind: 'tick',
          node: ev.node,
          life,
        });
        return;
      }
      case 'action':
        ev.run(this);
        return;
    }
  }

  /** Run every event up to and including virtual time `t` (the clock ends at t). */
  runUntil(t: number): void {
    for (;;) {
      const q = this.queue.peek();
      if (!q || q.time > t) break;
      this.step();
    }
    this.nowMs = Math.max(this.nowMs, t);
  }

  /**
   * Run until `done()` holds (checked after each step) or virtual time passes `deadlineMs`.
   * Returns the time it held, or undefined.
   */
  runUntilTrue(done: () => boolean, deadlineMs: number, checkEvery = 1): number | undefined {
    let k = 0;
    for (;;) {
      if (k++ % checkEvery === 0 && done()) return this.nowMs;
      const q = this.queue.peek();
      if (!q || q.time > deadlineMs) return done() ? this.nowMs : undefined;
      this.step();
    }
  }

  /** The trace: checkpoints (plus a final one) and the root over them. */
  trace(): EntryTrace {
    this.checkpoint();
    const checkpoints = this.checkpoints.slice();
    return {
      root: contentHash(DOMAIN.simTrace, {
        steps: this.stats.steps,
        checkpoints: checkpoints.map((c) => [c.step, c.hash]),
      }),
      steps: this.stats.steps,
      checkpoints,
    };
  }

  /** Every live node's state root, by node index (null when down). */
  stateRoots(): (Hash | null)[] {
    return this.procs.map((p) => (p ? p.stateRoot() : null));
  }
}
