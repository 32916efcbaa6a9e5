/**
 * Execution receipts: what an executor signs about one rule execution, for CCL and WASM alike.
 *
 * Everything in a receipt comes from the request and the execution, never from a clock: the
 * timestamp is the request's; the executor's key is its node key (fixed seeds in tests), and
 * Ed25519 is deterministic, so the same execution gives byte-identical receipts everywhere.
 * `receiptHash` is the content hash of the body (all fields but the signature); the signature is
 * the executor's over that hash. `witness` is the hash of the witness bundle: everything a replay
 * needs (code, installation, arguments, state before, the ledger rows the ops touched).
 */
import type { CanonicalValue } from '../canonical/index.js';
import { valueToJson, type Value } from '../ccl/index.js';
import { IcnError } from '../errors.js';
import { contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';

export const RECEIPT_FORMAT = 'icn-receipt/v1';

export type Outcome =
  | { readonly status: 'ok' }
  | { readonly status: 'error'; readonly code: string; readonly path: string | null };

export interface ReceiptBody {
  readonly format: typeof RECEIPT_FORMAT;
  readonly engine: 'ccl' | 'wasm';
  readonly codeHash: Hash;
  readonly installationHash: Hash;
  readonly rule: string;
  readonly argsHash: Hash;
  readonly caller: string;
  /** u64 milliseconds, from the request. */
  readonly timestamp: string;
  /** Decimal strings (WASM fuel is u64). */
  readonly fuelLimit: string;
  readonly fuelUsed: string;
  readonly outcome: Outcome;
  readonly outputHash: Hash;
  readonly stateRootBefore: Hash;
  readonly stateRootAfter: Hash;
  /** Ledger operations applied (empty when the execution failed). */
  readonly ledgerOps: readonly CanonicalValue[];
  readonly engineProfileHash: Hash;
  readonly executor: string;
  readonly witness: Hash;
  /**
   * The id of the signed call executed (core/contracts/call.ts), when the execution ran one; absent
   * for an execution without a call (the sandbox, a node's local use). Distinct calls, e.g. two
   * read-only calls in the same millisecond with different nonces, give distinct receipts.
   */
  readonly callId?: Hash;
}

export interface ExecutionReceipt extends ReceiptBody {
  readonly signature: string;
}

/** Hash of a state: sorted keys → canonical values, bound to the code it belongs to. */
export function stateRoot(codeHash: Hash, state: ReadonlyMap<string, Value>): Hash {
  return contentHash(DOMAIN.cclState, { codeHash, state: stateToJson(state) });
}

export function stateToJson(state: ReadonlyMap<string, Value>): CanonicalValue {
  const o: Record<string, CanonicalValue> = Object.create(null);
  for (const k of [...state.keys()].sort()) o[k] = valueToJson(state.get(k)!);
  return o;
}

export function argsHash(rule: string, args: readonly CanonicalValue[]): Hash {
  return contentHash(DOMAIN.cclArgs, { rule, args: [...args] });
}

/** Hash of what the execution produced: the returned value, or the error (code + path). */
export function outputHash(
  output: { value: CanonicalValue } | { error: { code: string; path: string | null } },
): Hash {
  return contentHash(DOMAIN.cclOutput, output);
}

export function receiptBodyToJson(b: ReceiptBody): CanonicalValue {
  return {
    format: b.format,
    engine: b.engine,
    codeHash: b.codeHash,
    installationHash: b.installationHash,
    rule: b.rule,
    argsHash: b.argsHash,
    caller: b.caller,
    timestamp: b.timestamp,
    fuelLimit: b.fuelLimit,
    fuelUsed: b.fuelUsed,
    outcome:
      b.outcome.status === 'ok'
        ? { status: 'ok' }
        : { status: 'error', code: b.outcome.code, path: b.outcome.path },
    outputHash: b.outputHash,
    stateRootBefore: b.stateRootBefore,
    stateRootAfter: b.stateRootAfter,
    ledgerOps: [...b.ledgerOps],
    engineProfileHash: b.engineProfileHash,
    executor: b.executor,
    witness: b.witness,
    ...(b.callId !== undefined ? { callId: b.callId } : {}),
  };
}

export function receiptHash(b: ReceiptBody): Hash {
  return contentHash(DOMAIN.executionReceipt, receiptBodyToJson(b));
}

export function signReceipt(b: ReceiptBody, executor: Keypair): ExecutionReceipt {
  if (executor.did.toString() !== b.executor)
    throw new IcnError(
      'RECEIPT_SIGNER',
      `receipt names executor ${b.executor}, key is ${executor.did.toString()}`,
    );
  return { ...b, signature: executor.sign(DOMAIN.executionReceipt, { receipt: receiptHash(b) }) };
}

export function verifyReceipt(r: ExecutionReceipt): boolean {
  try {
    return verifySignature(
      Did.parse(r.executor),
      DOMAIN.executionReceipt,
      { receipt: receiptHash(r) },
      r.signature,
    );
  } catch {
    return false;
  }
}

export function receiptToJson(r: ExecutionReceipt): CanonicalValue {
  return { ...(receiptBodyToJson(r) as Record<string, CanonicalValue>), signature: r.signature };
}

/** Parse a receipt's JSON (strict shape). Throws IcnError RECEIPT_MALFORMED with the field. */
export function receiptFromJson(x: unknown): ExecutionReceipt {
  const bad = (f: string, why: string): never => {
    throw new IcnError('RECEIPT_MALFORMED', `$.${f}: ${why}`, { path: `$.${f}` });
  };
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    return bad('', 'a receipt is an object');
  const o = x as Record<string, unknown>;
  const hashes = [
    'codeHash',
    'installationHash',
    'argsHash',
    'outputHash',
    'stateRootBefore',
    'stateRootAfter',
    'engineProfileHash',
    'witness',
  ];
  const strings = ['rule', 'caller', 'timestamp', 'fuelLimit', 'fuelUsed', 'executor', 'signature'];
  const all = ['format', 'engine', 'outcome', 'ledgerOps', ...hashes, ...strings];
  for (const k of Object.keys(o)) if (!all.includes(k) && k !== 'callId') bad(k, 'unknown field');
  for (const k of all) if (!(k in o)) bad(k, 'missing');
  if ('callId' in o && !isHash(o.callId))
    bad('callId', 'sha256:<hex> (absent when no signed call was executed)');
  if (o.format !== RECEIPT_FORMAT) bad('format', `expected ${RECEIPT_FORMAT}`);
  if (o.engine !== 'ccl' && o.engine !== 'wasm') bad('engine', 'ccl or wasm');
  for (const h of hashes) if (!isHash(o[h])) bad(h, 'sha256:<hex>');
  for (const s of strings) if (typeof o[s] !== 'string') bad(s, 'a string');
  if (!Array.isArray(o.ledgerOps)) bad('ledgerOps', 'an array');
  const oc = o.outcome as Record<string, unknown> | null;
  let outcome: Outcome;
  if (oc && oc.status === 'ok' && Object.keys(oc).length === 1) outcome = { status: 'ok' };
  else if (
    oc &&
    oc.status === 'error' &&
    typeof oc.code === 'string' &&
    (oc.path === null || typeof oc.path === 'string')
  )
    outcome = { status: 'error', code: oc.code, path: oc.path as string | null };
  else return bad('outcome', '{status:"ok"} or {status:"error", code, path}');
  return { ...(o as unknown as ExecutionReceipt), outcome };
}
