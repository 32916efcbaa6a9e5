/**
 * Proofs of misbehavior from the contract layer's own artifacts: a node's signed execution
 * receipt (core/contracts ExecutionReceipt) and the witness bundle it names.
 *
 * engine "contract": witness.inputs is core/contracts' WitnessBundle (code, installation, rule,
 * args, caller, timestamp, fuel limit, state before, ledger rows before); the replayer re-runs it
 * with core/contracts' runExecution (CCL interpreter or WASM executor) against an in-memory ledger
 * seeded from the bundle, exactly as the contracts auditor replay does.
 *
 * Output hash = contentHash(icn/pom/output/v1, {engine: "contract", receipt: the receipt body with
 * `executor` set to null}): everything the execution decides (outcome, output, fuel, state roots,
 * ledger ops, profile, witness), independent of who executed it. The accused's signature is the
 * receipt signature itself (evidence kind "contract-receipt"), so a node is held to exactly what
 * it published.
 */
import { canonicalString, dec, type CanonicalValue } from '../canonical/index.js';
import { valueFromJson, type Value } from '../ccl/index.js';
import { codeFromJson, codeHash } from '../contracts/code.js';
import {
  runExecution,
  runExecutionSync,
  witnessHash as contractWitnessHash,
  type ExecutionOutcome,
  type WitnessBundle as ContractWitness,
} from '../contracts/execution.js';
import { installationFromJson } from '../contracts/installation.js';
import { InMemoryLedger } from '../contracts/ledger-port.js';
import { witnessFromJson } from '../contracts/replay.js';
import {
  receiptBodyToJson,
  receiptFromJson,
  receiptToJson,
  verifyReceipt,
  type ExecutionReceipt,
  type ReceiptBody,
} from '../contracts/receipt.js';
import { IcnError } from '../errors.js';
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import type { Replayer } from './replayer.js';
import { WITNESS_VERSION, type WitnessBundle } from './types.js';

const ZERO_ENTROPY = '0'.repeat(64);

/** The executor-independent hash of what an execution decided (see the module comment). */
export function contractOutputHash(body: ReceiptBody): Hash {
  return contentHash(DOMAIN.pomOutput, {
    engine: 'contract',
    receipt: { ...(receiptBodyToJson(body) as Record<string, CanonicalValue>), executor: null },
  });
}

/** The PoM witness for a contracts witness bundle (the profile comes from the receipt under dispute). */
export function contractWitness(bundle: ContractWitness, engineProfileHash: Hash): WitnessBundle {
  return {
    version: WITNESS_VERSION,
    engine: 'contract',
    code_hash: codeHash(codeFromJson(bundle.code, '$.code')),
    inputs: JSON.parse(canonicalString(bundle)) as CanonicalValue,
    fuel_limit: String(bundle.fuelLimit),
    timestamp: bundle.timestamp,
    entropy: ZERO_ENTROPY,
    profile_hash: engineProfileHash,
  };
}

export const contractReplayer: Replayer = {
  engine: 'contract',
  /** Synchronous for CCL bundles (runExecutionSync: usable by verifyPomSync); a promise for WASM. */
  replay(w: WitnessBundle): Hash | Promise<Hash> {
    const bundle = w.inputs as unknown as ContractWitness;
    if (
      bundle === null ||
      typeof bundle !== 'object' ||
      (bundle as { format?: unknown }).format !== 'icn-witness/v1'
    ) {
      throw new IcnError(
        'POM_FORMAT',
        'contract witness inputs must be a core/contracts icn-witness/v1 bundle',
      );
    }
    witnessFromJson(bundle); // every field's shape (WITNESS_MALFORMED), before anything reads them
    const code = codeFromJson(bundle.code, '$.inputs.code');
    if (codeHash(code) !== w.code_hash)
      throw new IcnError(
        'POM_CODE_MISMATCH',
        `the bundle's code hashes to ${codeHash(code)}, not ${w.code_hash}`,
      );
    if (String(bundle.fuelLimit) !== w.fuel_limit || bundle.timestamp !== w.timestamp)
      throw new IcnError('POM_FORMAT', 'fuel_limit/timestamp differ from the bundle');
    const parsed = installationFromJson(bundle.installation, '$.inputs.installation');
    if (!parsed.ok) throw new IcnError('POM_FORMAT', parsed.detail);
    const state = new Map<string, Value>();
    const sb = bundle.stateBefore as Record<string, unknown>;
    for (const k of Object.keys(sb).sort())
      state.set(k, valueFromJson(sb[k], `$.inputs.stateBefore.${k}`));
    const ledger = new InMemoryLedger();
    for (const row of bundle.ledgerBefore) {
      ledger.setBalance(row.account, row.currency, dec.i64(row.balance));
      ledger.setCreditLimit(row.account, row.currency, dec.i64(row.creditLimit));
    }
    const args = bundle.args.map((a, i) => valueFromJson(a, `$.inputs.args[${i}]`));
    // The executor named in the recomputed body is irrelevant: contractOutputHash nulls it.
    const input = {
      code,
      installation: parsed.value,
      rule: bundle.rule,
      args,
      caller: bundle.caller,
      timestamp: dec.u64(bundle.timestamp),
      fuelLimit: bundle.fuelLimit,
      state,
      ...(bundle.callId !== undefined ? { callId: bundle.callId } : {}),
    };
    const judge = (out: ExecutionOutcome): Hash => {
      if (out.body.engineProfileHash !== w.profile_hash)
        throw new IcnError(
          'POM_PROFILE_MISMATCH',
          `this node runs profile ${out.body.engineProfileHash}, the witness names ${w.profile_hash}`,
        );
      return contractOutputHash(out.body);
    };
    return code.engine === 'ccl'
      ? judge(runExecutionSync(input, ledger, ''))
      : runExecution(input, ledger, '').then(judge);
  },
};

/** What verifyPom checks for evidence of kind "contract-receipt"; returns why it fails, or null. */
export function checkReceiptEvidence(
  receiptJson: unknown,
  accused: string,
  witness: WitnessBundle,
  actualOutputHash: Hash,
): string | null {
  let r: ExecutionReceipt;
  try {
    r = receiptFromJson(receiptJson);
  } catch (e) {
    return `the receipt is malformed: ${(e as Error).message}`;
  }
  if (r.executor !== accused)
    return `the receipt was issued by ${r.executor}, not the accused ${accused}`;
  if (!verifyReceipt(r)) return 'the receipt signature does not verify';
  if (contractOutputHash(r) !== actualOutputHash)
    return `the receipt's output hash is ${contractOutputHash(r)}, the proof says ${actualOutputHash}`;
  if (
    witness.engine !== 'contract' ||
    r.witness !== contractWitnessHash(witness.inputs as unknown as ContractWitness)
  )
    return 'the receipt names another witness bundle';
  return null;
}

export { receiptToJson };
