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
import {
  checkEntry,
  draftBody,
  entryBody,
  signEntry,
  type EntryDraft,
  type JournalEntry,
} from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { DecisionReceipt, Proposal } from './decision.js';
import { verifyReceipt } from './decision.js';
import { applyEffect } from './effects.js';
import { GovernanceError } from './errors.js';
import { translatePayloadToEffects, type KernelEffect } from './payload.js';

export const GOVERNANCE_ROOT_VERSION = 'icn-governance-root/v1';

export interface Budget {
  treasury_did: string;
  currency: string;
  total: bigint;
  remaining: bigint;
  decision_receipt_id: string;
}

/** Everything governance decisions change outside the ledger. Maps, serialized sorted. */
export interface GovernanceState {
  members: Map<
    string,
    {
      entity_id: string;
      member_did: string;
      role: string;
      tier: string;
      frozen: boolean;
      freeze_reason: string | null;
    }
  >;
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
    members: new Map(),
    budgets: new Map(),
    configs: new Map(),
    scheduling: new Map(),
    parameters: new Map(),
    upgrades: new Map(),
    vetoed: new Map(),
    closed: new Map(),
    resolutions: new Map(),
    grants: new Map(),
    federations: new Map(),
    nonces: new Set(),
  };
}

function cloneState(s: GovernanceState): GovernanceState {
  const c = emptyGovernanceState();
  for (const k of Object.keys(s) as (keyof GovernanceState)[]) {
    const src = s[k];
    (c as unknown as Record<string, unknown>)[k] =
      src instanceof Set
        ? new Set(src)
        : new Map(
            [...(src as Map<string, unknown>)].map(([a, v]) => [
              a,
              typeof v === 'object' && v !== null ? { ...v } : v,
            ]),
          );
  }
  return c;
}

const sortedKeys = <V>(m: Map<string, V>) => [...m.keys()].sort();

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
    if (this.stateRef !== s.base || this.executed.has(s.receipt.receipt_id))
      throw new GovernanceError(
        'GOV_EXECUTION_RACE',
        `receipt ${s.receipt.receipt_id}: governance changed since the execution was staged; stage it again`,
      );
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
  replay(
    proposal: Proposal,
    receipt: DecisionReceipt,
    executor: string,
    entries: readonly unknown[],
  ): ExecutionRecord {
    verifyReceipt(proposal, receipt);
    const { staged, effects, drafts } = this.plan(proposal, receipt);
    const mismatch = (why: string): never => {
      throw new GovernanceError(
        'GOV_REPLAY_MISMATCH',
        `receipt ${receipt.receipt_id} executed by ${executor}: ${why}`,
      );
    };
    if (entries.length !== drafts.length)
      mismatch(`${entries.length} ledger entries, the effects give ${drafts.length}`);
    let parents: Hash[] | undefined;
    entries.forEach((raw, i) => {
      let c;
      try {
        c = checkEntry(raw, true);
      } catch (e) {
        return mismatch(`entry ${i}: ${(e as Error).message}`);
      }
      const want = draftBody(executor, { ...drafts[i]!, parents: parents ?? c.entry.parents });
      if (canonicalString(entryBody(c.entry) as never) !== canonicalString(want as never))
        mismatch(`entry ${i} (${c.id}) is not the entry the decision's effect ${i} gives`);
      parents = [c.id];
    });
    const ids = this.ledger.applyBatch(entries, true);
    this.receipts.set(receipt.receipt_id, receipt);
    return this.commit(receipt, staged, effects, ids);
  }

  /** Checks and the staged effects of executing a verified receipt (nothing changes). */
  private plan(
    proposal: Proposal,
    receipt: DecisionReceipt,
  ): { staged: GovernanceState; effects: KernelEffect[]; drafts: EntryDraft[] } {
    const rid = receipt.receipt_id;
    if (receipt.outcome !== 'Accepted')
      throw new GovernanceError(
        'GOV_NOT_ACCEPTED',
        `receipt ${rid}: outcome ${receipt.outcome}, nothing to execute`,
      );
    if (receipt.determinism_class !== 'canonical')
      throw new GovernanceError(
        'GOV_ADVISORY',
        `receipt ${rid}: advisory decisions never change state`,
      );
    if (this.executed.has(rid))
      throw new GovernanceError('GOV_ALREADY_EXECUTED', `receipt ${rid} was already executed`);
    if (this.stateRef.vetoed.has(proposal.proposal_id))
      throw new GovernanceError('GOV_VETOED', `proposal ${proposal.proposal_id} was vetoed`);
    if (this.stateRef.closed.has(proposal.proposal_id))
      throw new GovernanceError('GOV_CLOSED', `proposal ${proposal.proposal_id} was force-closed`);
    const effects = translatePayloadToEffects(
      proposal.payload,
      rid,
      receipt.decision_hash,
      proposal.domain_id,
    );
    const staged = cloneState(this.stateRef);
    const drafts: EntryDraft[] = [];
    const wasExecuted = (pid: string) =>
      [...this.executed.values()].some(
        (rec) => this.receipts.get(rec.receipt_id)?.proposal_id === pid,
      );
    effects.forEach((e, index) => applyEffect(staged, e, { receipt, index, drafts, wasExecuted }));
    return { staged, effects, drafts };
  }

  private commit(
    receipt: DecisionReceipt,
    staged: GovernanceState,
    effects: KernelEffect[],
    ids: Hash[],
  ): ExecutionRecord {
    this.stateRef = staged;
    const rec: ExecutionRecord = {
      receipt_id: receipt.receipt_id,
      decision_hash: receipt.decision_hash,
      effects,
      ledger_entries: ids,
    };
    this.executed.set(receipt.receipt_id, rec);
    return rec;
  }

  /** Canonical, sorted view of the state (what the root hashes). */
  stateView(): Record<string, unknown> {
    const s = this.stateRef;
    const m = <V>(map: Map<string, V>, f: (v: V) => unknown) =>
      sortedKeys(map).map((k) => [k.split('\u0000'), f(map.get(k)!)]);
    return {
      members: m(s.members, (v) => v),
      budgets: m(s.budgets, (b) => ({
        treasury_did: b.treasury_did,
        currency: b.currency,
        total: b.total.toString(),
        remaining: b.remaining.toString(),
        decision_receipt_id: b.decision_receipt_id,
      })),
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
      executed: sortedKeys(this.executed).map((id) => [
        id,
        this.executed.get(id as Hash)!.ledger_entries,
      ]),
      state: this.stateView(),
    });
  }
}
