/**
 * Receipts from a node: fetch a receipt with its witness, save them as the sidecar pair
 * `<hex>.receipt.json` + `<hex>.witness.json` (what `icn-harness replay FILE` reads), and verify
 * one locally by re-executing its witness (core/contracts replayReceipt): nothing the node says is
 * trusted but the bytes it hands over.
 */
import { join } from 'node:path';
import type { CanonicalValue } from '../canonical/index.js';
import {
  receiptBodyToJson,
  receiptFromJson,
  receiptHash,
  replayReceipt,
  witnessFromJson,
  witnessHash,
  type ExecutionReceipt,
} from '../contracts/index.js';
import { IcnError } from '../errors.js';
import { isHash, type Hash } from '../hash/index.js';
import type { NodeClient } from './client.js';
import { CtlError, CtlNegative } from './errors.js';
import { writeAtomic } from './files.js';

export interface FetchedReceipt {
  receiptHash: Hash;
  /** `executed` here, or `adopted` from another node's gossiped execution record. */
  source: string;
  receipt: CanonicalValue;
  witness: CanonicalValue | null;
}

export function hashArg(what: string, s: string): Hash {
  if (!isHash(s))
    throw new CtlError(
      'CTL_ARGS',
      `${what} ${JSON.stringify(s.slice(0, 80))}: expected sha256:<64 hex>`,
    );
  return s;
}

/** GET the receipt and (when the node has it) its witness. `needWitness`: a node without it is an error. */
export async function fetchReceipt(
  client: NodeClient,
  hash: Hash,
  needWitness: boolean,
): Promise<FetchedReceipt> {
  const r = await client.get<{
    receipt: CanonicalValue;
    source?: string;
    witnessAvailable?: boolean;
  }>(`/receipts/${hash}`, { receipt: 'object' });
  const parsed = parseReceipt(r.receipt, `${client.base}/receipts/${hash}`);
  if (receiptHash(parsed) !== hash)
    throw new CtlNegative(
      'CTL_RECEIPT_HASH',
      `${client.base} answered for ${hash} with a receipt whose hash is ${receiptHash(parsed)}`,
    );
  let witness: CanonicalValue | null = null;
  if (r.witnessAvailable !== false) {
    try {
      witness = (
        await client.get<{ witness: CanonicalValue }>(`/receipts/${hash}/witness`, {
          witness: 'object',
        })
      ).witness;
    } catch (e) {
      if (!(e instanceof CtlError) || !['WITNESS_NOT_FOUND', 'HTTP_NOT_FOUND'].includes(e.code))
        throw e;
    }
  }
  if (needWitness && witness === null)
    throw new CtlError(
      'CTL_NO_WITNESS',
      `${client.base} serves receipt ${hash} without its witness bundle: it cannot be re-executed (ask the node that executed it)`,
    );
  return { receiptHash: hash, source: r.source ?? 'executed', receipt: r.receipt, witness };
}

export function parseReceipt(x: unknown, where: string): ExecutionReceipt {
  try {
    return receiptFromJson(x);
  } catch (e) {
    if (e instanceof IcnError)
      throw new CtlError('CTL_RECEIPT', `${where}: not a receipt: ${e.message}`);
    throw e;
  }
}

/** Write the pair into `dir` (replacing an earlier copy of the same receipt). */
export function saveReceipt(dir: string, f: FetchedReceipt): string[] {
  const stem = join(dir, f.receiptHash.slice('sha256:'.length));
  const files = [`${stem}.receipt.json`];
  writeAtomic(files[0]!, `${JSON.stringify(f.receipt, null, 2)}\n`, {
    replace: true,
    what: 'receipt',
  });
  if (f.witness !== null) {
    files.push(`${stem}.witness.json`);
    writeAtomic(files[1]!, `${JSON.stringify(f.witness, null, 2)}\n`, {
      replace: true,
      what: 'witness',
    });
  }
  return files;
}

export function receiptLines(r: ExecutionReceipt): string[] {
  const outcome =
    r.outcome.status === 'ok'
      ? 'ok'
      : `error ${r.outcome.code}${r.outcome.path ? ` at ${r.outcome.path}` : ''}`;
  return [
    `receipt ${receiptHash(r)}`,
    `  ${r.engine} ${r.codeHash} rule ${r.rule}, caller ${r.caller}`,
    `  outcome ${outcome}; fuel ${r.fuelUsed}/${r.fuelLimit}; output ${r.outputHash}`,
    `  state ${r.stateRootBefore} -> ${r.stateRootAfter}; ledger ops ${r.ledgerOps.length}`,
    `  executor ${r.executor} at ${r.timestamp}`,
  ];
}

export interface Verification {
  verdict: 'REPRODUCED' | 'MISMATCH';
  receiptHash: Hash;
  /** Fields whose re-executed value differs (or `signature`, `witness`, `execution`). */
  mismatches: { field: string; receipt: string | null; replayed: string | null }[];
  /** What the rule returned, from this re-execution (CCL value JSON; null for WASM or on failure). */
  value: CanonicalValue | null;
}

/** Re-execute the witness locally and compare with the receipt, field by field. */
export async function verifyFetched(f: FetchedReceipt): Promise<Verification> {
  const receipt = parseReceipt(f.receipt, f.receiptHash);
  let witness;
  try {
    witness = witnessFromJson(f.witness);
  } catch (e) {
    if (e instanceof IcnError)
      throw new CtlError('CTL_WITNESS', `the witness of ${f.receiptHash}: ${e.message}`);
    throw e;
  }
  const r = await replayReceipt(witness, receipt);
  const show = (v: unknown) =>
    v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);
  const mismatches: Verification['mismatches'] = [];
  if (!r.signatureValid)
    mismatches.push({
      field: 'signature',
      receipt: receipt.signature,
      replayed: `does not verify as ${receipt.executor}'s`,
    });
  if (!r.witnessMatches)
    mismatches.push({ field: 'witness', receipt: receipt.witness, replayed: witnessHash(witness) });
  if (r.recomputed) {
    const want = receiptBodyToJson(receipt) as Record<string, unknown>;
    const got = receiptBodyToJson(r.recomputed) as Record<string, unknown>;
    for (const k of r.mismatches)
      if (k !== 'witness')
        mismatches.push({ field: k, receipt: show(want[k]), replayed: show(got[k]) });
  }
  if (r.error)
    mismatches.push({ field: 'execution', receipt: 'the witness re-executes', replayed: r.error });
  return {
    verdict: r.ok ? 'REPRODUCED' : 'MISMATCH',
    receiptHash: f.receiptHash,
    mismatches,
    value: r.value ?? null,
  };
}
