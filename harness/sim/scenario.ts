/**
 * Scenarios: assertion-checked, declarative multi-node runs (scenarios/<name>.json, format
 * `icn-scenario/v1`). A scenario names its nodes, its default faults, a workload of timed steps
 * and the checks that must hold at the end. `runScenario` builds the simulator from one seed,
 * runs the workload, then runs until every node agrees (or the horizon), and checks.
 *
 * Outputs are LC: per-node state roots and the trace root depend only on (scenario, seed, nodes,
 * faults), never on the machine.
 */
import { IcnError } from '../../core/errors.js';
import { TOPICS, type Topic } from '../../core/gossip/index.js';
import type { Hash } from '../../core/hash/index.js';
import type { IcnNode } from '../../core/node/index.js';
import { metricValue } from '../../core/metrics/index.js';
import { ppmFromDecimal } from '../../core/trust/index.js';
import type { EntryTrace } from '../manifest/types.js';
import { describeFaults, faultSpec, NO_FAULTS, parseFaults, randomFaults, type FaultPlan } from './faults.js';
import { gossipFingerprint, icnProcessFactory, IcnSimProcess } from './icn.js';
import { DeterminismDivergence, Simulator, type StepLog } from './simulator.js';
import type { GossipHazards } from '../../core/gossip/index.js';
import { entryId, type JournalEntry } from '../../core/ledger/index.js';
import { join } from 'node:path';
import { canonicalString } from '../../core/canonical/index.js';
import { CALLER_ACCOUNT, capabilityToJson, parseCapabilities, valueFromJson, valueToJson } from '../../core/ccl/index.js';
import { codeFromJson, codeHash, DeploymentMessage, makeCall, outputHash, receiptFromJson, receiptHash, signCall, signInstallation, verifyCall, withSignatures, type ContractCode, type ExecutionReceipt, type SignedCall } from '../../core/contracts/index.js';
import { DOMAIN } from '../../core/hash/index.js';
import { DECISION_TAMPERS, EXECUTION_TAMPERS, wrongDecisionRecord, wrongExecutionRecord, type DecisionTamper, type ExecutionTamper, type NodeContracts } from '../../core/node/index.js';
import { attestReceipt, decide, signProposal, signVote, type ProposalPayload, type VoteChoice } from '../../core/governance/index.js';
import { readJsonFile } from '../io/files.js';
import { Rng } from '../../core/runtime/index.js';
import { attestationFlood, floodMessage, hostileKey } from './hostile.js';

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
  | { do: 'deploy'; node: number; contract: string; as?: string; participants?: number[] | 'all'; capabilities?: unknown[]; min_caller_trust?: string; tamper?: 'deployer_signature' | 'capabilities' }
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
  | { do: 'execute'; node: number; contract: string; rule: string; args: unknown[]; caller?: number; executor?: number; call?: string; expect?: unknown; as?: string; sync?: boolean; byzantine?: ExecutionTamper }
  /**
   * A governance decision: `node` proposes `payload` (ProposalPayload JSON, "@N" for node N's
   * DID) in `domain`; the electorate (weight 1 each) votes `for`/`against`/`abstain`; `attest`
   * nodes attest the receipt. Accepted: the proposer executes it and publishes the record (others
   * verify by replay); otherwise it announces it. `tamper`: publish a byzantine record instead
   * (`receipt`: tally altered; `effects`: entries that pay the proposer). `as` names it for checks.
   */
  | { do: 'governance'; node: number; as: string; domain: string; payload: unknown; for?: number[]; against?: number[]; abstain?: number[]; quorum?: string; threshold_ppm?: number; attest?: number[]; tamper?: DecisionTamper }
);

export type Check =
  /** Every node is up and all hold the same state root and the same gossip store. */
  | { check: 'converged' }
  /** Every journal entry submitted during the run is applied on every node (none lost). */
  | { check: 'ledger_complete' }
  /** Gossip entries on a topic (optionally by one author) held by the given nodes. */
  | { check: 'gossip_count'; topic: Topic; author?: number; nodes?: number[]; equals?: number; min?: number; max?: number }
  /** A node's Prometheus metric (summed over matching label sets). */
  | { check: 'metric'; node: number; name: string; labels?: Record<string, string>; equals?: number; min?: number; max?: number }
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
  | { check: 'balance'; account: number | string; currency: string; nodes?: number[]; equals: string }
  /** A contract state variable (CCL value JSON) on the given nodes. */
  | { check: 'contract_state'; contract: string; key: string; nodes?: number[]; equals: unknown }
  /**
   * A named execution on the given nodes: `adopted` (its receipt adopted, by replay or as the
   * executor) or `refused` (its record refused, for `reason` if given).
   */
  | { check: 'execution'; execution: string; nodes?: number[]; status: 'adopted' | 'refused'; reason?: string }
  /** Every given node holds a confirmed proof of misbehavior against the named (byzantine) execution, and no proof it judged otherwise. */
  | { check: 'pom'; execution: string; nodes?: number[] }
  /** A named decision on the given nodes: `executed` (same ledger entries as its executor), `recorded`, or `refused` (for `code` if given). */
  | { check: 'decision'; decision: string; nodes?: number[]; status: 'executed' | 'recorded' | 'refused'; code?: string };

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
  gossip?: { fanout?: number; digestFanout?: number; topics?: Partial<Record<Topic, Record<string, number>>> };
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
  execution?: { caller: number; timestamp: bigint; heads: string[]; call: SignedCall; receipt?: ExecutionReceipt; refused?: string };
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

const STEP_KINDS: readonly string[] = ['attest', 'attest_all', 'attest_node', 'transfer', 'publish', 'flood', 'attestation_flood', 'deploy', 'deploy_flood', 'execute', 'governance'];
const CHECK_KINDS: readonly string[] = ['converged', 'ledger_complete', 'gossip_count', 'metric', 'trust', 'installed', 'installed_count', 'executions', 'ledger_roots', 'balance', 'contract_state', 'execution', 'pom', 'decision'];

const bad = (where: string, why: string): never => {
  throw new IcnError('SCENARIO_FORMAT', `${where}: ${why}`);
};

const int = (v: unknown, where: string, min = 0): number => {
  if (!Number.isSafeInteger(v) || (v as number) < min) bad(where, `expected an integer ≥ ${min}`);
  return v as number;
};

/** Validate a parsed scenario file (structure and node indexes). */
export function checkScenario(x: unknown, where: string): ScenarioDef {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return bad(where, 'a scenario is an object');
  const d = x as ScenarioDef;
  if (d.format !== SCENARIO_FORMAT) bad(where, `format must be ${JSON.stringify(SCENARIO_FORMAT)}`);
  if (typeof d.name !== 'string' || !/^[a-z0-9-]+$/.test(d.name)) bad(where, 'name must be [a-z0-9-]+');
  if (typeof d.description !== 'string') bad(where, 'description must be a string');
  int(d.nodes, `${where}.nodes`, 1);
  int(d.horizonMs, `${where}.horizonMs`, 1);
  if (d.suiteSeeds !== undefined) int(d.suiteSeeds, `${where}.suiteSeeds`, 1);
  if (!Array.isArray(d.steps) || !Array.isArray(d.expect)) bad(where, 'steps and expect must be arrays');
  d.steps.forEach((s, i) => {
    int(s.at, `${where}.steps[${i}].at`);
    if (!STEP_KINDS.includes(s.do)) bad(`${where}.steps[${i}]`, `unknown action ${JSON.stringify(s.do)}`);
    if (s.do === 'execute' && s.byzantine !== undefined && !EXECUTION_TAMPERS.includes(s.byzantine)) bad(`${where}.steps[${i}].byzantine`, `one of ${EXECUTION_TAMPERS.join(', ')}`);
    if (s.do === 'governance' && (typeof s.as !== 'string' || typeof s.domain !== 'string')) bad(`${where}.steps[${i}]`, 'a governance step needs `as` and `domain`');
    if (s.do === 'governance' && s.tamper !== undefined && !DECISION_TAMPERS.includes(s.tamper)) bad(`${where}.steps[${i}].tamper`, `one of ${DECISION_TAMPERS.join(', ')}`);
    if ('topic' in s && !(TOPICS as readonly string[]).includes(s.topic)) bad(`${where}.steps[${i}]`, `undeclared topic ${JSON.stringify(s.topic)}`);
  });
  d.expect.forEach((c, i) => {
    if (!CHECK_KINDS.includes(c.check)) bad(`${where}.expect[${i}]`, `unknown check ${JSON.stringify(c.check)}`);
  });
  return d;
}

/** What an execute step expects, as the driver's `got` spells it. */
function expectedOutcome(x: unknown, where: string): string {
  if (x === 'unauthorized') return 'unauthorized';
  if (x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).join() === 'refused' && typeof (x as { refused: unknown }).refused === 'string') return `refused ${(x as { refused: string }).refused}`;
  return `output ${outputHash({ value: valueToJson(valueFromJson(x, `${where}.expect`)) })}`;
}

/** Node indexes scale with --nodes: an index ≥ the node count is an error, negative counts from the end. */
function nodeAt(i: number, n: number, where: string): number {
  const j = i < 0 ? n + i : i;
  if (!Number.isInteger(j) || j < 0 || j >= n) bad(where, `node ${i} does not exist with ${n} nodes`);
  return j;
}

export function planFaults(def: ScenarioDef, o: ScenarioOptions, nodes: number): FaultPlan {
  let plan: FaultPlan = { ...NO_FAULTS };
  const apply = (spec: string | undefined) => {
    if (!spec) return;
    for (const part of spec.split(',')) {
      if (part.trim() === 'random') plan = randomFaults(Rng.root(o.seed).stream('faults').stream('plan'), nodes, def.horizonMs >> 1);
      else plan = parseFaults(part, plan);
    }
  };
  apply(def.faults);
  apply(o.faults);
  return plan;
}

export async function runScenario(def: ScenarioDef, o: ScenarioOptions): Promise<ScenarioResult> {
  const n = o.nodes ?? def.nodes;
  const faults = planFaults(def, o, n);
  const unlimited = new Set((def.unlimited ?? []).map((i) => nodeAt(i, n, 'unlimited')));
  const topics = (def.gossip?.topics ?? {}) as Record<string, Record<string, number>>;
  const sim = new Simulator({
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
      gossip: { ...(def.gossip?.fanout ? { fanout: def.gossip.fanout } : {}), ...(def.gossip?.digestFanout ? { digestFanout: def.gossip.digestFanout } : {}), topics },
      gossipFor: (i) => (unlimited.has(i) ? { topics: Object.fromEntries(TOPICS.map((t) => [t, { ...(topics[t] ?? {}), perAuthorPerWindow: 0 }])) } : undefined),
      ...(o.hazards ? { hazards: o.hazards } : {}),
      ...(def.defaultCreditLimit !== undefined ? { defaultCreditLimit: BigInt(def.defaultCreditLimit) } : {}),
    }),
  });
  const nodeOf = (i: number): IcnNode | undefined => (sim.node(i) as IcnSimProcess | undefined)?.node;
  const must = (i: number, what: string): IcnNode => {
    const x = nodeOf(i);
    if (!x) throw new IcnError('SCENARIO_NODE_DOWN', `${what}: node ${i} is down at t=${sim.now}ms`);
    return x;
  };
  const submitted: Hash[] = [];
  const deployments = new Map<string, Hash>();
  const executes: { at: number; k: number; s: Step }[] = [];
  const execResults: { ok: boolean; detail: string }[] = [];
  const contractsOf = (i: number): NodeContracts | undefined => (sim.node(i) as IcnSimProcess | undefined)?.contracts;
  /** "@N" → node N's DID, anywhere in a JSON value (args, payloads, capabilities). */
  const subst = (x: unknown, where: string): unknown =>
    typeof x === 'string' && /^@-?[0-9]+$/.test(x)
      ? sim.ids[nodeAt(Number(x.slice(1)), n, where)]
      : Array.isArray(x)
        ? x.map((v) => subst(v, where))
        : x !== null && typeof x === 'object'
          ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, subst(v, where)]))
          : x;
  /** Named executions: the receipt, and for a byzantine one the record it published. */
  const executions = new Map<string, { receiptHash: Hash; record?: Hash }>();
  /** Receipts of the state-changing executions published so far (what `sync` waits for). */
  const published: Hash[] = [];
  /** Named decisions: the receipt, the executor's ledger ids (executed), the published record. */
  const decisions = new Map<string, { receiptId: Hash; ledgerIds: Hash[] | null; record: Hash }>();
  const loadCode = (file: string, participants: string[], rename?: string): ContractCode => {
    if (!o.repoRoot) throw new IcnError('SCENARIO_CONTRACTS', 'deploy steps need the repository root (contracts/)');
    const json = readJsonFile(join(o.repoRoot, 'contracts', `${file}.json`)) as Record<string, unknown>;
    return codeFromJson({ engine: 'ccl', contract: { ...json, participants, ...(rename ? { name: rename } : {}) } });
  };
  const deploy = (s: Extract<Step, { do: 'deploy' }>, where: string, k: number, rename?: string): Hash => {
    const d = nodeAt(s.node, n, where);
    const nc = contractsOf(d);
    if (!nc) throw new IcnError('SCENARIO_NODE_DOWN', `${where}: node ${d} is down`);
    const parts = (s.participants === 'all' ? [...Array(n).keys()] : (s.participants ?? [s.node]).map((p) => nodeAt(p, n, where))).filter((p) => p !== d);
    parts.unshift(d);
    const code = loadCode(s.contract, [...new Set(parts)].map((p) => sim.ids[p]!), rename);
    const opts = { capabilities: s.capabilities ? parseCapabilities(subst(s.capabilities, where), `${where}.capabilities`) : [], minCallerTrustPpm: s.min_caller_trust === undefined ? null : ppmFromDecimal(s.min_caller_trust), installedAt: BigInt(nc.node.clock.nowMs()) };
    const body = nc.actor.prepare(code, opts);
    const signatures = parts.filter((p) => p !== d).map((p) => signInstallation(body, sim.keypairs[p]!));
    if (s.tamper) {
      const message = DeploymentMessage.create(code, withSignatures(body, [...signatures, signInstallation(body, sim.keypairs[d]!)]), sim.keypairs[d]!).toJson() as Record<string, unknown>;
      if (s.tamper === 'deployer_signature') {
        const forger = sim.keypairs[(d + 1) % n]!;
        const { deployerSignature, ...unsigned } = message;
        void deployerSignature;
        message.deployerSignature = forger.sign(DOMAIN.deploymentMessage, unsigned);
      } else {
        const inst = message.installation as Record<string, unknown>;
        message.installation = { ...inst, capabilities: [...(inst.capabilities as unknown[]), capabilityToJson({ k: 'WriteLedger', accounts: [CALLER_ACCOUNT] })] };
      }
      nc.publishRaw(message);
      o.onAction?.({ step: k, node: d, nowMs: nc.node.clock.nowMs(), deployment: { message, raw: true } });
      return codeHash(code);
    }
    const r = nc.deploy(code, { ...opts, signatures });
    if (!r.result.accepted) throw new IcnError('SCENARIO_DEPLOY', `${where}: node ${d} could not deploy ${s.contract}: ${r.result.reason}: ${r.result.detail}`);
    o.onAction?.({ step: k, node: d, nowMs: nc.node.clock.nowMs(), deployment: { message: r.message.toJson(), raw: false } });
    return r.result.codeHash;
  };
  /** The signed call a step sends: shared by every step with the same `call` label. */
  const signedCalls = new Map<string, SignedCall>();
  const signedCallOf = (s: Extract<Step, { do: 'execute' }>, i: number, h: Hash, where: string, k: number): SignedCall => {
    const known = s.call === undefined ? undefined : signedCalls.get(s.call);
    if (known) return known;
    const c = nodeAt(s.caller ?? s.node, n, where);
    const args = s.args.map((a, j) => valueFromJson(subst(a, where), `${where}.args[${j}]`));
    const timestamp = BigInt(contractsOf(i)!.node.clock.nowMs());
    const call = signCall(makeCall({ codeHash: h, rule: s.rule, args, caller: sim.ids[c]!, executor: sim.ids[nodeAt(s.executor ?? s.node, n, where)]!, timestamp, nonce: s.call ?? `steps[${k}]` }), sim.keypairs[c]!);
    if (s.call !== undefined) signedCalls.set(s.call, call);
    return call;
  };
  const execute = async (s: Extract<Step, { do: 'execute' }>, i: number, where: string, k: number): Promise<{ ok: boolean; detail: string }> => {
    const h = deployments.get(s.contract);
    if (!h) throw new IcnError('SCENARIO_FORMAT', `${where}: no deployed contract named ${JSON.stringify(s.contract)}`);
    const nc = contractsOf(i)!;
    const signed = signedCallOf(s, i, h, where, k);
    const v = verifyCall(signed);
    const label = `node ${i} ${s.contract}.${s.rule}(${s.args.map((a) => canonicalString(a as never)).join(', ')}) as node ${s.caller ?? s.node}${s.call !== undefined ? ` (call ${s.call})` : ''}`;
    let got: string;
    let receipt: ExecutionReceipt | undefined;
    const heads = [...nc.node.ledger.heads()].sort();
    const report = (x: { receipt?: ExecutionReceipt; refused?: string }) => o.onAction?.({ step: k, node: i, nowMs: nc.node.clock.nowMs(), execution: { caller: nodeAt(s.caller ?? s.node, n, where), timestamp: v.timestamp, heads, call: signed, ...x } });
    if (s.byzantine) {
      const req = { codeHash: h, rule: v.call.rule, args: v.args, caller: v.call.caller, timestamp: v.timestamp };
      const record = wrongExecutionRecord(nc, req, s.byzantine, v);
      const entry = nc.publishExecutionRaw(record);
      const rh = receiptHash(receiptFromJson(record.receipt));
      if (s.as) executions.set(s.as, { receiptHash: rh, record: entry.hash });
      return { ok: true, detail: `${label}: byzantine (${s.byzantine}) receipt ${rh} published` };
    }
    try {
      receipt = await nc.executeCall(v);
      const rh = receiptHash(receipt);
      if (s.as) executions.set(s.as, { receiptHash: rh });
      if (nc.executions?.adopted.has(rh)) published.push(rh);
      got = receipt.outcome.status === 'ok' ? `output ${receipt.outputHash}` : `error ${receipt.outcome.code}`;
      report({ receipt });
    } catch (e) {
      if (!(e instanceof IcnError)) throw e;
      got = e.code === 'CONTRACT_UNAUTHORIZED' ? 'unauthorized' : `refused ${e.code}`;
      report({ refused: e.code });
    }
    if (s.expect === undefined) return { ok: true, detail: `${label}: ${got}` };
    const want = expectedOutcome(s.expect, where);
    return { ok: got === want, detail: `${label}: ${got === want ? `as expected (${canonicalString(s.expect as never)})` : `expected ${canonicalString(s.expect as never)} (${want}), got ${got}`}` };
  };
  let lastStep = 0;
  let pendingSteps = def.steps.length;
  def.steps.forEach((s, k) => {
    lastStep = Math.max(lastStep, s.at);
    const where = `steps[${k}]`;
    const act = (): void => {
      // A workload step aimed at a crashed node waits for it (a client retrying), deterministically.
      if ('node' in s && s.do !== 'attest_node' && !sim.isUp(nodeAt(s.node, n, where))) {
        sim.at(sim.now + sim.tickIntervalMs, `${where}:${s.do}:retry`, act);
        return;
      }
      pendingSteps--;
      switch (s.do) {
        case 'attest': {
          const a = must(nodeAt(s.node, n, where), where);
          a.attest(sim.ids[nodeAt(s.to, n, where)]!, ppmFromDecimal(s.score));
          o.onAction?.({ step: k, node: nodeAt(s.node, n, where), nowMs: a.clock.nowMs() });
          return;
        }
        case 'attest_all':
          for (let i = 0; i < n; i++) {
            const a = nodeOf(i);
            if (!a) continue;
            for (let j = 0; j < n; j++) if (j !== i) a.attest(sim.ids[j]!, ppmFromDecimal(s.score));
            o.onAction?.({ step: k, node: i, nowMs: a.clock.nowMs() });
          }
          return;
        case 'attest_node': {
          const target = nodeAt(s.node, n, where);
          for (let i = 0; i < n; i++) {
            const a = i === target ? undefined : nodeOf(i);
            a?.attest(sim.ids[target]!, ppmFromDecimal(s.score));
            if (a) o.onAction?.({ step: k, node: i, nowMs: a.clock.nowMs() });
          }
          return;
        }
        case 'transfer': {
          const from = must(nodeAt(s.node, n, where), where);
          const to = sim.ids[nodeAt(s.to, n, where)]!;
          const amount = BigInt(s.amount);
          const e = from.submitLedgerEntry({ accounts: [{ account_id: from.id, currency: s.currency, debit: amount }, { account_id: to, currency: s.currency, credit: amount }], parents: from.ledger.heads() });
          submitted.push(entryId(e));
          o.onAction?.({ step: k, node: nodeAt(s.node, n, where), nowMs: from.clock.nowMs(), entry: e });
          return;
        }
        case 'publish': {
          const x = must(nodeAt(s.node, n, where), where);
          x.publish(s.topic, s.data);
          o.onAction?.({ step: k, node: nodeAt(s.node, n, where), nowMs: x.clock.nowMs() });
          return;
        }
        case 'flood': {
          const x = must(nodeAt(s.node, n, where), where);
          for (let c = 0; c < s.count; c++) x.publish(s.topic, { flood: String(c) });
          o.onAction?.({ step: k, node: nodeAt(s.node, n, where), nowMs: x.clock.nowMs() });
          return;
        }
        case 'attestation_flood': {
          const at = must(nodeAt(s.node, n, where), where).clock.nowMs() + s.ahead_ms;
          const entries = attestationFlood(`${def.name}/${s.key}`, s.count, at);
          for (let j = 0; j < n; j++) nodeOf(j)?.receive(hostileKey(`${def.name}/relay`).did.toString(), floodMessage(`${def.name}/relay`, sim.ids[j]!, k, entries));
          return;
        }
        case 'deploy':
          deployments.set(s.as ?? s.contract, deploy(s, where, k));
          return;
        case 'deploy_flood':
          for (let c = 0; c < s.count; c++) deploy({ ...s, at: s.at, do: 'deploy', as: `${s.contract}#flood${c}` }, where, k, `Flood${c}`);
          return;
        case 'execute':
          return; // run by the driver below (asynchronous)
        case 'governance': {
          const d = nodeAt(s.node, n, where);
          const x = must(d, where);
          const voters = (c: number[] | undefined) => (c ?? []).map((v) => nodeAt(v, n, where));
          const choices: [number, VoteChoice][] = [
            ...voters(s.for).map((v): [number, VoteChoice] => [v, 'For']),
            ...voters(s.against).map((v): [number, VoteChoice] => [v, 'Against']),
            ...voters(s.abstain).map((v): [number, VoteChoice] => [v, 'Abstain']),
          ];
          const now = x.clock.nowMs();
          const proposal = signProposal(sim.keypairs[d]!, {
            proposal_id: `${def.name}/${s.as}`,
            domain_id: s.domain,
            payload: subst(s.payload, `${where}.payload`) as ProposalPayload,
            electorate: [...new Set(choices.map(([v]) => v))].map((v) => ({ voter: sim.ids[v]!, weight: '1' })),
            quorum: s.quorum ?? '1',
            ...(s.threshold_ppm !== undefined ? { threshold_ppm: s.threshold_ppm } : {}),
            created_at: now,
          });
          let receipt = decide(proposal, choices.map(([v, c]) => signVote(sim.keypairs[v]!, proposal, c, now)), now);
          for (const a of voters(s.attest)) receipt = attestReceipt(sim.keypairs[a]!, receipt);
          let record: Hash;
          let ledgerIds: Hash[] | null = null;
          if (s.tamper) record = x.decisions.publishRaw(wrongDecisionRecord(x, proposal, receipt, s.tamper)).hash;
          else if (receipt.outcome === 'Accepted') {
            const r = x.decisions.execute(proposal, receipt);
            record = r.entry.hash;
            ledgerIds = r.execution.ledger_entries;
          } else record = x.decisions.announce(proposal, receipt).hash;
          decisions.set(s.as, { receiptId: receipt.receipt_id, ledgerIds, record });
          o.onAction?.({ step: k, node: d, nowMs: now });
          return;
        }
      }
    };
    if (s.do !== 'execute') sim.at(s.at, `${where}:${s.do}`, act);
    else executes.push({ at: s.at, k, s });
  });

  // Contract executions are asynchronous: the driver runs the simulator up to each one, awaits
  // it, and chains its result into the trace as a step.
  executes.sort((a, b) => a.at - b.at || a.k - b.k);
  while (executes.length) {
    const x = executes.shift()!;
    sim.runBefore(x.at);
    const s = x.s as Extract<Step, { do: 'execute' }>;
    const where = `steps[${x.k}]`;
    const i = nodeAt(s.node, n, where);
    const retryLater = () => {
      executes.push({ ...x, at: Math.max(x.at, sim.now) + sim.tickIntervalMs });
      executes.sort((a, b) => a.at - b.at || a.k - b.k);
    };
    if (!sim.isUp(i)) {
      retryLater();
      continue;
    }
    if (s.sync) {
      // Wait until this node has adopted every execution published so far (or the horizon).
      const synced = () => {
        const ex = contractsOf(i)?.executions;
        return !!ex && published.every((h) => ex.adopted.has(h));
      };
      if (!synced()) sim.runUntilTrue(synced, def.horizonMs);
      if (!sim.isUp(i)) {
        retryLater();
        continue;
      }
    }
    pendingSteps--;
    lastStep = Math.max(lastStep, x.at);
    const outcome = await execute(s, i, where, x.k);
    sim.external(`${where}:execute`, outcome.detail);
    execResults.push(outcome);
  }

  const agreed = () => {
    if (pendingSteps > 0) return false;
    // Cheap first: every node up and the same number of entries per topic.
    for (const t of TOPICS) {
      let size: number | undefined;
      for (let i = 0; i < n; i++) {
        const x = nodeOf(i);
        if (!x) return false;
        const z = x.gossip.store(t).size;
        if (size === undefined) size = z;
        else if (z !== size) return false;
      }
    }
    let g: Hash | undefined;
    let st: Hash | undefined;
    for (let i = 0; i < n; i++) {
      const x = nodeOf(i);
      if (!x) return false;
      const gr = x.gossip.root();
      if (g === undefined) g = gr;
      else if (gr !== g) return false;
    }
    for (let i = 0; i < n; i++) {
      const sr = nodeOf(i)!.stateRoot();
      if (st === undefined) st = sr;
      else if (sr !== st) return false;
    }
    return true;
  };
  const lastFault = Math.max(0, ...faults.partitions.map((p) => p.endMs), ...faults.crashes.map((c) => c.restartMs ?? 0));
  sim.runUntil(Math.max(lastStep, lastFault));
  const convergedAtMs = sim.runUntilTrue(agreed, def.horizonMs, Math.max(16, n)) ?? null;

  const checks: CheckResult[] = [];
  for (const c of def.expect) {
    if (c.check === 'executions') {
      const badRuns = execResults.filter((r) => !r.ok);
      checks.push({ check: 'executions', ok: badRuns.length === 0 && execResults.length > 0, detail: badRuns.length ? badRuns.map((r) => r.detail).join('; ') : `${execResults.length} executions as expected` });
    } else if (c.check === 'installed') {
      const h = deployments.get(c.contract);
      const nodes = c.nodes ? c.nodes.map((i) => nodeAt(i, n, 'installed')) : [...Array(n).keys()];
      const wrong = nodes.filter((i) => (h !== undefined && contractsOf(i)?.actor.runtime.get(h) !== undefined) !== c.equals);
      checks.push({ check: `installed ${c.contract}`, ok: h !== undefined && wrong.length === 0, detail: h === undefined ? `no deployment named ${c.contract}` : wrong.length ? `${c.equals ? 'missing on' : 'present on'} nodes ${wrong.join(', ')}` : `${c.equals ? 'installed' : 'absent'} on ${nodes.length} nodes` });
    } else if (c.check === 'installed_count') {
      const nodes = c.nodes ? c.nodes.map((i) => nodeAt(i, n, 'installed_count')) : [...Array(n).keys()];
      const wrong = nodes.map((i) => [i, contractsOf(i)?.installedCodeHashes().length ?? -1] as const).filter(([, v]) => !within(v, c));
      checks.push({ check: 'installed_count', ok: wrong.length === 0, detail: wrong.length ? wrong.map(([i, v]) => `node ${i}: ${v}`).join(', ') + ` (expected ${bounds(c)})` : `${nodes.length} nodes ${bounds(c)}` });
    } else if (c.check === 'ledger_roots' || c.check === 'balance' || c.check === 'contract_state' || c.check === 'execution' || c.check === 'pom' || c.check === 'decision') {
      checks.push(replicationCheck(c, { n, nodeOf, contractsOf, ids: sim.ids, deployments, executions, decisions, subst }));
    } else checks.push(await runCheck(c, sim, n, nodeOf, submitted, convergedAtMs));
  }
  const ok = checks.every((c) => c.ok);
  const spec = faultSpec(faults);
  const reproduce = `icn-harness scenario ${def.name} --seed ${o.seed} --nodes ${n} --faults '${spec}'`;
  return {
    name: def.name,
    seed: o.seed,
    nodes: n,
    faults,
    header: runHeader(def, sim, faults),
    ok,
    checks,
    convergedAtMs,
    stateRoots: sim.ids.map((_, i) => nodeOf(i)?.stateRoot() ?? null),
    trace: sim.trace(),
    stats: sim.stats,
    reproduce,
    log: sim.log,
  };
}

function within(v: number, c: { equals?: number; min?: number; max?: number }): boolean {
  return (c.equals === undefined || v === c.equals) && (c.min === undefined || v >= c.min) && (c.max === undefined || v <= c.max);
}
const bounds = (c: { equals?: number; min?: number; max?: number }) =>
  [c.equals !== undefined ? `= ${c.equals}` : '', c.min !== undefined ? `≥ ${c.min}` : '', c.max !== undefined ? `≤ ${c.max}` : ''].filter(Boolean).join(' and ');

type ReplicationCheck = Extract<Check, { check: 'ledger_roots' | 'balance' | 'contract_state' | 'execution' | 'pom' | 'decision' }>;

interface ReplicationView {
  n: number;
  nodeOf: (i: number) => IcnNode | undefined;
  contractsOf: (i: number) => NodeContracts | undefined;
  ids: readonly string[];
  deployments: ReadonlyMap<string, Hash>;
  executions: ReadonlyMap<string, { receiptHash: Hash; record?: Hash }>;
  decisions: ReadonlyMap<string, { receiptId: Hash; ledgerIds: Hash[] | null; record: Hash }>;
  subst: (x: unknown, where: string) => unknown;
}

/** Checks of what executions and decisions did on each node (ledger, contract state, records, proofs). */
function replicationCheck(c: ReplicationCheck, v: ReplicationView): CheckResult {
  const nodes = 'nodes' in c && c.nodes ? c.nodes.map((i) => nodeAt(i, v.n, c.check)) : [...Array(v.n).keys()];
  /** Run `f` on each given node: it returns null when fine, else what is wrong there. */
  const each = (name: string, f: (i: number, x: IcnNode) => string | null, okDetail: string): CheckResult => {
    const wrong: string[] = [];
    for (const i of nodes) {
      const x = v.nodeOf(i);
      const why = x ? f(i, x) : 'down';
      if (why !== null) wrong.push(`node ${i}: ${why}`);
    }
    return { check: name, ok: wrong.length === 0, detail: wrong.length ? wrong.slice(0, 5).join('; ') + (wrong.length > 5 ? ` (+${wrong.length - 5} more)` : '') : okDetail };
  };
  switch (c.check) {
    case 'ledger_roots': {
      const roots = nodes.map((i) => v.nodeOf(i)?.ledger.root() ?? 'down');
      const distinct = [...new Set(roots)].sort();
      const ok = distinct.length === 1 && distinct[0] !== 'down';
      return { check: 'ledger_roots', ok, detail: ok ? `${nodes.length} nodes, one ledger root ${distinct[0]} (${v.nodeOf(nodes[0]!)!.ledger.size} entries)` : `${distinct.length} distinct ledger roots: ${nodes.map((i, k) => `${i}:${roots[k]!.slice(7, 19)}`).join(' ')}` };
    }
    case 'balance': {
      const account = typeof c.account === 'number' ? v.ids[nodeAt(c.account, v.n, 'balance')]! : c.account;
      const label = typeof c.account === 'number' ? `node ${c.account}` : c.account;
      return each(`balance ${label} ${c.currency}`, (_, x) => {
        const b = x.ledger.balance(account, c.currency).toString();
        return b === c.equals ? null : `${b}, expected ${c.equals}`;
      }, `${c.equals} ${c.currency} on ${nodes.length} nodes`);
    }
    case 'contract_state': {
      const h = v.deployments.get(c.contract);
      if (!h) return { check: `contract_state ${c.contract}.${c.key}`, ok: false, detail: `no deployment named ${c.contract}` };
      const want = canonicalString(valueToJson(valueFromJson(v.subst(c.equals, 'contract_state'), 'contract_state.equals')));
      return each(`contract_state ${c.contract}.${c.key}`, (i) => {
        const val = v.contractsOf(i)?.actor.runtime.state(h)?.get(c.key);
        const got = val === undefined ? 'absent' : canonicalString(valueToJson(val));
        return got === want ? null : `${got}, expected ${want}`;
      }, `${want} on ${nodes.length} nodes`);
    }
    case 'execution': {
      const e = v.executions.get(c.execution);
      if (!e) return { check: `execution ${c.execution}`, ok: false, detail: `no execution named ${c.execution}` };
      return each(`execution ${c.execution} ${c.status}`, (i) => {
        const ex = v.contractsOf(i)?.executions;
        if (!ex) return 'no shared executions';
        if (c.status === 'adopted') return ex.adopted.has(e.receiptHash) ? null : `not adopted (${e.record ? ex.outcomes.get(e.record)?.status ?? 'never seen' : 'receipt unknown'})`;
        const out = e.record ? ex.outcomes.get(e.record) : [...ex.outcomes.values()].find((x) => x.status === 'refused' && x.receiptHash === e.receiptHash);
        if (!out) return 'never seen';
        if (out.status !== 'refused') return out.status;
        return c.reason === undefined || out.reason === c.reason ? null : `refused for ${out.reason}, expected ${c.reason}`;
      }, `${c.status}${c.reason ? ` (${c.reason})` : ''} on ${nodes.length} nodes`);
    }
    case 'pom': {
      const e = v.executions.get(c.execution);
      if (!e) return { check: `pom ${c.execution}`, ok: false, detail: `no execution named ${c.execution}` };
      let proofs = 0;
      const r = each(`pom ${c.execution}`, (i) => {
        const ex = v.contractsOf(i)?.executions;
        if (!ex) return 'no shared executions';
        const verdicts = [...ex.poms.values()];
        proofs = Math.max(proofs, verdicts.length);
        if (!ex.convictions().includes(e.receiptHash)) return `no confirmed proof against receipt ${e.receiptHash} (${verdicts.length} proofs seen)`;
        const other = verdicts.find((p) => p.verdict !== 'confirmed');
        return other ? `a proof judged ${other.verdict}: ${other.detail}` : null;
      }, '');
      return r.ok ? { ...r, detail: `${nodes.length} nodes hold a confirmed proof against receipt ${e.receiptHash.slice(0, 19)}… (${proofs} proof(s) published)` } : r;
    }
    case 'decision': {
      const d = v.decisions.get(c.decision);
      if (!d) return { check: `decision ${c.decision}`, ok: false, detail: `no decision named ${c.decision}` };
      return each(`decision ${c.decision} ${c.status}`, (_, x) => {
        const exec = x.governance.execution(d.receiptId);
        if (c.status === 'executed') {
          if (!exec) return `not executed (${x.decisions.outcomes.get(d.record)?.status ?? 'never seen'})`;
          return d.ledgerIds === null || exec.ledger_entries.join() === d.ledgerIds.join() ? null : 'executed with other ledger entries than its executor';
        }
        if (exec) return 'executed';
        const out = x.decisions.outcomes.get(d.record);
        if (!out) return 'never seen';
        if (c.status === 'recorded') return out.status === 'recorded' || out.status === 'own' ? null : out.status;
        if (out.status !== 'refused') return out.status;
        return c.code === undefined || out.code === c.code ? null : `refused with ${out.code}, expected ${c.code}`;
      }, `${c.status}${'code' in c && c.code ? ` (${c.code})` : ''} on ${nodes.length} nodes`);
    }
  }
}

async function runCheck(c: Exclude<Check, { check: 'executions' | 'installed' | 'installed_count' | ReplicationCheck['check'] }>, sim: Simulator, n: number, nodeOf: (i: number) => IcnNode | undefined, submitted: Hash[], convergedAtMs: number | null): Promise<CheckResult> {
  switch (c.check) {
    case 'converged': {
      const roots = sim.ids.map((_, i) => nodeOf(i)?.stateRoot() ?? 'down');
      const distinct = [...new Set(roots)].sort();
      const ok = convergedAtMs !== null;
      return { check: 'converged', ok, detail: ok ? `all ${n} nodes agree at t=${convergedAtMs}ms` : `not converged by the horizon: ${distinct.length} distinct state roots (${roots.filter((r) => r === 'down').length} down)` };
    }
    case 'ledger_complete': {
      const missing: string[] = [];
      for (let i = 0; i < n; i++) {
        const x = nodeOf(i);
        const lack = submitted.filter((h) => !x?.ledger.has(h));
        if (lack.length) missing.push(`node ${i} lacks ${lack.length}`);
      }
      return { check: 'ledger_complete', ok: missing.length === 0 && submitted.length > 0, detail: missing.length ? missing.join('; ') : `${submitted.length} entries on all ${n} nodes` };
    }
    case 'gossip_count': {
      const nodes = c.nodes ? c.nodes.map((i) => nodeAt(i, n, 'gossip_count')) : [...Array(n).keys()];
      const author = c.author === undefined ? undefined : sim.ids[nodeAt(c.author, n, 'gossip_count')];
      const bad: string[] = [];
      for (const i of nodes) {
        const x = nodeOf(i);
        const v = x ? x.gossip.entries(c.topic).filter((e) => author === undefined || e.author === author).length : -1;
        if (!within(v, c)) bad.push(`node ${i}: ${v}`);
      }
      return { check: `gossip_count ${c.topic}`, ok: bad.length === 0, detail: bad.length ? `expected ${bounds(c)}: ${bad.slice(0, 5).join(', ')}` : `${nodes.length} nodes ${bounds(c)}` };
    }
    case 'metric': {
      const i = nodeAt(c.node, n, 'metric');
      const x = nodeOf(i);
      if (!x) return { check: `metric ${c.name}`, ok: false, detail: `node ${i} is down` };
      const v = await metricValue(x.metrics.registry, c.name, c.labels ?? {});
      return { check: `metric ${c.name}`, ok: within(v, c), detail: `node ${i} ${c.name}${c.labels ? JSON.stringify(c.labels) : ''} = ${v} (expected ${bounds(c)})` };
    }
    case 'trust': {
      const i = nodeAt(c.node, n, 'trust');
      const j = nodeAt(c.of, n, 'trust');
      const x = nodeOf(i);
      const v = x ? x.trust.scoreByKey(x.id, sim.ids[j]!) : -1;
      return { check: 'trust', ok: within(v, c), detail: `node ${i} → node ${j}: ${v} ppm (expected ${bounds(c)})` };
    }
  }
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

export interface DeterminismReport {
  ok: boolean;
  steps: number;
  /** The first differing step and both runs' events there. */
  divergence?: { step: number; first: string; second: string };
  /** Final outputs compared when the traces agreed. */
  traceRoots: [Hash, Hash | null];
}

/**
 * Run a seed twice and stop at the first differing step. The second run is perturbed in ways
 * that must not matter (nodes built in reverse order, peer lists reversed), so a hidden
 * dependence on construction or insertion order shows up too (madsim's HashSet lesson).
 */
export async function checkDeterminism(def: ScenarioDef, o: ScenarioOptions): Promise<DeterminismReport> {
  const first = await runScenario(def, { ...o, record: true });
  try {
    const second = await runScenario(def, { ...o, perturb: true, compareWith: first.log });
    const same = second.trace.root === first.trace.root && second.trace.steps === first.trace.steps;
    if (!same) {
      return { ok: false, steps: first.trace.steps, divergence: { step: Math.min(first.trace.steps, second.trace.steps) + 1, first: `trace root ${first.trace.root} after ${first.trace.steps} steps`, second: `trace root ${second.trace.root} after ${second.trace.steps} steps` }, traceRoots: [first.trace.root, second.trace.root] };
    }
    return { ok: true, steps: first.trace.steps, traceRoots: [first.trace.root, second.trace.root] };
  } catch (e) {
    if (e instanceof DeterminismDivergence) {
      return { ok: false, steps: first.trace.steps, divergence: { step: e.step, first: e.expected, second: e.actual }, traceRoots: [first.trace.root, null] };
    }
    throw e;
  }
}
