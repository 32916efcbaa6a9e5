/**
 * One execution, engine-independent: run the code, apply its ledger operations atomically, and
 * produce the receipt body and the witness bundle. The same function serves the node (with its
 * real ledger) and the auditor's replay (with an in-memory ledger seeded from the witness), so a
 * replay recomputes exactly what the executor computed.
 */
import type { CanonicalValue } from '../canonical/index.js';
import {
  CCL_PROFILE_HASH,
  CclError,
  execute as executeCcl,
  int,
  ledgerOpToJson,
  list,
  NONE,
  valueToJson,
  type LedgerOp,
  type Value,
} from '../ccl/index.js';
import { IcnError } from '../errors.js';
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import { trapCode } from '../wasm/errors.js';
import { codeToJson, type ContractCode } from './code.js';
import { ContractError } from './errors.js';
import { installationHash, installationToJson, type Installation } from './installation.js';
import { LedgerRejected, type LedgerPort } from './ledger-port.js';
import {
  argsHash,
  outputHash,
  RECEIPT_FORMAT,
  stateRoot,
  stateToJson,
  type Outcome,
  type ReceiptBody,
} from './receipt.js';

export const WITNESS_FORMAT = 'icn-witness/v1';
/** The ICN-DC profile WASM contracts run under. */
export const WASM_CONTRACT_PROFILE = 'dc';

export interface ExecutionInput {
  readonly code: ContractCode;
  readonly installation: Installation;
  readonly rule: string;
  readonly args: readonly Value[];
  readonly caller: string;
  /** u64 milliseconds, from the request (never a clock). */
  readonly timestamp: bigint;
  readonly fuelLimit: number;
  readonly state: ReadonlyMap<string, Value>;
  /** The signed call executed (core/contracts/call.ts callId), if any: it goes into the receipt. */
  readonly callId?: Hash;
}

/** A ledger row as it was before the ops ran (balance and credit limit of one account in one currency). */
export interface LedgerRow {
  readonly account: string;
  readonly currency: string;
  readonly balance: bigint;
  readonly creditLimit: bigint;
}

export interface WitnessBundle {
  readonly format: typeof WITNESS_FORMAT;
  readonly code: CanonicalValue;
  readonly installation: CanonicalValue;
  readonly rule: string;
  readonly args: readonly CanonicalValue[];
  readonly caller: string;
  readonly timestamp: string;
  readonly fuelLimit: number;
  readonly stateBefore: CanonicalValue;
  readonly ledgerBefore: readonly {
    account: string;
    currency: string;
    balance: string;
    creditLimit: string;
  }[];
  /** The receipt's callId (absent when the execution ran no signed call). */
  readonly callId?: Hash;
}

export interface ExecutionOutcome {
  readonly body: ReceiptBody;
  readonly witness: WitnessBundle;
  /** The state to commit (unchanged on failure). */
  readonly stateAfter: ReadonlyMap<string, Value>;
  readonly appliedOps: readonly LedgerOp[];
  /** The CCL value returned (null on failure and for WASM, whose results are in the output hash). */
  readonly value: Value | null;
  /** The typed error behind an error outcome, with its full message (the receipt keeps code and path). */
  readonly error: IcnError | null;
}

export function witnessHash(w: WitnessBundle): Hash {
  return contentHash(DOMAIN.contractWitness, w as unknown as CanonicalValue);
}

function touchedRows(ops: readonly LedgerOp[], ledger: LedgerPort): LedgerRow[] {
  const seen = new Map<string, LedgerRow>();
  const add = (account: string, currency: string) => {
    const k = `${account}\u0000${currency}`;
    if (!seen.has(k))
      seen.set(k, {
        account,
        currency,
        balance: ledger.balance(account, currency),
        creditLimit: ledger.creditLimit(account, currency),
      });
  };
  for (const op of ops) {
    if (op.k === 'LedgerTransfer') {
      add(op.from, op.currency);
      add(op.to, op.currency);
    } else add(op.account, op.currency);
  }
  return [...seen.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((e) => e[1]);
}

interface EngineResult {
  outcome: Outcome;
  output: Hash;
  fuelUsed: string;
  stateAfter: ReadonlyMap<string, Value>;
  ops: readonly LedgerOp[];
  profileHash: Hash;
  value: Value | null;
  error: IcnError | null;
}

function errorOutcome(e: IcnError): Outcome & { status: 'error' } {
  return {
    status: 'error',
    code: e.code,
    path: typeof e.details.path === 'string' ? e.details.path : null,
  };
}

function runCcl(input: ExecutionInput): EngineResult {
  if (input.code.engine !== 'ccl') throw new Error('unreachable');
  const r = executeCcl({
    contract: input.code.contract,
    rule: input.rule,
    args: input.args,
    caller: input.caller,
    state: input.state,
    capabilities: input.installation.capabilities,
    fuelLimit: input.fuelLimit,
  });
  if (!r.ok) {
    const outcome = errorOutcome(r.error);
    return {
      outcome,
      output: outputHash({ error: { code: outcome.code, path: outcome.path } }),
      fuelUsed: String(r.fuelUsed),
      stateAfter: input.state,
      ops: [],
      profileHash: CCL_PROFILE_HASH,
      value: null,
      error: r.error,
    };
  }
  return {
    outcome: { status: 'ok' },
    output: outputHash({ value: valueToJson(r.value) }),
    fuelUsed: String(r.fuelUsed),
    stateAfter: r.state,
    ops: r.ledgerOps,
    profileHash: CCL_PROFILE_HASH,
    value: r.value,
    error: null,
  };
}

async function runWasm(input: ExecutionInput): Promise<EngineResult> {
  if (input.code.engine !== 'wasm') throw new Error('unreachable');
  const { execute, readExports, profileHashOf } = await loadWasm();
  let profileHash: Hash;
  try {
    profileHash = profileHashOf(WASM_CONTRACT_PROFILE);
  } catch (e) {
    throw new ContractError(
      'ENGINE_UNAVAILABLE',
      `WASM contracts need the ICN-DC (${WASM_CONTRACT_PROFILE}) profile, which this build cannot run yet: ${(e as Error).message}`,
    );
  }
  const fail = (e: IcnError): EngineResult => {
    const outcome = errorOutcome(e);
    return {
      outcome,
      output: outputHash({ error: { code: outcome.code, path: outcome.path } }),
      fuelUsed: '0',
      stateAfter: input.state,
      ops: [],
      profileHash,
      value: null,
      error: e,
    };
  };
  let args;
  try {
    const fn = readExports(input.code.module).find(
      (x) => x.name === input.rule && x.kind === 'func',
    );
    if (!fn || fn.kind !== 'func')
      throw new ContractError(
        'CONTRACT_ARGS',
        `the module exports no function ${JSON.stringify(input.rule)}`,
        { path: null },
      );
    if (fn.sig.params.length !== input.args.length)
      throw new CclError(
        'CCL_ARITY',
        `${input.rule} takes ${fn.sig.params.length} argument(s), got ${input.args.length}`,
      );
    args = fn.sig.params.map((t, i) => {
      const v = input.args[i]!;
      if (v.t !== 'Int')
        throw new CclError('CCL_ARGS', `argument ${i} of a WASM rule must be an Int, got ${v.t}`);
      if (t === 'i64') return { type: 'i64' as const, bits: BigInt.asUintN(64, v.v) };
      if (t === 'i32' && v.v >= -(1n << 31n) && v.v < 1n << 32n)
        return { type: 'i32' as const, bits: BigInt.asUintN(32, v.v) };
      throw new CclError('CCL_ARGS', `argument ${i}: ${v.v} does not fit parameter type ${t}`);
    });
  } catch (e) {
    if (e instanceof IcnError) return fail(e);
    throw e;
  }
  try {
    const r = await execute({
      module: input.code.module,
      profile: WASM_CONTRACT_PROFILE,
      invoke: input.rule,
      args,
      fuel: BigInt(input.fuelLimit),
      createdAt: input.timestamp,
    });
    const trapped =
      r.outcome === 'completed' || r.trap === undefined
        ? null
        : { code: trapCode(r.trap), trap: r.trap };
    const outcome: Outcome =
      trapped === null ? { status: 'ok' } : { status: 'error', code: trapped.code, path: null };
    const error =
      trapped === null ? null : new IcnError(trapped.code, `the module trapped: ${trapped.trap}`);
    return {
      outcome,
      output: r.outputHash,
      fuelUsed: r.fuelUsed,
      stateAfter: input.state,
      ops: [],
      profileHash: r.profileHash,
      value: outcome.status === 'ok' ? wasmValue(r.returns) : null,
      error,
    };
  } catch (e) {
    if (e instanceof IcnError && e.code === 'WASM_PROFILE_UNAVAILABLE')
      throw new ContractError('ENGINE_UNAVAILABLE', e.message);
    if (e instanceof IcnError && e.code !== 'HARNESS_FAULT') return fail(e);
    throw e;
  }
}

/** Integer results as CCL values (i32/i64 read as signed): one result → Int, none → None, several → List. Floats stay in the output hash only. */
function wasmValue(returns: readonly string[]): Value | null {
  const ints: Value[] = [];
  for (const r of returns) {
    const m = /^(i32|i64):0x([0-9a-f]+)$/.exec(r);
    if (!m) return null;
    ints.push(int(BigInt.asIntN(m[1] === 'i32' ? 32 : 64, BigInt(`0x${m[2]}`))));
  }
  return ints.length === 0 ? NONE : ints.length === 1 ? ints[0]! : list(ints);
}

type WasmApi = {
  execute: typeof import('../wasm/exec/executor.js').execute;
  readExports: typeof import('../wasm/exec/exports.js').readExports;
  profileHashOf: (name: 'dc') => Hash;
};

async function loadWasm(): Promise<WasmApi> {
  const [ex, exp, prof] = await Promise.all([
    import('../wasm/exec/executor.js'),
    import('../wasm/exec/exports.js'),
    import('../wasm/profiles.js'),
  ]);
  return { execute: ex.execute, readExports: exp.readExports, profileHashOf: prof.profileHash };
}

/**
 * Run one execution against `ledger` (whose rows are applied to only when the code succeeded, and
 * then atomically). Throws only ContractError ENGINE_UNAVAILABLE or a harness fault; everything a
 * contract or its inputs can do is an outcome in the receipt body.
 */
export async function runExecution(
  input: ExecutionInput,
  ledger: LedgerPort,
  executor: string,
): Promise<ExecutionOutcome> {
  return finishExecution(
    input,
    input.code.engine === 'ccl' ? runCcl(input) : await runWasm(input),
    ledger,
    executor,
  );
}

/**
 * runExecution for CCL code, synchronously (the same function underneath): what a node uses to
 * replay a gossiped execution inside its synchronous apply path. WASM code is refused
 * (ENGINE_UNAVAILABLE): its executor is asynchronous, and WASM rules change no shared state.
 */
export function runExecutionSync(
  input: ExecutionInput,
  ledger: LedgerPort,
  executor: string,
): ExecutionOutcome {
  if (input.code.engine !== 'ccl')
    throw new ContractError(
      'ENGINE_UNAVAILABLE',
      `synchronous execution runs CCL only, not ${input.code.engine}`,
    );
  return finishExecution(input, runCcl(input), ledger, executor);
}

function finishExecution(
  input: ExecutionInput,
  r: EngineResult,
  ledger: LedgerPort,
  executor: string,
): ExecutionOutcome {
  const codeHash = input.installation.codeHash;
  let { outcome, output, stateAfter, value, error } = r;
  let applied: readonly LedgerOp[] = [];
  const rows = touchedRows(r.ops, ledger);
  if (outcome.status === 'ok' && r.ops.length > 0) {
    try {
      ledger.applyAtomically(r.ops, {
        codeHash,
        rule: input.rule,
        caller: input.caller,
        timestamp: input.timestamp,
      });
      applied = r.ops;
    } catch (e) {
      if (!(e instanceof LedgerRejected)) throw e;
      const failed = errorOutcome(e);
      outcome = failed;
      output = outputHash({ error: { code: failed.code, path: failed.path } });
      stateAfter = input.state;
      value = null;
      error = e;
    }
  }
  const argsJson = input.args.map(valueToJson);
  const witness: WitnessBundle = {
    format: WITNESS_FORMAT,
    code: codeToJson(input.code),
    installation: installationToJson(input.installation),
    rule: input.rule,
    args: argsJson,
    caller: input.caller,
    timestamp: input.timestamp.toString(),
    fuelLimit: input.fuelLimit,
    stateBefore: stateToJson(input.state),
    ledgerBefore: rows.map((x) => ({
      account: x.account,
      currency: x.currency,
      balance: x.balance.toString(),
      creditLimit: x.creditLimit.toString(),
    })),
    ...(input.callId !== undefined ? { callId: input.callId } : {}),
  };
  const body: ReceiptBody = {
    format: RECEIPT_FORMAT,
    engine: input.code.engine,
    codeHash,
    installationHash: installationHash(input.installation),
    rule: input.rule,
    argsHash: argsHash(input.rule, argsJson),
    caller: input.caller,
    timestamp: input.timestamp.toString(),
    fuelLimit: String(input.fuelLimit),
    fuelUsed: r.fuelUsed,
    outcome,
    outputHash: output,
    stateRootBefore: stateRoot(codeHash, input.state),
    stateRootAfter: stateRoot(codeHash, stateAfter),
    ledgerOps: applied.map(ledgerOpToJson),
    engineProfileHash: r.profileHash,
    executor,
    witness: witnessHash(witness),
    ...(input.callId !== undefined ? { callId: input.callId } : {}),
  };
  return { body, witness, stateAfter, appliedOps: applied, value, error };
}
