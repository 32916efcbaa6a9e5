/**
 * Governance state and the effect executor.
 *
 * `Governance.execute(proposal, receipt)` re-verifies the receipt (tally, hashes, attestations),
 * requires Accepted + canonical + not yet executed + not vetoed/closed, translates the payload,
 * and applies every effect to a staged copy of the state while collecting ledger entries. The
 * ledger entries are applied as one atomic batch (Ledger.applyBatch); only then is the staged
 * state committed. Any unknown or unimplemented effect fails the whole execution (fail closed):
 * nothing is half-applied and nothing unimplemented reports success.
 *
 * Every ledger entry written carries `decision_receipt_id` = the receipt id, `timestamp` = the
 * decision's `decided_at`, a nonce `<receipt_id>#<effect index>`, is signed by the node key, and
 * the entries of one decision are chained (the first's parents are the ledger heads).
 */
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import type { Keypair } from '../identity/index.js';
import { canonicalString } from '../canonical/index.js';
import { checkEntry, draftBody, entryBody, signEntry, type EntryDraft, type JournalEntry } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { DecisionReceipt, Proposal } from './decision.js';
import { verifyReceipt } from './decision.js';
import { GovernanceError } from './errors.js';
import { translatePayloadToEffects, type KernelEffect } from './payload.js';

export const GOVERNANCE_ROOT_VERSION = 'icn-governance-root/v1';

interface Budget {
  treasury_did: string;
  currency: string;
  total: bigint;
  remaining: bigint;
  decision_receipt_id: string;
}

/** Everything governance decisions change outside the ledger. Maps, serialized sorted. */
export interface GovernanceState {
  members: Map<string, { entity_id: string; member_did: string; role: string; tier: string; frozen: boolean; freeze_reason: string | null }>;
  budgets: Map<string, Budget>;
  configs: Map<string, { config_hash: string; config_json: string }>;
  scheduling: Map<string, { policy_hash: string; policy_json: string }>;
  parameters: Map<string, { new_value_json: string; effective_at: string }>;
  upgrades: Map<string, { activation_height: string }>;
  vetoed: Map<string, string>;
  closed: Map<string, string>;
  resolutions: Map<string, string>; // resolution_hash → receipt id
  grants: Map<string, { grantee_did: string; resource_type: string; access_model_hash: string }>;
  federations: Map<string, { coop_did: string; federation_id: string }>;
  nonces: Set<string>;
}

export function emptyGovernanceState(): GovernanceState {
  return {
    members: new Map(), budgets: new Map(), configs: new Map(), scheduling: new Map(), parameters: new Map(), upgrades: new Map(),
    vetoed: new Map(), closed: new Map(), resolutions: new Map(), grants: new Map(), federations: new Map(), nonces: new Set(),
  };
}

function cloneState(s: GovernanceState): GovernanceState {
  const c = emptyGovernanceState();
  for (const k of Object.keys(s) as (keyof GovernanceState)[]) {
    const src = s[k];
    (c as unknown as Record<string, unknown>)[k] = src instanceof Set ? new Set(src) : new Map([...(src as Map<string, unknown>)].map(([a, v]) => [a, typeof v === 'object' && v !== null ? { ...v } : v]));
  }
  return c;
}

const sortedKeys = <V>(m: Map<string, V>) => [...m.keys()].sort();
const k2 = (a: string, b: string) => `${a}\u0000${b}`;

export interface ExecutionRecord {
  receipt_id: Hash;
  decision_hash: string;
  effects: KernelEffect[];
  ledger_entries: Hash[];
}

/** A decision execution staged by Governance.stageExecution (nothing applied yet). */
export interface StagedDecision {
  readonly receipt: DecisionReceipt;
  readonly effects: KernelEffect[];
  /** The signed, chained ledger entries the effects write (their first parents: the heads when staged). */
  readonly entries: readonly JournalEntry[];
  readonly staged: GovernanceState;
  /** The governance state it was staged from. */
  readonly base: GovernanceState;
}

export interface GovernanceOptions {
  ledger: Ledger;
  /** The node key that signs ledger entries written by decisions. */
  nodeKey: Keypair;
}

export class Governance {
  readonly ledger: Ledger;
  private readonly nodeKey: Keypair;
  private stateRef: GovernanceState = emptyGovernanceState();
  private readonly receipts = new Map<Hash, DecisionReceipt>();
  private readonly executed = new Map<Hash, ExecutionRecord>();

  constructor(opts: GovernanceOptions) {
    this.ledger = opts.ledger;
    this.nodeKey = opts.nodeKey;
  }

  get state(): Readonly<GovernanceState> {
    return this.stateRef;
  }

  execution(receiptId: Hash): ExecutionRecord | undefined {
    return this.executed.get(receiptId);
  }

  /** Verify and keep a decision receipt (any outcome). Returns its attesting signers. */
  record(proposal: Proposal, receipt: DecisionReceipt): string[] {
    const signers = verifyReceipt(proposal, receipt);
    this.receipts.set(receipt.receipt_id, receipt);
    return signers;
  }

  execute(proposal: Proposal, receipt: DecisionReceipt): ExecutionRecord {
    this.record(proposal, receipt); // kept even when the execution then fails (as it always was)
    return this.commitExecution(this.stageExecution(proposal, receipt));
  }

  /**
   * execute() up to the decision, changing nothing: verify the receipt, stage the effects, sign and
   * chain the ledger entries from the current heads and check that the ledger would apply them
   * (Ledger.checkBatch). Throws what execute() would throw. Commit with commitExecution before
   * anything else changes the ledger or governance (a caller that must publish first).
   */
  stageExecution(proposal: Proposal, receipt: DecisionReceipt): StagedDecision {
    verifyReceipt(proposal, receipt);
    const { staged, effects, drafts } = this.plan(proposal, receipt);
    // Sign and chain the entries (applied atomically by commitExecution).
    const entries = [];
    let parents = this.ledger.heads();
    for (const d of drafts) {
      const c = checkEntry(signEntry(this.nodeKey, { ...d, parents }), false);
      entries.push(c.entry); // exactly as the ledger will hold it
      parents = [c.id];
    }
    this.ledger.checkBatch(entries, false);
    return { receipt, staged, effects, entries, base: this.stateRef };
  }

  /**
   * Apply a staged execution: the entries atomically, then the staged state. Throws
   * GOV_EXECUTION_RACE (nothing changed) if governance moved since stageExecution, and the
   * ledger's error if the entries no longer apply.
   */
  commitExecution(s: StagedDecision): ExecutionRecord {
    if (this.stateRef !== s.base || this.executed.has(s.receipt.receipt_id)) throw new GovernanceError('GOV_EXECUTION_RACE', `receipt ${s.receipt.receipt_id}: governance changed since the execution was staged; stage it again`);
    const ids = this.ledger.applyBatch(s.entries, false);
    this.receipts.set(s.receipt.receipt_id, s.receipt);
    return this.commit(s.receipt, s.staged, s.effects, ids);
  }

  /**
   * Verify another node's execution of a decision by replay, and adopt it. The receipt is
   * re-verified (tally, vote hash, decision hash, attestations), the effects re-derived from the
   * proposal and applied to staged state exactly as execute() would, and every ledger entry the
   * executor signed must be the one execute() would have written: same body (author = `executor`,
   * decision_receipt_id, nonce, timestamp, lines), chained the same way; only the first entry's
   * parents (the executor's DAG heads then) are taken as given, and they must all be in this
   * ledger. Then the entries are applied atomically (signatures verified) and the state commits,
   * recording the executor's ledger ids: every node that adopts the execution holds the same
   * governance and ledger roots. Throws GovernanceError GOV_REPLAY_MISMATCH naming the first
   * difference (or the error execute() would throw); nothing changes then.
   */
  replay(proposal: Proposal, receipt: DecisionReceipt, executor: string, entries: readonly unknown[]): ExecutionRecord {
    verifyReceipt(proposal, receipt);
    const { staged, effects, drafts } = this.plan(proposal, receipt);
    const mismatch = (why: string): never => {
      throw new GovernanceError('GOV_REPLAY_MISMATCH', `receipt ${receipt.receipt_id} executed by ${executor}: ${why}`);
    };
    if (entries.length !== drafts.length) mismatch(`${entries.length} ledger entries, the effects give ${drafts.length}`);
    let parents: Hash[] | undefined;
    entries.forEach((raw, i) => {
      let c;
      try {
        c = checkEntry(raw, true);
      } catch (e) {
        return mismatch(`entry ${i}: ${(e as Error).message}`);
      }
      const want = draftBody(executor, { ...drafts[i]!, parents: parents ?? c.entry.parents });
      if (canonicalString(entryBody(c.entry) as never) !== canonicalString(want as never)) mismatch(`entry ${i} (${c.id}) is not the entry the decision's effect ${i} gives`);
      parents = [c.id];
    });
    const ids = this.ledger.applyBatch(entries, true);
    this.receipts.set(receipt.receipt_id, receipt);
    return this.commit(receipt, staged, effects, ids);
  }

  /** Checks and the staged effects of executing a verified receipt (nothing changes). */
  private plan(proposal: Proposal, receipt: DecisionReceipt): { staged: GovernanceState; effects: KernelEffect[]; drafts: EntryDraft[] } {
    const rid = receipt.receipt_id;
    if (receipt.outcome !== 'Accepted') throw new GovernanceError('GOV_NOT_ACCEPTED', `receipt ${rid}: outcome ${receipt.outcome}, nothing to execute`);
    if (receipt.determinism_class !== 'canonical') throw new GovernanceError('GOV_ADVISORY', `receipt ${rid}: advisory decisions never change state`);
    if (this.executed.has(rid)) throw new GovernanceError('GOV_ALREADY_EXECUTED', `receipt ${rid} was already executed`);
    if (this.stateRef.vetoed.has(proposal.proposal_id)) throw new GovernanceError('GOV_VETOED', `proposal ${proposal.proposal_id} was vetoed`);
    if (this.stateRef.closed.has(proposal.proposal_id)) throw new GovernanceError('GOV_CLOSED', `proposal ${proposal.proposal_id} was force-closed`);
    const effects = translatePayloadToEffects(proposal.payload, rid, receipt.decision_hash, proposal.domain_id);
    const staged = cloneState(this.stateRef);
    const drafts: EntryDraft[] = [];
    effects.forEach((e, i) => this.applyEffect(staged, e, i, receipt, drafts));
    return { staged, effects, drafts };
  }

  private commit(receipt: DecisionReceipt, staged: GovernanceState, effects: KernelEffect[], ids: Hash[]): ExecutionRecord {
    this.stateRef = staged;
    const rec: ExecutionRecord = { receipt_id: receipt.receipt_id, decision_hash: receipt.decision_hash, effects, ledger_entries: ids };
    this.executed.set(receipt.receipt_id, rec);
    return rec;
  }

  private applyEffect(s: GovernanceState, e: KernelEffect, i: number, r: DecisionReceipt, drafts: EntryDraft[]): void {
    const base = { timestamp: r.decided_at, decision_receipt_id: r.receipt_id, nonce: `${r.receipt_id}#${i}`, contract_ref: null };
    switch (`${e.type}.${e.effect}`) {
      case 'treasury.Spend': {
        const x = e as Extract<KernelEffect, { effect: 'Spend' }>;
        const amount = BigInt(x.amount);
        if (x.expected_nonce !== null) {
          const n = k2(x.treasury_did, x.expected_nonce);
          if (s.nonces.has(n)) throw new GovernanceError('GOV_NONCE_REUSED', `treasury ${x.treasury_did}: nonce ${x.expected_nonce} already used`);
          s.nonces.add(n);
        }
        if (x.budget_id !== null) {
          const b = s.budgets.get(x.budget_id);
          if (!b) throw new GovernanceError('GOV_BUDGET', `budget ${x.budget_id} does not exist`);
          if (b.currency !== x.currency || b.treasury_did !== x.treasury_did) throw new GovernanceError('GOV_BUDGET', `budget ${x.budget_id} is for ${b.treasury_did}/${b.currency}`);
          if (b.remaining < amount) throw new GovernanceError('GOV_BUDGET', `budget ${x.budget_id} has ${b.remaining} left, spend needs ${amount}`);
          b.remaining -= amount;
        }
        drafts.push({ ...base, accounts: [{ account_id: x.treasury_did, currency: x.currency, debit: amount }, { account_id: x.recipient_did, currency: x.currency, credit: amount }] });
        return;
      }
      case 'treasury.CreateBudget': {
        const x = e as Extract<KernelEffect, { effect: 'CreateBudget' }>;
        if (s.budgets.has(x.budget_id)) throw new GovernanceError('GOV_BUDGET', `budget ${x.budget_id} already exists`);
        s.budgets.set(x.budget_id, { treasury_did: x.treasury_did, currency: x.currency, total: BigInt(x.total_amount), remaining: BigInt(x.total_amount), decision_receipt_id: r.receipt_id });
        return;
      }
      case 'treasury.Allocate': {
        const x = e as Extract<KernelEffect, { effect: 'Allocate' }>;
        const b = s.budgets.get(x.budget_id);
        if (!b) throw new GovernanceError('GOV_BUDGET', `budget ${x.budget_id} does not exist`);
        if (b.remaining < BigInt(x.amount)) throw new GovernanceError('GOV_BUDGET', `budget ${x.budget_id} has ${b.remaining} left, allocation needs ${x.amount}`);
        b.remaining -= BigInt(x.amount);
        return;
      }
      case 'treasury.DistributeSurplus': {
        const x = e as Extract<KernelEffect, { effect: 'DistributeSurplus' }>;
        const sum = x.distributions.reduce((acc, [, v]) => acc + BigInt(v), 0n);
        if (sum !== BigInt(x.total_amount)) throw new GovernanceError('GOV_PAYLOAD', `surplus distributions sum to ${sum}, total is ${x.total_amount}`);
        drafts.push({ ...base, accounts: [{ account_id: x.treasury_did, currency: x.currency, debit: sum }, ...x.distributions.map(([id, v]) => ({ account_id: id, currency: x.currency, credit: BigInt(v) }))] });
        return;
      }
      case 'membership.AddMember': {
        const x = e as Extract<KernelEffect, { effect: 'AddMember' }>;
        const k = k2(x.entity_id, x.member_did);
        if (s.members.has(k)) throw new GovernanceError('GOV_MEMBERSHIP', `${x.member_did} is already a member of ${x.entity_id}`);
        s.members.set(k, { entity_id: x.entity_id, member_did: x.member_did, role: x.role, tier: x.tier, frozen: false, freeze_reason: null });
        return;
      }
      case 'membership.RemoveMember':
      case 'membership.FreezeMember':
      case 'membership.UnfreezeMember': {
        const x = e as Extract<KernelEffect, { type: 'membership'; effect: 'RemoveMember' | 'FreezeMember' | 'UnfreezeMember' }>;
        const k = k2(x.entity_id, x.member_did);
        const m = s.members.get(k);
        if (!m) throw new GovernanceError('GOV_MEMBERSHIP', `${x.member_did} is not a member of ${x.entity_id}`);
        if (x.effect === 'RemoveMember') s.members.delete(k);
        else if (x.effect === 'FreezeMember') Object.assign(m, { frozen: true, freeze_reason: x.reason });
        else Object.assign(m, { frozen: false, freeze_reason: null });
        return;
      }
      case 'protocol.SetGovernanceConfig': {
        const x = e as Extract<KernelEffect, { effect: 'SetGovernanceConfig' }>;
        s.configs.set(x.domain_id, { config_hash: x.config_hash, config_json: x.config_json });
        return;
      }
      case 'protocol.SetSchedulingPolicy': {
        const x = e as Extract<KernelEffect, { effect: 'SetSchedulingPolicy' }>;
        s.scheduling.set(x.coop_id, { policy_hash: x.policy_hash, policy_json: x.policy_json });
        return;
      }
      case 'protocol.SetParameter': {
        const x = e as Extract<KernelEffect, { effect: 'SetParameter' }>;
        s.parameters.set(x.parameter_name, { new_value_json: x.new_value_json, effective_at: x.effective_at });
        return;
      }
      case 'protocol.Upgrade': {
        const x = e as Extract<KernelEffect, { effect: 'Upgrade' }>;
        s.upgrades.set(x.version, { activation_height: x.activation_height });
        return;
      }
      case 'control.VetoProposal': {
        const x = e as Extract<KernelEffect, { effect: 'VetoProposal' }>;
        if ([...this.executed.values()].some((rec) => this.receipts.get(rec.receipt_id)?.proposal_id === x.target_proposal_id)) {
          throw new GovernanceError('GOV_VETOED', `proposal ${x.target_proposal_id} was already executed; a veto cannot undo it`);
        }
        s.vetoed.set(x.target_proposal_id, x.veto_reason);
        return;
      }
      case 'control.ForceCloseProposal': {
        const x = e as Extract<KernelEffect, { effect: 'ForceCloseProposal' }>;
        s.closed.set(x.target_proposal_id, x.close_reason);
        return;
      }
      case 'control.TextResolution': {
        const x = e as Extract<KernelEffect, { effect: 'TextResolution' }>;
        s.resolutions.set(x.resolution_hash, r.receipt_id);
        return;
      }
      case 'resource.GrantAccess': {
        const x = e as Extract<KernelEffect, { effect: 'GrantAccess' }>;
        s.grants.set(k2(x.grantee_did, x.resource_type), { grantee_did: x.grantee_did, resource_type: x.resource_type, access_model_hash: x.access_model_hash });
        return;
      }
      case 'resource.RevokeAccess': {
        const x = e as Extract<KernelEffect, { effect: 'RevokeAccess' }>;
        if (!s.grants.delete(k2(x.grantee_did, x.resource_type))) throw new GovernanceError('GOV_RESOURCE', `${x.grantee_did} holds no grant on ${x.resource_type}`);
        return;
      }
      case 'federation.JoinFederation': {
        const x = e as Extract<KernelEffect, { effect: 'JoinFederation' }>;
        s.federations.set(k2(x.coop_did, x.federation_id), { coop_did: x.coop_did, federation_id: x.federation_id });
        return;
      }
      case 'federation.LeaveFederation': {
        const x = e as Extract<KernelEffect, { effect: 'LeaveFederation' }>;
        if (!s.federations.delete(k2(x.coop_did, x.federation_id))) throw new GovernanceError('GOV_FEDERATION', `${x.coop_did} is not in federation ${x.federation_id}`);
        return;
      }
      default:
        // dispute.RollbackLedger (an append-only ledger has no defined rollback yet), no_op, and
        // anything unknown: fail closed.
        throw new GovernanceError('GOV_EFFECT_UNSUPPORTED', `effect ${e.type}.${e.effect} is not implemented by this node: decision not executed (fail closed)`, { type: e.type, effect: e.effect });
    }
  }

  /** Canonical, sorted view of the state (what the root hashes). */
  stateView(): Record<string, unknown> {
    const s = this.stateRef;
    const m = <V>(map: Map<string, V>, f: (v: V) => unknown) => sortedKeys(map).map((k) => [k.split('\u0000'), f(map.get(k)!)]);
    return {
      members: m(s.members, (v) => v),
      budgets: m(s.budgets, (b) => ({ treasury_did: b.treasury_did, currency: b.currency, total: b.total.toString(), remaining: b.remaining.toString(), decision_receipt_id: b.decision_receipt_id })),
      configs: m(s.configs, (v) => v),
      scheduling: m(s.scheduling, (v) => v),
      parameters: m(s.parameters, (v) => v),
      upgrades: m(s.upgrades, (v) => v),
      vetoed: m(s.vetoed, (v) => v),
      closed: m(s.closed, (v) => v),
      resolutions: m(s.resolutions, (v) => v),
      grants: m(s.grants, (v) => v),
      federations: m(s.federations, (v) => v),
      nonces: [...s.nonces].sort().map((k) => k.split('\u0000')),
    };
  }

  /**
   * The governance component root: contentHash(icn/governance/root/v1, {version, receipts:
   * [[receipt_id, decision_hash, outcome]] sorted, executed: [[receipt_id, ledger ids]] sorted,
   * state}).
   */
  root(): Hash {
    return contentHash(DOMAIN.governanceRoot, {
      version: GOVERNANCE_ROOT_VERSION,
      receipts: sortedKeys(this.receipts).map((id) => {
        const r = this.receipts.get(id as Hash)!;
        return [id, r.decision_hash, r.outcome];
      }),
      executed: sortedKeys(this.executed).map((id) => [id, this.executed.get(id as Hash)!.ledger_entries]),
      state: this.stateView(),
    });
  }
}
