/** The real backends' contract: what a run is asked and returns, and the cluster of daemons it drives. */
import type { Hash } from '../../core/hash/index.js';
import type { ScenarioResult } from '../sim/scenario.js';

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
