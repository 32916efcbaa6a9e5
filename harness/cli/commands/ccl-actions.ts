/** What `icn-harness ccl exec | replay | validate` do (their options: ccl.ts). */
import {
  canonicalize,
  canonicalString,
  dec,
  parseStrictJson,
} from '../../../core/canonical/index.js';
import {
  CclError,
  contractToJson,
  loadContract,
  MAX_FUEL,
  showValue,
  valueToJson,
} from '../../../core/ccl/index.js';
import {
  codeHash,
  ContractError,
  legacyCodeHashOf,
  receiptFromJson,
  receiptHash,
  receiptToJson,
  replayReceipt,
  sandboxExecute,
  witnessFromJson,
} from '../../../core/contracts/index.js';
import { IcnError } from '../../../core/errors.js';
import { Keypair } from '../../../core/identity/index.js';
import { readJsonFile, UsageError } from '../../io/files.js';
import { EXIT } from '../exit.js';
import { parsePositiveInt } from '../options.js';
import { DEFAULT_EXECUTOR_SEED, type ExecOptions } from './ccl-options.js';

type SandboxRequest = Parameters<typeof sandboxExecute>[0];
type SandboxResult = Awaited<ReturnType<typeof sandboxExecute>>;

/** A JSON flag's text, strictly parsed; bad JSON is bad input naming the flag. */
function jsonFlag(flag: string, text: string): unknown {
  try {
    return parseStrictJson(text, flag);
  } catch (e) {
    throw new UsageError('USAGE_JSON', `${flag}: ${(e as Error).message}`);
  }
}

/** The files and flags of `ccl exec` read and checked, as the sandbox's request. */
function execRequest(file: string, o: ExecOptions): SandboxRequest {
  const contract = readJsonFile(file);
  const args = jsonFlag('--args', o.args);
  const state = o.state === undefined ? undefined : readJsonFile(o.state);
  const ledger = o.ledger === undefined ? undefined : readJsonFile(o.ledger);
  const capabilities =
    o.capabilities === undefined ? undefined : jsonFlag('--capabilities', o.capabilities);
  const fuel = o.fuel === undefined ? undefined : parsePositiveInt('--fuel', o.fuel, MAX_FUEL);
  if (!/^(0|[1-9][0-9]*)$/.test(o.timestamp) || BigInt(o.timestamp) >= 1n << 64n)
    throw new UsageError(
      'USAGE_INT',
      `--timestamp ${JSON.stringify(o.timestamp)}: a u64 decimal (milliseconds)`,
    );
  let executor;
  try {
    executor = Keypair.fromSeed(dec.bytes(o.executorSeed));
  } catch (e) {
    throw new UsageError(
      'USAGE_SEED',
      `--executor-seed: ${(e as Error).message} (64 lowercase hex characters)`,
    );
  }
  return {
    contract,
    rule: o.rule,
    args,
    caller: o.caller,
    state,
    fuel,
    timestamp: BigInt(o.timestamp),
    capabilities,
    ledger,
    executor,
  };
}

/** The signed receipt as JSON (--json) or as a few labelled lines and its canonical JSON. */
function printExec(r: SandboxResult, contract: unknown, o: ExecOptions): void {
  const rc = r.receipt;
  const hash = receiptHash(rc);
  const error = r.error
    ? {
        code: r.error.code,
        message: r.error.message,
        path: rc.outcome.status === 'error' ? rc.outcome.path : null,
      }
    : null;
  if (o.json) {
    process.stdout.write(
      `${canonicalString({ receiptHash: hash, value: r.value ? valueToJson(r.value) : null, error, receipt: receiptToJson(rc), witness: r.witness as never })}\n`,
    );
    return;
  }
  const name = (contract as { name?: unknown }).name;
  process.stdout.write(
    `${String(name)}.${o.rule} → ${r.value ? showValue(r.value) : rc.outcome.status === 'ok' ? 'None' : `error ${error?.code}`}\n`,
  );
  if (error) process.stdout.write(`error     ${error.message}\n`);
  process.stdout.write(`fuel      ${rc.fuelUsed} / ${rc.fuelLimit}\n`);
  if (rc.ledgerOps.length > 0) process.stdout.write(`ledger    ${canonicalString(rc.ledgerOps)}\n`);
  process.stdout.write(`state     ${rc.stateRootBefore} → ${rc.stateRootAfter}\n`);
  process.stdout.write(
    `executor  ${rc.executor}${o.executorSeed === DEFAULT_EXECUTOR_SEED ? ' (well-known test key)' : ''}\n`,
  );
  process.stdout.write(`receipt   ${hash}\n${canonicalString(receiptToJson(rc))}\n`);
}

export async function cclExec(file: string, o: ExecOptions): Promise<number> {
  const req = execRequest(file, o);
  let r;
  try {
    r = await sandboxExecute(req);
  } catch (e) {
    if (e instanceof ContractError && e.code === 'CONTRACT_UNAUTHORIZED') {
      process.stderr.write(`icn-harness ccl exec: ${e.code}: ${e.message}\n`);
      return EXIT.negative;
    }
    // A contract, argument or state that does not parse is bad input (exit 2), with its path.
    if (e instanceof CclError || e instanceof IcnError)
      throw new UsageError(e.code, `${file}: ${e.message}`, e.details);
    throw e;
  }
  printExec(r, req.contract, o);
  return r.receipt.outcome.status === 'ok' ? EXIT.ok : EXIT.negative;
}

/** Replay an execution from its witness bundle alone and compare with the signed receipt. */
export async function cclReplay(file: string, o: { json?: boolean }): Promise<number> {
  const doc = readJsonFile(file) as Record<string, unknown> | null;
  if (typeof doc !== 'object' || doc === null || !('receipt' in doc) || !('witness' in doc))
    throw new UsageError(
      'USAGE_INPUT',
      `${file}: expected an object with "receipt" and "witness" (the output of ccl exec --json)`,
    );
  // `ccl exec --json` output: its top-level fields are checked against the receipt first
  if (Object.keys(doc).some((k) => k !== 'receipt' && k !== 'witness'))
    await (await import('../../replay/replayers.js')).checkExecOutput(doc, file);
  const receipt = receiptFromJson(doc.receipt);
  const witness = witnessFromJson(doc.witness);
  const r = await replayReceipt(witness, receipt);
  const out = {
    result: r.ok ? 'REPRODUCED' : 'MISMATCH',
    receiptHash: receiptHash(receipt),
    signatureValid: r.signatureValid,
    witnessMatches: r.witnessMatches,
    mismatches: [...r.mismatches],
    error: r.error ?? null,
  };
  if (o.json) process.stdout.write(`${canonicalString(out)}\n`);
  else {
    process.stdout.write(
      `${out.result} ${out.receiptHash}\nsignature ${r.signatureValid ? 'valid' : 'INVALID'} (executor ${receipt.executor})\nwitness   ${r.witnessMatches ? 'is the one the receipt names' : 'DOES NOT MATCH the receipt'}\n`,
    );
    if (r.mismatches.length > 0) process.stdout.write(`differs   ${r.mismatches.join(', ')}\n`);
    if (r.error) process.stdout.write(`error     ${r.error}\n`);
  }
  return r.ok ? EXIT.ok : EXIT.negative;
}

/** Parse and validate a contract; its code hashes (exit 1 and the path when invalid). */
export function cclValidate(file: string, o: { json?: boolean }): number {
  const doc = readJsonFile(file);
  try {
    const c = loadContract(doc);
    const out = {
      ok: true,
      name: c.name,
      codeHash: codeHash({ engine: 'ccl', contract: c }),
      legacyCodeHash: legacyCodeHashOf(c),
      participants: c.participants.length,
      stateVars: c.stateVars.map((v) => v.name),
      rules: c.rules.map((r) => `${r.name}(${r.params.join(', ')})`),
      canonicalBytes: canonicalize(contractToJson(c)).length,
    };
    if (o.json) process.stdout.write(`${canonicalString(out)}\n`);
    else
      process.stdout.write(
        `valid     ${c.name}: ${c.rules.length} rule(s): ${out.rules.join(', ')}\ncodeHash  ${out.codeHash}\nlegacy    ${out.legacyCodeHash} (ICN's hash; ignores the rules)\nsize      ${out.canonicalBytes} canonical bytes\n`,
      );
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof CclError)) throw e;
    const error = {
      code: e.code,
      path: typeof e.details.path === 'string' ? e.details.path : null,
      message: e.message,
    };
    if (o.json) process.stdout.write(`${canonicalString({ ok: false, error })}\n`);
    else
      process.stderr.write(`icn-harness ccl validate: ${file}: invalid: ${e.code}: ${e.message}\n`);
    return EXIT.negative;
  }
}
