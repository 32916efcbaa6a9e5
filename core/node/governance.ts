/**
 * Governance decisions over gossip (`governance:receipts`): one node executes a decision into
 * ledger effects and publishes what it did; every other node verifies it by replay and adopts it.
 *
 * Record (data of a gossip entry, format `icn-governance-execution/v1`):
 *   { format, proposal: SignedProposal, receipt: DecisionReceipt, entries: JournalEntry[] }
 *
 * An own record is publish or nothing (execute, announce): the decision is applied here only once
 * gossip has agreed to take its record whole; else PublishRefused and nothing changed.
 *
 * A receiving node (the executor's own record is already applied):
 *  - checks the proposal's signature and that the entry's author is the proposer: a decision has
 *    exactly one executor, so two nodes never race to execute it differently;
 *  - Accepted + canonical: Governance.replay re-verifies the receipt (tally, vote hash, decision
 *    hash, receipt id, attestations), re-derives the effects, and requires every journal entry to
 *    be the one its own execution would have written; then applies them atomically. The
 *    executor's entry ids enter the governance root, so every node ends with the same governance
 *    and ledger roots. Anything else (Rejected, NoQuorum, advisory): the receipt is verified and
 *    recorded; `entries` must be empty;
 *  - a record whose first entry's parents (the executor's DAG heads) are not all in this ledger
 *    waits, and is tried again whenever something is applied (IcnNode.onApplied).
 * Refusals (a tampered receipt, entries that are not the decision's effects, a second execution)
 * are final, counted by code, and change nothing.
 */
import { Counter } from 'prom-client';
import { IcnError } from '../errors.js';
import type { GossipEntry, PreparedPublish } from '../gossip/index.js';
import type { Hash } from '../hash/index.js';
import {
  verifyProposal,
  verifyReceipt,
  type DecisionReceipt,
  type ExecutionRecord,
  type Proposal,
  type SignedProposal,
} from '../governance/index.js';
import { checkEntry, type JournalEntry } from '../ledger/index.js';
import type { IcnNode } from './node.js';
import { requirePublication } from './publication.js';

export const GOVERNANCE_EXECUTION_FORMAT = 'icn-governance-execution/v1';

export interface GovernanceExecutionRecord {
  format: typeof GOVERNANCE_EXECUTION_FORMAT;
  proposal: SignedProposal;
  receipt: DecisionReceipt;
  entries: JournalEntry[];
}

/** What this node did with one record (by gossip entry hash): observations, never hashed. */
export type DecisionOutcome =
  | { status: 'executed' | 'recorded' | 'own' | 'duplicate'; receiptId: Hash }
  | { status: 'pending'; receiptId: Hash; waitingFor: Hash[] }
  | { status: 'refused'; code: string; detail: string };

export class NodeGovernance {
  readonly outcomes = new Map<Hash, DecisionOutcome>();
  private readonly pending = new Map<Hash, GossipEntry>();
  private readonly records: Counter<'result' | 'code'>;

  constructor(readonly node: IcnNode) {
    this.records = new Counter({
      name: 'icn_governance_records_total',
      help: 'Governance decision records, by result (executed, recorded, pending, refused: from gossip; publish_refused: an own decision not applied because gossip refused its record, code = gossip reason) and refusal code',
      labelNames: ['result', 'code'] as const,
      registers: [node.metrics.registry],
    });
    node.onRecord('governance:receipts', GOVERNANCE_EXECUTION_FORMAT, (e) => this.handle(e));
    node.onApplied(() => this.retry());
  }

  /**
   * Execute an accepted decision on this node (its proposer) and publish the record for every
   * node to verify by replay, publish or nothing: the execution is staged (Governance.
   * stageExecution: effects, signed entries, ledger check; nothing applied), gossip asked whether
   * it takes the record on `governance:receipts` whole (planPublication), and only then are the
   * entries and the governance state applied and the record published. Throws GovernanceError
   * when the decision cannot be executed here, PublishRefused (NODE_PUBLISH_REFUSED) when gossip
   * will not publish the record; nothing has changed then.
   */
  execute(
    proposal: SignedProposal,
    receipt: DecisionReceipt,
  ): { execution: ExecutionRecord; entry: GossipEntry } {
    const body = verifyProposal(proposal);
    if (body.proposer !== this.node.id)
      throw new IcnError(
        'NODE_NOT_EXECUTOR',
        `proposal ${body.proposal_id} is executed by its proposer ${body.proposer}, not by ${this.node.id}`,
      );
    const staged = this.node.governance.stageExecution(body, receipt);
    const record: GovernanceExecutionRecord = {
      format: GOVERNANCE_EXECUTION_FORMAT,
      proposal,
      receipt,
      entries: [...staged.entries],
    };
    const p = this.plan(record, 'execution');
    // Everything agreed: apply, then publish (nothing in between touches gossip or governance).
    const execution = this.node.governance.commitExecution(staged);
    this.node.invalidateRoots();
    const entry = this.node.commitPublish(p);
    this.outcomes.set(entry.hash, { status: 'own', receiptId: receipt.receipt_id });
    this.node.notifyApplied();
    return { execution, entry };
  }

  /**
   * Record a decision that executes nothing (Rejected, NoQuorum or advisory) and publish it, so
   * every node verifies and records it too; recorded only if published (PublishRefused
   * otherwise, nothing changed). Throws GovernanceError for a receipt that does not verify, or
   * that should be executed (use execute).
   */
  announce(proposal: SignedProposal, receipt: DecisionReceipt): GossipEntry {
    const body = verifyProposal(proposal);
    if (body.proposer !== this.node.id)
      throw new IcnError(
        'NODE_NOT_EXECUTOR',
        `proposal ${body.proposal_id} is announced by its proposer ${body.proposer}, not by ${this.node.id}`,
      );
    if (receipt.outcome === 'Accepted' && receipt.determinism_class === 'canonical')
      throw new IcnError(
        'NODE_DECISION_EXECUTES',
        `receipt ${receipt.receipt_id} is accepted and canonical: execute it`,
      );
    verifyReceipt(body, receipt);
    const p = this.plan(
      { format: GOVERNANCE_EXECUTION_FORMAT, proposal, receipt, entries: [] },
      'decision',
    );
    this.node.governance.record(body, receipt);
    this.node.invalidateRoots();
    const entry = this.node.commitPublish(p);
    this.outcomes.set(entry.hash, { status: 'own', receiptId: receipt.receipt_id });
    return entry;
  }

  /** The prepared publication of an own record, or PublishRefused (counted) when gossip will not take it whole. */
  private plan(record: GovernanceExecutionRecord, what: 'execution' | 'decision'): PreparedPublish {
    return requirePublication(
      this.node,
      'governance:receipts',
      record,
      "this decision's record",
      `the ${what} of receipt ${record.receipt.receipt_id} was not applied`,
      (reason) => this.records.inc({ result: 'publish_refused', code: reason }),
    );
  }

  /** Publish a record as given (tests and byzantine scenarios: a tampered receipt or effects). */
  publishRaw(record: unknown): GossipEntry {
    return this.node.publish('governance:receipts', record);
  }

  /** Records waiting for ledger parents. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private handle(e: GossipEntry): void {
    const done = this.outcomes.get(e.hash);
    if (done && done.status !== 'pending') return;
    let out: DecisionOutcome;
    try {
      out = this.apply(e);
    } catch (err) {
      // core/governance trusts its types; a record whose parts are not of them is malformed.
      if (!(err instanceof TypeError)) throw err;
      out = { status: 'refused', code: 'GOV_RECORD_MALFORMED', detail: err.message };
    }
    this.outcomes.set(e.hash, out);
    if (out.status === 'pending') {
      if (!done) this.records.inc({ result: 'pending', code: '' });
      this.pending.set(e.hash, e);
      return;
    }
    this.pending.delete(e.hash);
    if (out.status === 'refused') this.records.inc({ result: 'refused', code: out.code });
    else if (out.status === 'executed' || out.status === 'recorded') {
      this.records.inc({ result: out.status, code: '' });
      this.node.invalidateRoots();
      this.node.notifyApplied();
    }
  }

  private apply(e: GossipEntry): DecisionOutcome {
    const refuse = (code: string, detail: string): DecisionOutcome => ({
      status: 'refused',
      code,
      detail,
    });
    const r = e.data as Partial<GovernanceExecutionRecord>;
    const keys = Object.keys(r).sort().join(',');
    if (
      keys !== 'entries,format,proposal,receipt' ||
      !Array.isArray(r.entries) ||
      r.receipt === null ||
      typeof r.receipt !== 'object'
    ) {
      return refuse(
        'GOV_RECORD_MALFORMED',
        `a ${GOVERNANCE_EXECUTION_FORMAT} record has exactly {format, proposal, receipt, entries}`,
      );
    }
    const receipt = r.receipt as DecisionReceipt;
    const entries = r.entries;
    let proposal: Proposal;
    try {
      proposal = verifyProposal(r.proposal as SignedProposal);
    } catch (err) {
      if (!(err instanceof IcnError)) throw err;
      return refuse(err.code, err.message);
    }
    if (e.author !== proposal.proposer)
      return refuse(
        'GOV_NOT_EXECUTOR',
        `published by ${e.author}; only the proposer ${proposal.proposer} executes ${proposal.proposal_id}`,
      );
    const gov = this.node.governance;
    const executes = receipt.outcome === 'Accepted' && receipt.determinism_class === 'canonical';
    const already = gov.execution(receipt.receipt_id);
    if (already) {
      // This node executed it (and published this record), or adopted it from an identical record.
      let ids: Hash[];
      try {
        ids = entries.map((x) => checkEntry(x, false).id);
      } catch (err) {
        if (!(err instanceof IcnError)) throw err;
        return refuse(err.code, err.message);
      }
      if (ids.join() === already.ledger_entries.join())
        return {
          status: e.author === this.node.id ? 'own' : 'duplicate',
          receiptId: receipt.receipt_id,
        };
      return refuse(
        'GOV_ALREADY_EXECUTED',
        `receipt ${receipt.receipt_id} was already executed here with other ledger entries`,
      );
    }
    try {
      if (!executes) {
        if (entries.length)
          return refuse(
            'GOV_REPLAY_MISMATCH',
            `receipt ${receipt.receipt_id} (${receipt.outcome}, ${receipt.determinism_class}) executes nothing, the record carries ${entries.length} ledger entries`,
          );
        gov.record(proposal, receipt);
        return { status: 'recorded', receiptId: receipt.receipt_id };
      }
      const first = entries[0] as JournalEntry | undefined;
      const missing = (first && Array.isArray(first.parents) ? first.parents : []).filter(
        (p) => !this.node.ledger.has(p),
      );
      if (missing.length)
        return { status: 'pending', receiptId: receipt.receipt_id, waitingFor: missing };
      gov.replay(proposal, receipt, e.author, entries);
      return { status: 'executed', receiptId: receipt.receipt_id };
    } catch (err) {
      if (!(err instanceof IcnError)) throw err;
      return refuse(err.code, err.message);
    }
  }

  private retry(): void {
    if (this.pending.size === 0) return;
    // Canonical order (entry timestamp, then hash), never the Map's insertion order.
    const es = [...this.pending.values()].sort(
      (a, b) => a.timestamp - b.timestamp || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0),
    );
    for (const e of es) this.handle(e);
  }
}
