/**
 * A caller-signed contract call, built and signed by the core's own functions
 * (core/daemon/contract-call.ts: makeCall, signCall), never by hand here: when the call format
 * changes in core, icnctl follows. The key stays in this process; only the signed call is sent.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs, type Value } from '../ccl/index.js';
import {
  makeCall,
  signCall,
  signedCallToJson,
  verifyCall,
  type SignedCall,
} from '../daemon/contract-call.js';
import { IcnError } from '../errors.js';
import type { Hash } from '../hash/index.js';
import { Did, type Keypair } from '../identity/index.js';
import { CtlError } from './errors.js';
import { readJson, writeAtomic } from './files.js';

/** ARGS as given on the command line: a JSON array of CCL values (bare ints, bools, strings, or tagged). */
export function parseCallArgs(text: string): Value[] {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new CtlError(
      'CTL_ARGS',
      `ARGS ${JSON.stringify(text.slice(0, 80))}: not JSON (${(e as Error).message}); expected an array such as '[5, 3]' or '[{"Int": "5"}]'`,
    );
  }
  if (!Array.isArray(x))
    throw new CtlError(
      'CTL_ARGS',
      `ARGS ${JSON.stringify(text.slice(0, 80))}: expected a JSON array of arguments, such as '[5, 3]'`,
    );
  try {
    return parseArgs(x, 'ARGS');
  } catch (e) {
    if (e instanceof IcnError) throw new CtlError('CTL_ARGS', e.message);
    throw e;
  }
}

/**
 * `executor` is the DID of the node the call is sent to: a call format that names its executor
 * (one effect per signed call, issue 14) takes it from here; one that does not ignores it. The
 * fields go to makeCall as they are, so whatever the core's call holds is what gets signed.
 */
export function signedCall(o: {
  codeHash: Hash;
  rule: string;
  args: readonly Value[];
  key: Keypair;
  executor: string;
  nowMs: number;
  fuelLimit?: number;
  nonce?: string;
}): SignedCall {
  const fields = {
    codeHash: o.codeHash,
    rule: o.rule,
    args: o.args,
    caller: o.key.did.toString(),
    executor: o.executor,
    timestamp: BigInt(o.nowMs),
    fuelLimit: o.fuelLimit ?? null,
    // A fresh nonce per invocation: each run of `execute` is a new call (the node refuses a call id
    // it has run); --nonce with --timestamp makes a retry of the same call refused instead.
    nonce: o.nonce ?? randomBytes(16).toString('hex'),
  };
  return signCall(makeCall(fields), o.key);
}

/** --executor: a DID, checked here so a typo is a usage error, not a call signed for nobody. */
export function executorArg(text: string): string {
  try {
    return Did.parse(text).toString();
  } catch (e) {
    throw new CtlError(
      'CTL_ARGS',
      `--executor ${JSON.stringify(text.slice(0, 80))}: not a DID (${(e as Error).message})`,
    );
  }
}

/** --call-out: the exact signed call, written before it is sent (a lost answer leaves the file to resend). */
export function saveCall(file: string, call: SignedCall): void {
  writeAtomic(file, `${JSON.stringify(signedCallToJson(call), null, 2)}\n`, {
    replace: true,
    what: 'call file',
  });
}

/** --call: a saved signed call, checked here (its signature, the contract and rule it names) before it is resent. */
export function loadCall(file: string, codeHash: Hash, rule: string): SignedCall {
  const x = readJson(file, 'call file');
  let v;
  try {
    v = verifyCall(x);
  } catch (e) {
    if (e instanceof IcnError) throw new CtlError('CTL_CALL', `call file ${file}: ${e.message}`);
    throw e;
  }
  if (v.call.codeHash !== codeHash || v.call.rule !== rule)
    throw new CtlError(
      'CTL_CALL',
      `call file ${file} is a call of ${v.call.rule} on ${v.call.codeHash}, not of ${rule} on ${codeHash}`,
    );
  return { call: v.call, signature: v.signature };
}
