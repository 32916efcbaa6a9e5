/**
 * A byzantine executor, for tests and scenarios: the node runs a rule honestly on a read-only view
 * of its state (nothing is committed), then publishes a record whose receipt it signed wrong. The
 * honest nodes' replay must refuse it, and the first to do so proves it with a PoM.
 *
 * Tampering:
 *  - `ledger_amount`: the receipt (and the matching entry) moves 10× the first transfer's amount;
 *  - `output`: the receipt claims another return value (output hash);
 *  - `entry`: an honest receipt with an entry that credits the executor instead of the payee (no
 *    PoM: the receipt is right, the record is refused as entry_mismatch);
 *  - `replay`: an honest receipt of a signed call the node should not run (the call names another
 *    executor, or an execution of it is already adopted): refused as wrong_executor or
 *    call_replayed, so a signed call takes effect at most once whatever one node does.
 * With a signed call (`signed`, from verifyCall) the receipt carries its id and the record the call.
 *
 * And a byzantine executor of a governance decision (wrongDecisionRecord), from its proposer:
 *  - `receipt`: the receipt's tally is altered after the fact (refused: GOV_RECEIPT_MISMATCH);
 *  - `effects`: an honest receipt whose ledger entries credit the executor instead of the
 *    recipients (refused: GOV_REPLAY_MISMATCH).
 */
import { DEFAULT_FUEL, ledgerOpToJson, type LedgerOp } from '../ccl/index.js';
import {
  outputHash,
  receiptToJson,
  runExecutionSync,
  signedCallToJson,
  signReceipt,
  type ExecuteRequest,
  type LedgerPort,
  type VerifiedCall,
} from '../contracts/index.js';
import { IcnError } from '../errors.js';
import {
  Governance,
  verifyProposal,
  type DecisionReceipt,
  type SignedProposal,
} from '../governance/index.js';
import {
  checkEntry,
  contractLedgerEffects,
  I64_MAX,
  Ledger,
  signEntry,
  type JournalEntry,
} from '../ledger/index.js';
import type { NodeContracts } from './contracts.js';
import { EXECUTION_RECORD_FORMAT, type ExecutionRecord } from './executions.js';
import { GOVERNANCE_EXECUTION_FORMAT, type GovernanceExecutionRecord } from './governance.js';
import type { IcnNode } from './node.js';

export type ExecutionTamper = 'ledger_amount' | 'output' | 'entry' | 'replay';
export const EXECUTION_TAMPERS: readonly ExecutionTamper[] = [
  'ledger_amount',
  'output',
  'entry',
  'replay',
];

export function wrongExecutionRecord(
  nc: NodeContracts,
  req: ExecuteRequest,
  tamper: ExecutionTamper,
  signed?: VerifiedCall,
): ExecutionRecord {
  if (signed) req = { ...req, callId: signed.id };
  const node = nc.node;
  const inst = nc.actor.runtime.get(req.codeHash);
  if (!inst)
    throw new IcnError(
      'CONTRACT_NOT_FOUND',
      `no contract with code hash ${req.codeHash} is installed on ${node.id}`,
    );
  const view: LedgerPort = {
    balance: (a, c) => node.ledger.balance(a, c),
    creditLimit: (a, c) => node.ledger.creditLimit(a, c),
    applyAtomically: () => {},
  };
  const out = runExecutionSync(
    {
      code: inst.code,
      installation: inst.installation,
      rule: req.rule,
      args: req.args,
      caller: req.caller,
      timestamp: req.timestamp,
      fuelLimit: req.fuelLimit ?? DEFAULT_FUEL,
      state: nc.actor.runtime.state(req.codeHash)!,
      ...(req.callId !== undefined ? { callId: req.callId } : {}),
    },
    view,
    node.id,
  );
  let ops: readonly LedgerOp[] = out.appliedOps;
  let body = out.body;
  if (tamper === 'ledger_amount') {
    const i = ops.findIndex((o) => o.k === 'LedgerTransfer');
    if (i < 0)
      throw new IcnError('SCENARIO_TAMPER', 'ledger_amount needs an execution that transfers');
    ops = ops.map((o, j) =>
      j === i && o.k === 'LedgerTransfer' ? { ...o, amount: o.amount * 10n } : o,
    );
    body = { ...body, ledgerOps: ops.map(ledgerOpToJson) };
  } else if (tamper === 'output') {
    body = { ...body, outputHash: outputHash({ value: { Int: '999999' } }) };
  }
  const receipt = signReceipt(body, node.keypair);
  const fx = contractLedgerEffects(ops, {
    codeHash: req.codeHash,
    rule: req.rule,
    caller: receipt.caller,
    timestamp: req.timestamp,
  });
  let draft = fx.draft;
  if (tamper === 'entry') {
    if (!draft) throw new IcnError('SCENARIO_TAMPER', 'entry needs an execution that transfers');
    draft = {
      ...draft,
      accounts: draft.accounts.map((a) => (a.credit ? { ...a, account_id: node.id } : a)),
    };
  }
  const entry = draft ? signEntry(node.keypair, { ...draft, parents: node.ledger.heads() }) : null;
  return {
    format: EXECUTION_RECORD_FORMAT,
    receipt: receiptToJson(receipt),
    witness: out.witness,
    entry,
    previous: nc.executions?.head(req.codeHash)?.receiptHash ?? null,
    ...(signed ? { call: signedCallToJson(signed) } : {}),
  };
}

export type DecisionTamper = 'receipt' | 'effects';
export const DECISION_TAMPERS: readonly DecisionTamper[] = ['receipt', 'effects'];

export function wrongDecisionRecord(
  node: IcnNode,
  proposal: SignedProposal,
  receipt: DecisionReceipt,
  tamper: DecisionTamper,
): GovernanceExecutionRecord {
  if (tamper === 'receipt') {
    const t = receipt.tally;
    const forged = {
      ...receipt,
      tally: { ...t, against: '0', for: (BigInt(t.for) + BigInt(t.against)).toString() },
    };
    return { format: GOVERNANCE_EXECUTION_FORMAT, proposal, receipt: forged, entries: [] };
  }
  // Execute on a scratch ledger (nothing here changes), then pay the executor instead.
  const scratch = new Ledger({
    owner: node.did,
    trust: node.trust,
    minAuthorTrustPpm: 0,
    defaultCreditLimit: I64_MAX,
  });
  const honest = new Governance({ ledger: scratch, nodeKey: node.keypair }).execute(
    verifyProposal(proposal),
    receipt,
  );
  const entries: JournalEntry[] = [];
  let parents = node.ledger.heads();
  for (const id of honest.ledger_entries) {
    const e = scratch.get(id)!;
    const accounts = e.accounts.map((a) => ({
      account_id: a.credit !== null ? node.id : a.account_id,
      currency: a.currency,
      debit: a.debit === null ? null : BigInt(a.debit),
      credit: a.credit === null ? null : BigInt(a.credit),
    }));
    const forged = signEntry(node.keypair, {
      timestamp: e.timestamp,
      accounts,
      parents,
      contract_ref: e.contract_ref,
      nonce: e.nonce,
      decision_receipt_id: e.decision_receipt_id,
    });
    entries.push(forged);
    parents = [checkEntry(forged, false).id];
  }
  return { format: GOVERNANCE_EXECUTION_FORMAT, proposal, receipt, entries };
}
