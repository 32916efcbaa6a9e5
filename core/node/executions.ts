/**
 * Contract executions shared over gossip, verified by replay on every node, and proofs of
 * misbehavior against executors that sign wrong receipts.
 *
 * An execution that changes shared state (contract state or ledger) is published by its executor
 * on `ledger:entries` as a record (format `icn-contract-execution/v1`):
 *   { format, receipt (signed, core/contracts), witness (the bundle it names), entry (the journal
 *     entry the ledger ops became, signed by the executor, or null), previous (receipt hash of the
 *     execution whose state it started from, null for the initial state), call (the signed call
 *     executed, {call, signature}: present exactly when the receipt has a callId) }
 * A node adopts a record only after checking, in order:
 *   1. shape; the gossip author is the receipt's executor;
 *   2. the contract is installed here (else the record waits) and the witness carries exactly the
 *      installed code and installation;
 *   3. replay: the receipt's signature verifies, the witness is the one it names, and re-running
 *      the witness (core/contracts, CCL, synchronously) gives the receipt body field for field.
 *      A mismatch is misbehavior: this node builds a ProofOfMisbehavior from the signed receipt
 *      (core/pom) and publishes it on `governance:receipts` (format `icn-pom-report/v1`), unless
 *      it already holds a confirmed proof against that receipt or is the executor itself;
 *   4. the call (checkRecordCall): a receipt with a callId comes with that call, signed by its
 *      caller, naming this executor and asking for what the receipt ran (call_missing, bad_call,
 *      call_mismatch, wrong_executor); a receipt without one acts for its executor only
 *      (unsigned_call). Then a participants-only contract was called by a participant
 *      (min_caller_trust contracts admit others on the executor's trust view, which this node
 *      cannot re-judge);
 *   5. the entry is exactly what the receipt's ledger ops give (contractLedgerEffects), by the
 *      executor, signature verified;
 *   6. `previous` is an execution adopted here whose state root after is this receipt's root
 *      before (else the record waits for it), or null and the root before is the initial state's;
 *      no execution of the receipt's call id is adopted here (call_replayed: a signed call takes
 *      effect once, see docs/contracts.md "One effect per signed call");
 *   7. the entry's parents are in this ledger (else the record waits); the entry and the credit
 *      limits the ops set apply atomically (credit limits and trust as for any entry).
 * Waiting records are tried again whenever something is applied (IcnNode.onApplied).
 *
 * An own execution (execute) is all or nothing: the rule runs staged (core/contracts
 * stageExecution against a core/ledger StagedJournal) and its contract state, journal entry,
 * credit limits and adoption are committed only once gossip has agreed to take its record whole
 * (Gossip.preparePublish); else nothing changed and the caller gets PublishRefused. An executor
 * never holds a head the others cannot get, so its later executions never wait on one.
 *
 * Contract state: executions form chains through `previous`. A contract's state is the state
 * after its head: the adopted execution with the greatest (height, timestamp, receipt hash),
 * height = 1 + the previous one's. That is a function of the set of adopted executions, so every
 * node that adopted the same set holds the same state whatever the arrival order. Known gap:
 * without consensus, two executions from the same state (a fork) both keep their ledger effects
 * and the state follows one branch; the other branch's state change is superseded.
 */
import { Counter } from 'prom-client';
import { canonicalString, type CanonicalValue } from '../canonical/index.js';
import {
  DEFAULT_FUEL,
  initialState,
  ledgerOpFromJson,
  type LedgerOp,
  type Value,
} from '../ccl/index.js';
import {
  argsHash,
  CallError,
  codeToJson,
  signedCallToJson,
  verifyCall,
  type VerifiedCall,
  installationToJson,
  receiptFromJson,
  receiptHash,
  receiptToJson,
  replayReceiptSync,
  stateRoot,
  witnessFromJson,
  LedgerRejected,
  type ContractActor,
  type ExecuteRequest,
  type ExecutionReceipt,
  type Installed,
  type StagedCall,
  type WitnessBundle,
} from '../contracts/index.js';
import { IcnError } from '../errors.js';
import type { GossipEntry } from '../gossip/index.js';
import { isHash, type Hash } from '../hash/index.js';
import {
  checkEntry,
  contractLedgerEffects,
  draftBody,
  entryBody,
  type CreditLimitChange,
  type JournalBatch,
  type JournalEntry,
  type JournalLedgerPort,
} from '../ledger/index.js';
import {
  buildPomFromReceipt,
  contractOutputHash,
  contractReplayer,
  MemoryCodeResolver,
  ReplayerRegistry,
  verifyPomSync,
  type ProofOfMisbehavior,
} from '../pom/index.js';
import type { IcnNode } from './node.js';
import { requirePublication } from './publication.js';

export const EXECUTION_RECORD_FORMAT = 'icn-contract-execution/v1';
export const POM_REPORT_FORMAT = 'icn-pom-report/v1';

export interface ExecutionRecord {
  format: typeof EXECUTION_RECORD_FORMAT;
  receipt: CanonicalValue;
  witness: WitnessBundle;
  entry: JournalEntry | null;
  previous: Hash | null;
  /** The signed call executed ({call, signature}), present exactly when the receipt has a callId. */
  call?: CanonicalValue;
}

export interface PomReport {
  format: typeof POM_REPORT_FORMAT;
  pom: ProofOfMisbehavior;
}

/** An execution this node adopted (its own or verified by replay). */
export interface AdoptedExecution {
  receiptHash: Hash;
  codeHash: Hash;
  executor: string;
  height: number;
  timestamp: bigint;
  stateRootAfter: Hash;
  entryId: Hash | null;
  /** The signed call it executed (receipt callId), or null. */
  callId: Hash | null;
}

export type ExecutionOutcome =
  | { status: 'own' | 'adopted' | 'duplicate'; receiptHash: Hash }
  | { status: 'pending'; receiptHash: Hash; waitingFor: 'installation' | 'previous' | 'parents' }
  | { status: 'refused'; reason: string; detail: string; receiptHash: Hash | null };

/** A proof this node verified (by gossip entry hash). */
export interface PomOutcome {
  verdict: 'confirmed' | 'refuted' | 'invalid';
  accused: string | null;
  accuser: string | null;
  /** Receipt hash of the accused's receipt (contract-receipt evidence), else null. */
  receiptHash: Hash | null;
  detail: string;
}

/** A record that passed the checks that do not depend on what else this node has adopted. */
interface Verified {
  receipt: ExecutionReceipt;
  receiptHash: Hash;
  entry: JournalEntry | null;
  entryId: Hash | null;
  limits: CreditLimitChange[];
  stateAfter: ReadonlyMap<string, Value>;
  previous: Hash | null;
}

const POM_REPLAYERS = new ReplayerRegistry([contractReplayer]);
const NO_CODE = new MemoryCodeResolver();

const later = (a: AdoptedExecution, b: AdoptedExecution): boolean =>
  a.height !== b.height
    ? a.height > b.height
    : a.timestamp !== b.timestamp
      ? a.timestamp > b.timestamp
      : a.receiptHash > b.receiptHash;

export class ContractExecutions {
  /** Adopted executions by receipt hash. */
  readonly adopted = new Map<Hash, AdoptedExecution>();
  /** Per contract, the receipt hash of its head execution. */
  private readonly heads = new Map<Hash, Hash>();
  /** Call id → the receipt hash of the one adopted execution of that signed call. */
  private readonly calls = new Map<Hash, Hash>();
  readonly outcomes = new Map<Hash, ExecutionOutcome>();
  private readonly pending = new Map<Hash, { entry: GossipEntry; verified?: Verified }>();
  readonly poms = new Map<Hash, PomOutcome>();
  /** Receipt hashes against which this node holds a confirmed proof. */
  private readonly convicted = new Set<Hash>();
  private readonly recordsMetric: Counter<'result' | 'reason'>;
  private readonly pomsMetric: Counter<'verdict'>;
  private readonly pomsPublished: Counter;

  constructor(
    readonly node: IcnNode,
    readonly actor: ContractActor,
    /** The journal the actor writes to: own executions run against a staged view of it (execute). */
    private readonly journal: JournalLedgerPort,
  ) {
    const registers = [node.metrics.registry];
    this.recordsMetric = new Counter({
      name: 'icn_contract_execution_records_total',
      help: 'Contract execution records, by result (published, publish_refused: an own execution not applied because gossip refused its record; adopted, pending, refused: from gossip) and reason',
      labelNames: ['result', 'reason'] as const,
      registers,
    });
    this.pomsMetric = new Counter({
      name: 'icn_pom_verified_total',
      help: 'Proofs of misbehavior received and verified by replay, by verdict',
      labelNames: ['verdict'] as const,
      registers,
    });
    this.pomsPublished = new Counter({
      name: 'icn_pom_published_total',
      help: 'Proofs of misbehavior this node built and published',
      registers,
    });
  }

  /**
   * Execute a rule here (NodeContracts.execute), all or nothing: the call runs staged (no contract
   * state, ledger entry, credit limit or metric changes), and an execution that changes shared
   * state is committed only once gossip has agreed to take its record whole. Otherwise nothing
   * has changed and this throws PublishRefused (NODE_PUBLISH_REFUSED with gossip's reason:
   * too_large, rate_limited, evicted; counted as result="publish_refused") or NODE_EXECUTION_RACE
   * (the contract's head, state or the ledger moved while the rule ran).
   *
   * A record that would displace one of this node's entries from its full rate-limit window is
   * refused as rate_limited too: gossip would take it by dropping an earlier own record, which
   * every node drops the same way, leaving the executions after that one waiting forever.
   */
  async execute(req: ExecuteRequest, signed?: VerifiedCall): Promise<ExecutionReceipt> {
    if (signed && signed.id !== req.callId)
      throw new IcnError(
        'HARNESS_FAULT',
        `the request carries call id ${String(req.callId)}, the signed call is ${signed.id}`,
      );
    if (signed) this.refuseAdoptedCall(signed.id);
    const head = this.head(req.codeHash);
    const ledger = this.journal.staged();
    const call = await this.actor.stageExecution(req, ledger);
    this.commitOwn(call, ledger.batch, head, signed);
    return call.receipt;
  }

  /** The receipt hash of the adopted execution of a signed call, if any. */
  executionOfCall(id: Hash): Hash | undefined {
    return this.calls.get(id);
  }

  /** CALL_REPLAYED when an execution of this call id is adopted here (by any executor). */
  refuseAdoptedCall(id: Hash): void {
    const seen = this.calls.get(id);
    if (seen)
      throw new CallError('CALL_REPLAYED', `call ${id} was already executed (receipt ${seen})`, {
        receiptHash: seen,
      });
  }

  /** Check everything that can refuse a staged own execution, then commit all of it (synchronously). */
  private commitOwn(
    call: StagedCall,
    batch: JournalBatch | null,
    head: AdoptedExecution | undefined,
    signed: VerifiedCall | undefined,
  ): void {
    const { receipt } = call;
    const shares =
      receipt.outcome.status === 'ok' &&
      (receipt.ledgerOps.length > 0 || receipt.stateRootAfter !== receipt.stateRootBefore);
    if (!shares) {
      // Nothing shared changed (a failed or read-only call; its ops, if any, were not applied).
      this.actor.commitExecution(call);
      return;
    }
    const h = receiptHash(receipt);
    const race = (why: string) =>
      new IcnError(
        'NODE_EXECUTION_RACE',
        `execution of ${receipt.codeHash}: ${why}; nothing was applied, run it again`,
      );
    if (signed) this.refuseAdoptedCall(signed.id); // adopted from gossip while it ran
    if (this.head(receipt.codeHash) !== head)
      throw race('another execution of the contract was adopted while it ran');
    if (this.actor.runtime.state(receipt.codeHash) !== call.base)
      throw race('the contract state changed while it ran');
    const before =
      head?.stateRootAfter ?? this.initialRoot(this.actor.runtime.get(receipt.codeHash)!);
    if (before !== receipt.stateRootBefore)
      throw race(`it started from ${receipt.stateRootBefore}, the head is ${before}`);
    if (batch) {
      try {
        this.journal.check(batch);
      } catch (err) {
        if (!(err instanceof LedgerRejected)) throw err;
        throw race(`its ledger ops no longer apply (${err.message})`);
      }
    }
    const record: ExecutionRecord = {
      format: EXECUTION_RECORD_FORMAT,
      receipt: receiptToJson(receipt),
      witness: call.witness,
      entry: batch?.entry ?? null,
      previous: head?.receiptHash ?? null,
      ...(signed ? { call: signedCallToJson(signed) } : {}),
    };
    const p = requirePublication(
      this.node,
      'ledger:entries',
      record,
      "this execution's record (it carries the witness: code, state before, args)",
      'the execution was not applied',
      (reason) => this.recordsMetric.inc({ result: 'publish_refused', reason }),
    );
    // Everything agreed: commit. Nothing below refuses, and nothing in between touches gossip.
    this.actor.commitExecution(call);
    if (batch) this.journal.commit(batch);
    this.adopt(
      {
        receiptHash: h,
        codeHash: receipt.codeHash,
        executor: receipt.executor,
        height: (head?.height ?? 0) + 1,
        timestamp: BigInt(receipt.timestamp),
        stateRootAfter: receipt.stateRootAfter,
        entryId: batch?.entry ? checkEntry(batch.entry, false).id : null,
        callId: receipt.callId ?? null,
      },
      call.stateAfter,
    );
    const g = this.node.commitPublish(p);
    this.outcomes.set(g.hash, { status: 'own', receiptHash: h });
    this.recordsMetric.inc({ result: 'published', reason: '' });
    this.node.notifyApplied();
  }

  head(codeHash: Hash): AdoptedExecution | undefined {
    const h = this.heads.get(codeHash);
    return h === undefined ? undefined : this.adopted.get(h);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Receipt hashes this node holds confirmed proofs against, sorted. */
  convictions(): Hash[] {
    return [...this.convicted].sort();
  }

  // ---- records -----------------------------------------------------------------------------

  handleRecord(e: GossipEntry): void {
    const prev = this.outcomes.get(e.hash);
    if (prev && prev.status !== 'pending') return;
    const held = this.pending.get(e.hash);
    let out: ExecutionOutcome;
    let verified = held?.verified;
    if (!verified) {
      let v: Verified | ExecutionOutcome;
      try {
        v = this.verify(e);
      } catch (err) {
        // The parsers above name every field they check; anything they let through that is not of
        // the types core/contracts expects makes the record malformed, never a crash of the node.
        if (!(err instanceof TypeError)) throw err;
        v = { status: 'refused', reason: 'malformed', detail: err.message, receiptHash: null };
      }
      if ('status' in v) out = v;
      else verified = v;
    }
    if (verified) out = this.place(verified, e.author);
    this.outcomes.set(e.hash, out!);
    if (out!.status === 'pending') {
      if (!prev) this.recordsMetric.inc({ result: 'pending', reason: out!.waitingFor });
      this.pending.set(e.hash, { entry: e, ...(verified ? { verified } : {}) });
      return;
    }
    this.pending.delete(e.hash);
    if (out!.status === 'refused')
      this.recordsMetric.inc({ result: 'refused', reason: out!.reason });
    else if (out!.status === 'adopted') {
      this.recordsMetric.inc({ result: 'adopted', reason: '' });
      this.node.notifyApplied();
    }
  }

  /** Retry waiting records in canonical order (entry timestamp, then hash) until none moves. */
  retry(): void {
    let progress = true;
    while (progress && this.pending.size) {
      progress = false;
      const es = [...this.pending.values()]
        .map((p) => p.entry)
        .sort(
          (a, b) => a.timestamp - b.timestamp || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0),
        );
      for (const e of es) {
        this.handleRecord(e);
        if (!this.pending.has(e.hash)) progress = true;
      }
    }
  }

  /** Checks 1–5 (see the module comment): what does not depend on other records. */
  private verify(e: GossipEntry): Verified | ExecutionOutcome {
    const parsed = parseRecord(e);
    if ('status' in parsed) return parsed;
    const { r, receipt, witness } = parsed;
    const h = receiptHash(receipt);
    const refuse = (reason: string, detail: string): ExecutionOutcome => ({
      status: 'refused',
      reason,
      detail,
      receiptHash: h,
    });
    if (r.previous !== null && !isHash(r.previous))
      return refuse('malformed', 'previous must be a receipt hash or null');
    if (receipt.executor !== e.author)
      return refuse('not_executor', `published by ${e.author}, executed by ${receipt.executor}`);
    if (this.adopted.has(h)) return { status: 'duplicate', receiptHash: h };
    const inst = this.actor.runtime.get(receipt.codeHash);
    if (!inst) return { status: 'pending', receiptHash: h, waitingFor: 'installation' };
    const notInstalled = checkInstalled(inst, receipt, witness);
    if (notInstalled) return refuse(notInstalled.reason, notInstalled.detail);
    const replayed = this.replay(receipt, h, witness);
    if ('reason' in replayed) return refuse(replayed.reason, replayed.detail);
    const callRefusal = checkRecordCall(r.call, receipt);
    if (callRefusal) return refuse(callRefusal.reason, callRefusal.detail);
    const participantsOnly = inst.installation.minCallerTrustPpm === null;
    if (participantsOnly && !inst.installation.participants.includes(receipt.caller)) {
      return refuse(
        'unauthorized',
        `${receipt.caller} is not a participant of a participants-only contract`,
      );
    }
    const fx = contractLedgerEffects(this.ops(receipt), {
      codeHash: receipt.codeHash,
      rule: receipt.rule,
      caller: receipt.caller,
      timestamp: BigInt(receipt.timestamp),
    });
    const placed = checkRecordEntry(r.entry, receipt, fx.draft);
    if ('reason' in placed) return refuse(placed.reason, placed.detail);
    return {
      receipt,
      receiptHash: h,
      entry: placed.entry,
      entryId: placed.entryId,
      limits: fx.limits,
      stateAfter: replayed.stateAfter,
      previous: r.previous as Hash | null,
    };
  }

  /** Check 4: replay the receipt from its witness; a mismatch is published as a proof. */
  private replay(
    receipt: ExecutionReceipt,
    h: Hash,
    witness: WitnessBundle,
  ): Refusal | { stateAfter: ReadonlyMap<string, Value> } {
    const rep = replayReceiptSync(witness, receipt);
    if (!rep.signatureValid) {
      const detail = `the receipt's signature by ${receipt.executor} does not verify`;
      return { reason: 'bad_signature', detail };
    }
    if (!rep.witnessMatches) {
      const detail = `the witness is not the bundle ${receipt.witness} the receipt names`;
      return { reason: 'witness_mismatch', detail };
    }
    if (!rep.recomputed || !rep.stateAfter)
      return { reason: 'replay_error', detail: rep.error ?? 'replay gave no result' };
    if (rep.mismatches.length) {
      this.accuse(receipt, h, witness, contractOutputHash(rep.recomputed));
      const detail = `replay differs from the receipt in ${rep.mismatches.join(', ')}`;
      return { reason: 'replay_mismatch', detail };
    }
    return { stateAfter: rep.stateAfter };
  }

  /** Checks 6–7 and adoption. */
  private place(v: Verified, author: string): ExecutionOutcome {
    const h = v.receiptHash;
    if (this.adopted.has(h))
      return { status: author === this.node.id ? 'own' : 'duplicate', receiptHash: h };
    const inst = this.actor.runtime.get(v.receipt.codeHash)!;
    let height = 1;
    if (v.previous === null) {
      if (v.receipt.stateRootBefore !== this.initialRoot(inst))
        return {
          status: 'refused',
          reason: 'bad_previous',
          detail: 'no previous execution, yet the state before is not the initial state',
          receiptHash: h,
        };
    } else {
      const p = this.adopted.get(v.previous);
      if (!p) return { status: 'pending', receiptHash: h, waitingFor: 'previous' };
      if (p.codeHash !== v.receipt.codeHash || p.stateRootAfter !== v.receipt.stateRootBefore)
        return {
          status: 'refused',
          reason: 'bad_previous',
          detail: `previous ${v.previous} did not leave the state this execution started from`,
          receiptHash: h,
        };
      height = p.height + 1;
    }
    const taken = v.receipt.callId === undefined ? undefined : this.calls.get(v.receipt.callId);
    if (taken !== undefined)
      return {
        status: 'refused',
        reason: 'call_replayed',
        detail: `call ${v.receipt.callId} was already executed (receipt ${taken}); a signed call takes effect once`,
        receiptHash: h,
      };
    const ledger = this.node.ledger;
    const fresh = v.entry !== null && !ledger.has(v.entryId!);
    if (fresh && !v.entry!.parents.every((p) => ledger.has(p)))
      return { status: 'pending', receiptHash: h, waitingFor: 'parents' };
    try {
      if (fresh || v.limits.length) ledger.applyBatch(fresh ? [v.entry] : [], true, v.limits);
    } catch (err) {
      if (!(err instanceof IcnError)) throw err;
      return {
        status: 'refused',
        reason: 'ledger_rejected',
        detail: `${err.code}: ${err.message}`,
        receiptHash: h,
      };
    }
    this.adopt(
      {
        receiptHash: h,
        codeHash: v.receipt.codeHash,
        executor: v.receipt.executor,
        height,
        timestamp: BigInt(v.receipt.timestamp),
        stateRootAfter: v.receipt.stateRootAfter,
        entryId: v.entryId,
        callId: v.receipt.callId ?? null,
      },
      v.stateAfter,
    );
    return { status: 'adopted', receiptHash: h };
  }

  /**
   * `stateAfter` becomes the contract's state if `a` is its new head, and is not kept: heads only
   * move to later executions, so a replaced or non-head execution's state is never needed again
   * (the record, with its witness, stays in storage: issue 14, an index, not a copy).
   */
  private adopt(a: AdoptedExecution, stateAfter: ReadonlyMap<string, Value>): void {
    this.adopted.set(a.receiptHash, a);
    if (a.callId !== null) this.calls.set(a.callId, a.receiptHash);
    const cur = this.head(a.codeHash);
    if (!cur || later(a, cur)) {
      this.heads.set(a.codeHash, a.receiptHash);
      this.actor.runtime.setState(a.codeHash, stateAfter);
    }
    this.node.invalidateRoots();
  }

  private initialRoot(inst: Installed): Hash {
    return stateRoot(
      inst.installation.codeHash,
      inst.code.engine === 'ccl' ? initialState(inst.code.contract) : new Map(),
    );
  }

  private ops(receipt: ExecutionReceipt): LedgerOp[] {
    return receipt.ledgerOps.map((o, i) => ledgerOpFromJson(o, `$.ledgerOps[${i}]`));
  }

  // ---- proofs of misbehavior ---------------------------------------------------------------

  private accuse(receipt: ExecutionReceipt, h: Hash, witness: WitnessBundle, expected: Hash): void {
    if (receipt.executor === this.node.id || this.convicted.has(h)) return;
    const pom = buildPomFromReceipt(this.node.keypair, receipt, witness, expected);
    const report: PomReport = { format: POM_REPORT_FORMAT, pom };
    this.node.publish('governance:receipts', report);
    this.pomsPublished.inc();
  }

  /** A proof from gossip: verify it by replay (verifyPomSync) and keep the verdict. */
  handlePom(e: GossipEntry): void {
    if (this.poms.has(e.hash)) return;
    const d = e.data as Partial<PomReport>;
    let out: PomOutcome;
    if (
      Object.keys(d).sort().join(',') !== 'format,pom' ||
      d.pom === null ||
      typeof d.pom !== 'object'
    ) {
      out = {
        verdict: 'invalid',
        accused: null,
        accuser: null,
        receiptHash: null,
        detail: `a ${POM_REPORT_FORMAT} report has exactly {format, pom}`,
      };
    } else {
      const pom = d.pom;
      let v: ReturnType<typeof verifyPomSync>;
      try {
        v = verifyPomSync(pom, POM_REPLAYERS, NO_CODE);
      } catch (err) {
        if (
          !(err instanceof TypeError) &&
          !(err instanceof IcnError && err.code !== 'HARNESS_FAULT')
        )
          throw err;
        v = {
          verdict: 'invalid',
          code: err instanceof IcnError ? err.code : 'POM_FORMAT',
          reason: err.message,
        };
      }
      let rh: Hash | null = null;
      if (v.verdict !== 'invalid' && pom.evidence?.kind === 'contract-receipt')
        rh = receiptHash(receiptFromJson(pom.evidence.receipt));
      out = {
        verdict: v.verdict,
        accused: v.verdict === 'invalid' ? null : pom.claim.accused,
        accuser: v.verdict === 'invalid' ? null : pom.claim.accuser,
        receiptHash: rh,
        detail: v.reason,
      };
      if (v.verdict === 'confirmed' && rh !== null) this.convicted.add(rh);
    }
    this.poms.set(e.hash, out);
    this.pomsMetric.inc({ verdict: out.verdict });
  }
}

/** A refused record's reason and detail (the receipt hash is added by the caller). */
interface Refusal {
  reason: string;
  detail: string;
}

/** Check 1: the record's shape, its receipt and its witness parse. */
function parseRecord(e: GossipEntry):
  | ExecutionOutcome
  | {
      r: Partial<ExecutionRecord>;
      receipt: ExecutionReceipt;
      witness: WitnessBundle;
    } {
  const refuse = (detail: string): ExecutionOutcome => ({
    status: 'refused',
    reason: 'malformed',
    detail,
    receiptHash: null,
  });
  const r = e.data as Partial<ExecutionRecord>;
  const keys = Object.keys(r).sort().join(',');
  if (
    keys !== 'entry,format,previous,receipt,witness' &&
    keys !== 'call,entry,format,previous,receipt,witness'
  )
    return refuse(
      `a ${EXECUTION_RECORD_FORMAT} record has exactly {format, receipt, witness, entry, ` +
        'previous} and, for a signed call, call',
    );
  try {
    return { r, receipt: receiptFromJson(r.receipt), witness: witnessFromJson(r.witness) };
  } catch (err) {
    if (!(err instanceof IcnError)) throw err;
    return refuse(err.message);
  }
}

/** Check 3: the receipt names this node's installation and the witness carries it and its code. */
function checkInstalled(
  inst: Installed,
  receipt: ExecutionReceipt,
  witness: WitnessBundle,
): Refusal | null {
  if (inst.installationHash !== receipt.installationHash) {
    const detail =
      `receipt names installation ${receipt.installationHash}, ` +
      `this node installed ${inst.installationHash}`;
    return { reason: 'installation_mismatch', detail };
  }
  const sameCode = canonicalString(witness.code) === canonicalString(codeToJson(inst.code));
  const installation = canonicalString(installationToJson(inst.installation));
  const sameInstallation = canonicalString(witness.installation) === installation;
  if (!sameCode || !sameInstallation) {
    const detail = 'the witness does not carry the installed code and installation';
    return { reason: 'witness_mismatch', detail };
  }
  return null;
}

/** Check 5: the record's entry is exactly what the receipt's ledger ops give (or none). */
function checkRecordEntry(
  raw: unknown,
  receipt: ExecutionReceipt,
  draft: ReturnType<typeof contractLedgerEffects>['draft'],
): Refusal | { entry: JournalEntry | null; entryId: Hash | null } {
  if (draft === null) {
    if (raw !== null) {
      const detail = 'the receipt transfers nothing, the record carries an entry';
      return { reason: 'entry_mismatch', detail };
    }
    return { entry: null, entryId: null };
  }
  try {
    const c = checkEntry(raw, true);
    const want = draftBody(receipt.executor, { ...draft, parents: c.entry.parents });
    if (canonicalString(entryBody(c.entry) as never) !== canonicalString(want as never)) {
      const detail = `entry ${c.id} is not what the receipt's ledger ops give`;
      return { reason: 'entry_mismatch', detail };
    }
    return { entry: c.entry, entryId: c.id };
  } catch (err) {
    if (!(err instanceof IcnError)) throw err;
    return { reason: 'entry_mismatch', detail: err.message };
  }
}

/**
 * Check 3b: the record's signed call (see the module comment). A receipt with a callId needs the
 * call, signed by its caller, naming this receipt's executor and asking for exactly what the
 * receipt ran; a receipt without one is the executor acting as itself (caller = executor), since
 * nobody else's request can be taken without their signature.
 */
function checkRecordCall(
  raw: unknown,
  receipt: ExecutionReceipt,
): { reason: string; detail: string } | null {
  if (receipt.callId === undefined) {
    if (raw !== undefined)
      return {
        reason: 'call_mismatch',
        detail: 'the record carries a call, the receipt names none',
      };
    if (receipt.caller !== receipt.executor)
      return {
        reason: 'unsigned_call',
        detail: `${receipt.executor} executed for ${receipt.caller} without a call signed by the caller`,
      };
    return null;
  }
  if (raw === undefined)
    return {
      reason: 'call_missing',
      detail: `the receipt names call ${receipt.callId}, the record does not carry it`,
    };
  let v: VerifiedCall;
  try {
    v = verifyCall(raw);
  } catch (err) {
    if (!(err instanceof CallError)) throw err;
    return { reason: 'bad_call', detail: `${err.code}: ${err.message}` };
  }
  if (v.id !== receipt.callId)
    return {
      reason: 'call_mismatch',
      detail: `the record's call is ${v.id}, the receipt names ${receipt.callId}`,
    };
  if (v.call.executor !== receipt.executor)
    return {
      reason: 'wrong_executor',
      detail: `call ${v.id} names ${v.call.executor} as its executor, it was executed by ${receipt.executor}`,
    };
  const c = v.call;
  const fuel = c.fuelLimit ?? String(DEFAULT_FUEL);
  const differs = [
    c.codeHash !== receipt.codeHash && 'codeHash',
    c.rule !== receipt.rule && 'rule',
    argsHash(c.rule, c.args) !== receipt.argsHash && 'args',
    c.caller !== receipt.caller && 'caller',
    c.timestamp !== receipt.timestamp && 'timestamp',
    receipt.engine === 'ccl' && fuel !== receipt.fuelLimit && 'fuelLimit',
  ].filter((x): x is string => x !== false);
  if (differs.length)
    return {
      reason: 'call_mismatch',
      detail: `the receipt did not run the call as signed (${differs.join(', ')} differ)`,
    };
  return null;
}
