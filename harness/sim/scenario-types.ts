/**
 * The scenario format (`icn-scenario/v1`) as types: a scenario's nodes, faults, timed workload
 * steps and end checks, the options of a run and what a run returns. scenario-schema.ts checks
 * a parsed file against the same shape.
 */
import type { Topic } from '../../core/gossip/index.js';
import type { GossipHazards } from '../../core/gossip/index.js';
import type { Hash } from '../../core/hash/index.js';
import type { ExecutionReceipt, SignedCall } from '../../core/contracts/index.js';
import type { JournalEntry } from '../../core/ledger/index.js';
import type { DecisionTamper, ExecutionTamper } from '../../core/node/index.js';
import type { EntryTrace } from '../manifest/types.js';
import type { FaultPlan } from './faults.js';
import type { Simulator, StepLog } from './simulator.js';

export const SCENARIO_FORMAT = 'icn-scenario/v1';

export type Step = { at: number } & (
  | { do: 'attest'; node: number; to: number; score: string }
  /** Every node attests every other node at this score (a trusted cooperative). */
  | { do: 'attest_all'; score: string }
  /** Every other node attests node `node` at this score (a well-known deployer, no n² mesh). */
  | { do: 'attest_node'; node: number; score: string }
  | { do: 'transfer'; node: number; to: number; amount: string; currency: string }
  | { do: 'publish'; node: number; topic: Topic; data: unknown }
  /** `count` publications by one node, 1 ms apart (a flood). */
  | { do: 'flood'; node: number; topic: Topic; count: number }
  /** A hostile peer (a key no node trusts) sends `count` attestations by a fresh key, dated `ahead_ms` after node `node`'s clock, to every node that is up. */
  | { do: 'attestation_flood'; node: number; count: number; ahead_ms: number; key: string }
  /**
   * Deploy contracts/<contract>.json from `node`, its participants replaced by the given nodes
   * (default: the deployer; "all": every node), all co-signing. `as` names it for later steps
   * (default: the file stem). `capabilities`: CCL capability JSON ("$caller", "@N" for node N's
   * DID). `tamper`: publish it broken instead: `deployer_signature` (signed by another key) or
   * `capabilities` (a capability added after signing).
   */
  | {
      do: 'deploy';
      node: number;
      contract: string;
      as?: string;
      participants?: number[] | 'all';
      capabilities?: unknown[];
      min_caller_trust?: string;
      tamper?: 'deployer_signature' | 'capabilities';
    }
  /** `count` distinct deployments by one node in one burst (a deployment flood). */
  | { do: 'deploy_flood'; node: number; contract: string; count: number }
  /**
   * Run a rule on node `node` as `caller` (default: the same node). Args are CCL value JSON, "@N"
   * standing for node N's DID. `expect`: the returned value (CCL value JSON, e.g. {"Int": 8}), or
   * "unauthorized", or {"refused": CODE} (e.g. CALL_WRONG_EXECUTOR). `as` names the execution for
   * checks. `sync`: first wait (virtual time, at most to the horizon) until the node has adopted
   * every execution published so far (a client that waits for its node to catch up). `byzantine`:
   * the node publishes a wrongly signed receipt instead of executing (core/node/byzantine.ts:
   * ledger_amount, output, entry; replay: an honest execution of a call it must not run).
   * Every execution is a signed call (core/contracts/call.ts) by the caller, naming `executor`
   * (default: `node`) with nonce `steps[K]`; steps with the same `call` label send one and the same
   * signed call (made at the first of them, nonce = the label).
   */
  | {
      do: 'execute';
      node: number;
      contract: string;
      rule: string;
      args: unknown[];
      caller?: number;
      executor?: number;
      call?: string;
      expect?: unknown;
      as?: string;
      sync?: boolean;
      byzantine?: ExecutionTamper;
    }
  /**
   * A governance decision: `node` proposes `payload` (ProposalPayload JSON, "@N" for node N's
   * DID) in `domain`; the electorate (weight 1 each) votes `for`/`against`/`abstain`; `attest`
   * nodes attest the receipt. Accepted: the proposer executes it and publishes the record (others
   * verify by replay); otherwise it announces it. `tamper`: publish a byzantine record instead
   * (`receipt`: tally altered; `effects`: entries that pay the proposer). `as` names it for checks.
   */
  | {
      do: 'governance';
      node: number;
      as: string;
      domain: string;
      payload: unknown;
      for?: number[];
      against?: number[];
      abstain?: number[];
      quorum?: string;
      threshold_ppm?: number;
      attest?: number[];
      tamper?: DecisionTamper;
    }
);

export type Check =
  /** Every node is up and all hold the same state root and the same gossip store. */
  | { check: 'converged' }
  /** Every journal entry submitted during the run is applied on every node (none lost). */
  | { check: 'ledger_complete' }
  /** Gossip entries on a topic (optionally by one author) held by the given nodes. */
  | {
      check: 'gossip_count';
      topic: Topic;
      author?: number;
      nodes?: number[];
      equals?: number;
      min?: number;
      max?: number;
    }
  /** A node's Prometheus metric (summed over matching label sets). */
  | {
      check: 'metric';
      node: number;
      name: string;
      labels?: Record<string, string>;
      equals?: number;
      min?: number;
      max?: number;
    }
  /** Node `node`'s trust score (ppm) in node `of`. */
  | { check: 'trust'; node: number; of: number; min?: number; max?: number }
  /** Whether a deployed contract (by its `as` name) is installed on the given nodes (default all). */
  | { check: 'installed'; contract: string; nodes?: number[]; equals: boolean }
  /** Number of distinct contracts installed on each given node. */
  | { check: 'installed_count'; nodes?: number[]; equals?: number; min?: number; max?: number }
  /** Every `execute` step met its `expect`. */
  | { check: 'executions' }
  /** Every given node (default all) is up and holds the same ledger root. */
  | { check: 'ledger_roots' }
  /** An account's balance (node index → its DID, or a literal account id) on the given nodes. */
  | {
      check: 'balance';
      account: number | string;
      currency: string;
      nodes?: number[];
      equals: string;
    }
  /** A contract state variable (CCL value JSON) on the given nodes. */
  | { check: 'contract_state'; contract: string; key: string; nodes?: number[]; equals: unknown }
  /**
   * A named execution on the given nodes: `adopted` (its receipt adopted, by replay or as the
   * executor) or `refused` (its record refused, for `reason` if given).
   */
  | {
      check: 'execution';
      execution: string;
      nodes?: number[];
      status: 'adopted' | 'refused';
      reason?: string;
    }
  /** Every given node holds a confirmed proof of misbehavior against the named (byzantine) execution, and no proof it judged otherwise. */
  | { check: 'pom'; execution: string; nodes?: number[] }
  /** A named decision on the given nodes: `executed` (same ledger entries as its executor), `recorded`, or `refused` (for `code` if given). */
  | {
      check: 'decision';
      decision: string;
      nodes?: number[];
      status: 'executed' | 'recorded' | 'refused';
      code?: string;
    };

export interface ScenarioDef {
  format: typeof SCENARIO_FORMAT;
  name: string;
  description: string;
  nodes: number;
  /** Seeds the `scenarios` suite runs (default 3). */
  suiteSeeds?: number;
  /** Default fault spec (see faults.ts); `--faults` is applied on top. `random`: drawn from the seed. */
  faults?: string;
  tickIntervalMs?: number;
  /** Virtual-time deadline of the run. */
  horizonMs: number;
  gossip?: {
    fanout?: number;
    digestFanout?: number;
    topics?: Partial<Record<Topic, Record<string, number>>>;
  };
  /** Nodes whose own gossip limits are off (they flood; the others must contain them). */
  unlimited?: number[];
  /** Ledger credit limit of accounts without an explicit one (i64 decimal; default 0). */
  defaultCreditLimit?: string;
  steps: Step[];
  expect: Check[];
}

export interface ScenarioOptions {
  seed: bigint;
  /** Where contracts/ is (deploy steps). */
  repoRoot?: string;
  /** Override the node count (scenarios that scale). */
  nodes?: number;
  /** Fault spec applied on top of the scenario's. */
  faults?: string;
  hazards?: GossipHazards;
  perturb?: boolean;
  compareWith?: StepLog;
  record?: boolean;
  checkpointEvery?: number;
  /** Observes each workload action as the simulator applies it (real backends replay them exactly). */
  onAction?: (a: ScenarioAction) => void;
}

/**
 * One node's part of a workload step: when (that node's clock) and what it signed: a transfer's
 * entry, a deployment's message, an execution's call and receipt (or refusal).
 */
export interface ScenarioAction {
  step: number;
  node: number;
  nowMs: number;
  entry?: JournalEntry;
  /** A deploy: the message published on contracts:deploy; `raw` when published as is (tampered). */
  deployment?: { message: unknown; raw: boolean };
  /**
   * An execute: the caller (node index), the request timestamp, the node's ledger heads when it
   * ran (the parents of the entry a ledger-writing rule makes), and the receipt or the refusal's code.
   */
  execution?: {
    caller: number;
    timestamp: bigint;
    heads: string[];
    call: SignedCall;
    receipt?: ExecutionReceipt;
    refused?: string;
  };
}

export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
}

export interface ScenarioResult {
  name: string;
  seed: bigint;
  nodes: number;
  faults: FaultPlan;
  header: string[];
  ok: boolean;
  checks: CheckResult[];
  /** Virtual time at which every node agreed (after the last workload step), if it happened. */
  convergedAtMs: number | null;
  stateRoots: (Hash | null)[];
  trace: EntryTrace;
  stats: Simulator['stats'];
  reproduce: string;
  log: StepLog;
}

export const STEP_KINDS = [
  'attest',
  'attest_all',
  'attest_node',
  'transfer',
  'publish',
  'flood',
  'attestation_flood',
  'deploy',
  'deploy_flood',
  'execute',
  'governance',
] as const satisfies readonly Step['do'][];
export const CHECK_KINDS = [
  'converged',
  'ledger_complete',
  'gossip_count',
  'metric',
  'trust',
  'installed',
  'installed_count',
  'executions',
  'ledger_roots',
  'balance',
  'contract_state',
  'execution',
  'pom',
  'decision',
] as const satisfies readonly Check['check'][];

export type StepKind = Step['do'];
export type StepOf<K extends StepKind> = Extract<Step, { do: K }>;
export type CheckKind = Check['check'];
export type CheckOf<K extends CheckKind> = Extract<Check, { check: K }>;

/**
 * A table from step kind to handler: the simulator's steps (scenario-steps.ts) and the real
 * backends' replay of them (backends/driver-replay.ts) have this one shape.
 */
export type StepTable<C, R, Kinds extends StepKind = StepKind> = {
  [K in Kinds]: (c: C, s: StepOf<K>, k: number, where: string) => R;
};
