/**
 * The workload steps as a table from step kind to handler. Each handler applies one step in the
 * simulator at its time and reports each node's part of it to `onAction` (what the real backends
 * replay). `execute` is asynchronous: scenario.ts runs the simulator up to each one and awaits it
 * (scenario-contracts.ts `execute`).
 */
import {
  attestReceipt,
  decide,
  signProposal,
  signVote,
  type ProposalPayload,
  type VoteChoice,
} from '../../core/governance/index.js';
import type { Hash } from '../../core/hash/index.js';
import { entryId } from '../../core/ledger/index.js';
import { wrongDecisionRecord } from '../../core/node/index.js';
import { ppmFromDecimal } from '../../core/trust/index.js';
import { attestationFlood, floodMessage, hostileKey } from './hostile.js';
import { deploy } from './scenario-contracts.js';
import { attestTargets, nodeAt } from './scenario-nodes.js';
import type { RunState } from './scenario-state.js';
import type { Step, StepKind, StepOf, StepTable } from './scenario-types.js';

export type SyncStepKind = Exclude<StepKind, 'execute'>;
/** Applies step k (`where` names it) of its kind. */
type StepHandler = (r: RunState, s: Step, k: number, where: string) => void;

/** Node `node` attests each of its targets at the step's score. */
function attestBy(
  r: RunState,
  s: StepOf<'attest' | 'attest_all' | 'attest_node'>,
  k: number,
  where: string,
  node: number,
): void {
  const a = r.nodeOf(node);
  if (!a) return;
  for (const j of attestTargets(s, node, r.n, where))
    a.attest(r.sim.ids[j]!, ppmFromDecimal(s.score));
  r.o.onAction?.({ step: k, node, nowMs: a.clock.nowMs() });
}

function governance(r: RunState, s: StepOf<'governance'>, k: number, where: string): void {
  const { n, sim, def } = r;
  const d = nodeAt(s.node, n, where);
  const x = r.must(d, where);
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
    payload: r.subst(s.payload, `${where}.payload`) as ProposalPayload,
    electorate: [...new Set(choices.map(([v]) => v))].map((v) => ({
      voter: sim.ids[v]!,
      weight: '1',
    })),
    quorum: s.quorum ?? '1',
    ...(s.threshold_ppm !== undefined ? { threshold_ppm: s.threshold_ppm } : {}),
    created_at: now,
  });
  let receipt = decide(
    proposal,
    choices.map(([v, c]) => signVote(sim.keypairs[v]!, proposal, c, now)),
    now,
  );
  for (const a of voters(s.attest)) receipt = attestReceipt(sim.keypairs[a]!, receipt);
  let record: Hash;
  let ledgerIds: Hash[] | null = null;
  if (s.tamper)
    record = x.decisions.publishRaw(wrongDecisionRecord(x, proposal, receipt, s.tamper)).hash;
  else if (receipt.outcome === 'Accepted') {
    const e = x.decisions.execute(proposal, receipt);
    record = e.entry.hash;
    ledgerIds = e.execution.ledger_entries;
  } else record = x.decisions.announce(proposal, receipt).hash;
  r.decisions.set(s.as, { receiptId: receipt.receipt_id, ledgerIds, record });
  r.o.onAction?.({ step: k, node: d, nowMs: now });
}

export const STEP_HANDLERS: StepTable<RunState, void, SyncStepKind> = {
  attest: (r, s, k, where) => {
    const i = nodeAt(s.node, r.n, where);
    r.must(i, where);
    attestBy(r, s, k, where, i);
  },
  attest_all: (r, s, k, where) => {
    for (let i = 0; i < r.n; i++) attestBy(r, s, k, where, i);
  },
  attest_node: (r, s, k, where) => {
    const target = nodeAt(s.node, r.n, where);
    for (let i = 0; i < r.n; i++) if (i !== target) attestBy(r, s, k, where, i);
  },
  transfer: (r, s, k, where) => {
    const from = r.must(nodeAt(s.node, r.n, where), where);
    const to = r.sim.ids[nodeAt(s.to, r.n, where)]!;
    const amount = BigInt(s.amount);
    const e = from.submitLedgerEntry({
      accounts: [
        { account_id: from.id, currency: s.currency, debit: amount },
        { account_id: to, currency: s.currency, credit: amount },
      ],
      parents: from.ledger.heads(),
    });
    r.submitted.push(entryId(e));
    r.o.onAction?.({
      step: k,
      node: nodeAt(s.node, r.n, where),
      nowMs: from.clock.nowMs(),
      entry: e,
    });
  },
  publish: (r, s, k, where) => {
    const x = r.must(nodeAt(s.node, r.n, where), where);
    x.publish(s.topic, s.data);
    r.o.onAction?.({ step: k, node: nodeAt(s.node, r.n, where), nowMs: x.clock.nowMs() });
  },
  flood: (r, s, k, where) => {
    const x = r.must(nodeAt(s.node, r.n, where), where);
    for (let c = 0; c < s.count; c++) x.publish(s.topic, { flood: String(c) });
    r.o.onAction?.({ step: k, node: nodeAt(s.node, r.n, where), nowMs: x.clock.nowMs() });
  },
  attestation_flood: (r, s, k, where) => {
    const { def, sim } = r;
    const at = r.must(nodeAt(s.node, r.n, where), where).clock.nowMs() + s.ahead_ms;
    const entries = attestationFlood(`${def.name}/${s.key}`, s.count, at);
    const relay = hostileKey(`${def.name}/relay`).did.toString();
    for (let j = 0; j < r.n; j++)
      r.nodeOf(j)?.receive(relay, floodMessage(`${def.name}/relay`, sim.ids[j]!, k, entries));
  },
  deploy: (r, s, k, where) => {
    r.deployments.set(s.as ?? s.contract, deploy(r, s, where, k));
  },
  deploy_flood: (r, s, k, where) => {
    for (let c = 0; c < s.count; c++)
      deploy(
        r,
        { ...s, at: s.at, do: 'deploy', as: `${s.contract}#flood${c}` },
        where,
        k,
        `Flood${c}`,
      );
  },
  governance,
};

/** Apply a (non-execute) step with its kind's handler. */
export function applyStep(
  r: RunState,
  s: Exclude<Step, { do: 'execute' }>,
  k: number,
  where: string,
): void {
  (STEP_HANDLERS[s.do] as StepHandler)(r, s, k, where);
}
