/**
 * Auditor's replay: from a witness bundle alone, recompute an execution and compare it field by
 * field with a signed receipt. Needs no node: the ledger rows the ops touched travel in the bundle.
 */
import { dec, type CanonicalValue } from '../canonical/index.js';
import { valueFromJson, valueToJson, type Value } from '../ccl/index.js';
import { IcnError } from '../errors.js';
import { codeFromJson } from './code.js';
import {
  runExecution,
  runExecutionSync,
  witnessHash,
  WITNESS_FORMAT,
  type ExecutionInput,
  type ExecutionOutcome,
  type WitnessBundle,
} from './execution.js';
import { installationFromJson } from './installation.js';
import { InMemoryLedger } from './ledger-port.js';
import {
  receiptBodyToJson,
  verifyReceipt,
  type ExecutionReceipt,
  type ReceiptBody,
} from './receipt.js';
import { canonicalString } from '../canonical/index.js';
import { isHash } from '../hash/index.js';

export interface ReplayResult {
  /** True when the signature verifies, the bundle is the one the receipt names, and every field matches. */
  readonly ok: boolean;
  readonly signatureValid: boolean;
  readonly witnessMatches: boolean;
  /** Receipt fields whose recomputed value differs, in field order. */
  readonly mismatches: readonly string[];
  readonly recomputed: ReceiptBody | null;
  /** The CCL value the re-execution returned (value JSON; null on failure, for WASM, or when it did not run). */
  readonly value?: CanonicalValue | null;
  readonly error?: string;
}

/** Check a witness bundle's shape (from JSON). Throws IcnError WITNESS_MALFORMED naming the field. */
export function witnessFromJson(x: unknown): WitnessBundle {
  const bad = (f: string, why: string): never => {
    throw new IcnError('WITNESS_MALFORMED', `$.${f}: ${why}`, { path: `$.${f}` });
  };
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    return bad('', 'a witness bundle is an object');
  const o = x as Record<string, unknown>;
  const fields = [
    'format',
    'code',
    'installation',
    'rule',
    'args',
    'caller',
    'timestamp',
    'fuelLimit',
    'stateBefore',
    'ledgerBefore',
  ];
  for (const k of Object.keys(o))
    if (!fields.includes(k) && k !== 'callId') bad(k, 'unknown field');
  for (const k of fields) if (!(k in o)) bad(k, 'missing');
  if ('callId' in o && !isHash(o.callId))
    bad('callId', 'sha256:<hex> (absent when no signed call was executed)');
  if (o.format !== WITNESS_FORMAT) bad('format', `expected ${WITNESS_FORMAT}`);
  for (const k of ['rule', 'caller', 'timestamp']) if (typeof o[k] !== 'string') bad(k, 'a string');
  if (typeof o.fuelLimit !== 'number' || !Number.isSafeInteger(o.fuelLimit))
    bad('fuelLimit', 'an integer');
  if (!Array.isArray(o.args)) bad('args', 'an array');
  if (typeof o.stateBefore !== 'object' || o.stateBefore === null || Array.isArray(o.stateBefore))
    bad('stateBefore', 'an object');
  if (!Array.isArray(o.ledgerBefore)) bad('ledgerBefore', 'an array');
  (o.ledgerBefore as unknown[]).forEach((r, i) => {
    const row = r as Record<string, unknown>;
    if (
      typeof r !== 'object' ||
      r === null ||
      ['account', 'currency', 'balance', 'creditLimit'].some((k) => typeof row[k] !== 'string')
    )
      bad(`ledgerBefore[${i}]`, '{account, currency, balance, creditLimit} strings');
  });
  return o as unknown as WitnessBundle;
}

export async function replayReceipt(
  bundle: WitnessBundle,
  receipt: ExecutionReceipt,
): Promise<ReplayResult> {
  return replayWith<Promise<ReplayResult>>(bundle, receipt, (input, ledger) =>
    runExecution(input, ledger, receipt.executor),
  );
}

/**
 * replayReceipt for CCL code, synchronously, with the state the execution leaves (what a node
 * commits after verifying a gossiped execution by replay). WASM bundles give an error result.
 */
export function replayReceiptSync(
  bundle: WitnessBundle,
  receipt: ExecutionReceipt,
): ReplayResult & { stateAfter: ReadonlyMap<string, Value> | null } {
  const after: { state: ReadonlyMap<string, Value> | null } = { state: null };
  const r = replayWith<ReplayResult>(bundle, receipt, (input, ledger) => {
    const out = runExecutionSync(input, ledger, receipt.executor);
    after.state = out.stateAfter;
    return out;
  });
  return { ...r, stateAfter: r.recomputed ? after.state : null };
}

function replayWith<R extends ReplayResult | Promise<ReplayResult>>(
  bundle: WitnessBundle,
  receipt: ExecutionReceipt,
  run: (
    input: ExecutionInput,
    ledger: InMemoryLedger,
  ) => ExecutionOutcome | Promise<ExecutionOutcome>,
): R {
  const signatureValid = verifyReceipt(receipt);
  let witnessMatches = false;
  const fail = (e: unknown): ReplayResult => {
    if (!(e instanceof IcnError)) throw e;
    return {
      ok: false,
      signatureValid,
      witnessMatches,
      mismatches: [],
      recomputed: null,
      error: `${e.code}: ${e.message}`,
    };
  };
  const compare = (out: ExecutionOutcome): ReplayResult => {
    const want = receiptBodyToJson(receipt) as Record<string, unknown>;
    const got = receiptBodyToJson(out.body) as Record<string, unknown>;
    const mismatches = Object.keys(got).filter(
      (k) => canonicalString(got[k]) !== canonicalString(want[k]),
    );
    return {
      ok: signatureValid && witnessMatches && mismatches.length === 0,
      signatureValid,
      witnessMatches,
      mismatches,
      recomputed: out.body,
      value: out.value === null ? null : valueToJson(out.value),
    };
  };
  let out: ExecutionOutcome | Promise<ExecutionOutcome>;
  try {
    witnessFromJson(bundle);
    witnessMatches = witnessHash(bundle) === receipt.witness;
    const code = codeFromJson(bundle.code, '$.code');
    const parsed = installationFromJson(bundle.installation, '$.installation');
    if (!parsed.ok) throw new IcnError('WITNESS_MALFORMED', parsed.detail);
    const state = new Map<string, Value>();
    const sb = bundle.stateBefore as Record<string, unknown>;
    for (const k of Object.keys(sb)) state.set(k, valueFromJson(sb[k], `$.stateBefore.${k}`));
    const args = bundle.args.map((a, i) => valueFromJson(a, `$.args[${i}]`));
    const ledger = new InMemoryLedger();
    for (const row of bundle.ledgerBefore) {
      ledger.setBalance(row.account, row.currency, dec.i64(row.balance));
      ledger.setCreditLimit(row.account, row.currency, dec.i64(row.creditLimit));
    }
    out = run(
      {
        code,
        installation: parsed.value,
        rule: bundle.rule,
        args,
        caller: bundle.caller,
        timestamp: dec.u64(bundle.timestamp),
        fuelLimit: bundle.fuelLimit,
        state,
        ...(bundle.callId !== undefined ? { callId: bundle.callId } : {}),
      },
      ledger,
    );
  } catch (e) {
    return fail(e) as R;
  }
  if (out instanceof Promise) return out.then(compare, fail) as R;
  return compare(out) as R;
}
