/**
 * A signed call: a caller's request that one named node execute a contract rule.
 *
 *   { call: { format, codeHash, rule, args, caller, executor, timestamp, fuelLimit, nonce }, signature }
 *
 * The caller signs the call (DOMAIN.contractCall) with the key behind its DID: a contract admits
 * callers by DID, so every node must know the request comes from that DID. `executor` is the DID
 * of the one node that may execute the call: any other node refuses it (CALL_WRONG_EXECUTOR) and
 * every node refuses an execution record of it by another executor. The call id
 * (`callId`, the content hash of the call, nonce and executor included) goes into the receipt, and
 * a node adopts at most one execution per call id (core/node/executions.ts). Together: a signed
 * call takes effect at most once in the network, however many nodes it is sent to.
 * `timestamp` (u64 ms, decimal) goes into the receipt; `nonce` lets one caller make the same call
 * twice on purpose.
 */
import { canonicalize, type CanonicalValue } from '../canonical/index.js';
import { valueFromJson, valueToJson, type Value } from '../ccl/index.js';
import { IcnError } from '../errors.js';
import { contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';
import { U64_MAX } from '../int-limits.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';

/** v2 added `executor`; a v1 call names no executor and is refused. */
export const CALL_FORMAT = 'icn-contract-call/v2';
/** A call's timestamp may differ from the node's clock by at most this much. */
export const CALL_MAX_SKEW_MS = 5 * 60_000;

export interface ContractCall {
  readonly format: typeof CALL_FORMAT;
  readonly codeHash: Hash;
  readonly rule: string;
  /** CCL value JSON ({"Int": 5}, …). */
  readonly args: readonly CanonicalValue[];
  readonly caller: string;
  /** The DID of the only node that may execute this call. */
  readonly executor: string;
  /** u64 ms, decimal. */
  readonly timestamp: string;
  /** Decimal fuel limit, or null for the engine's default. */
  readonly fuelLimit: string | null;
  readonly nonce: string;
}

export interface SignedCall {
  readonly call: ContractCall;
  readonly signature: string;
}

/** A verified call, decoded. */
export interface VerifiedCall {
  call: ContractCall;
  signature: string;
  id: Hash;
  args: Value[];
  timestamp: bigint;
  fuelLimit: number | undefined;
}

export type CallErrorCode =
  | 'CALL_MALFORMED'
  | 'CALL_BAD_SIGNATURE'
  | 'CALL_SIGNER'
  | 'CALL_WRONG_EXECUTOR'
  | 'CALL_REPLAYED'
  | 'CALL_STALE';

export class CallError extends IcnError<CallErrorCode> {
  override readonly name = 'CallError';
}

export function makeCall(c: {
  codeHash: Hash;
  rule: string;
  args: readonly Value[];
  caller: string;
  executor: string;
  timestamp: bigint;
  fuelLimit?: number | null;
  nonce?: string;
}): ContractCall {
  return {
    format: CALL_FORMAT,
    codeHash: c.codeHash,
    rule: c.rule,
    args: c.args.map((a) => valueToJson(a)),
    caller: c.caller,
    executor: c.executor,
    timestamp: c.timestamp.toString(),
    fuelLimit: c.fuelLimit === undefined || c.fuelLimit === null ? null : String(c.fuelLimit),
    nonce: c.nonce ?? '',
  };
}

export function signCall(call: ContractCall, caller: Keypair): SignedCall {
  if (caller.did.toString() !== call.caller)
    throw new CallError(
      'CALL_SIGNER',
      `the call names ${call.caller} as caller, the key is ${caller.did.toString()}`,
    );
  return { call, signature: caller.sign(DOMAIN.contractCall, call) };
}

/** The call's id: every field of the call (nonce and executor included), hashed. */
export function callId(call: ContractCall): Hash {
  return contentHash(DOMAIN.contractCall, call as unknown as CanonicalValue);
}

const FIELDS = [
  'args',
  'caller',
  'codeHash',
  'executor',
  'fuelLimit',
  'format',
  'nonce',
  'rule',
  'timestamp',
];

function parseDid(v: unknown, path: string, bad: (p: string, why: string) => never): Did {
  let d: Did;
  try {
    d = Did.parse(v as string);
  } catch (e) {
    return bad(path, (e as Error).message);
  }
  if (d.toString() !== v) bad(path, 'not in canonical spelling');
  return d;
}

/**
 * Parse and verify a signed call (strict shape: no unknown or missing field; `extra` names fields
 * the envelope may carry beside {call, signature}). Throws CallError CALL_MALFORMED (with the
 * field) or CALL_BAD_SIGNATURE.
 */
export function verifyCall(x: unknown, extra: readonly string[] = []): VerifiedCall {
  const bad = (path: string, why: string): never => {
    throw new CallError('CALL_MALFORMED', `${path}: ${why}`, { path });
  };
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    return bad('$', 'expected {call, signature}');
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'call' && k !== 'signature' && !extra.includes(k)) bad(`$.${k}`, 'unknown field');
  const c = o.call as Record<string, unknown>;
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    return bad('$.call', 'expected an object');
  if (c.format === 'icn-contract-call/v1')
    bad(
      '$.call.format',
      `a v1 call names no executor and could run on every node; sign a ${CALL_FORMAT} call naming the node that is to execute it`,
    );
  for (const k of Object.keys(c)) if (!FIELDS.includes(k)) bad(`$.call.${k}`, 'unknown field');
  for (const k of FIELDS) if (!(k in c)) bad(`$.call.${k}`, 'missing');
  if (c.format !== CALL_FORMAT) bad('$.call.format', `expected ${JSON.stringify(CALL_FORMAT)}`);
  if (!isHash(c.codeHash)) bad('$.call.codeHash', 'expected sha256:<64 hex>');
  if (typeof c.rule !== 'string' || c.rule.length === 0 || c.rule.length > 256)
    bad('$.call.rule', 'expected a rule name');
  if (!Array.isArray(c.args)) bad('$.call.args', 'expected an array of CCL values');
  const args = (c.args as unknown[]).map((a, i) => valueFromJson(a, `$.call.args[${i}]`));
  const caller = parseDid(c.caller, '$.call.caller', bad);
  parseDid(c.executor, '$.call.executor', bad);
  if (
    typeof c.timestamp !== 'string' ||
    !/^(0|[1-9][0-9]{0,19})$/.test(c.timestamp) ||
    BigInt(c.timestamp) > U64_MAX
  )
    bad('$.call.timestamp', 'expected a u64 decimal string');
  if (
    c.fuelLimit !== null &&
    (typeof c.fuelLimit !== 'string' || !/^[1-9][0-9]{0,14}$/.test(c.fuelLimit))
  )
    bad('$.call.fuelLimit', 'expected null or a positive decimal string');
  if (typeof c.nonce !== 'string' || c.nonce.length > 128)
    bad('$.call.nonce', 'expected a string of at most 128 characters');
  try {
    canonicalize(c);
  } catch (e) {
    bad('$.call', (e as Error).message);
  }
  const call = c as unknown as ContractCall;
  if (
    typeof o.signature !== 'string' ||
    !verifySignature(caller, DOMAIN.contractCall, call, o.signature)
  ) {
    throw new CallError(
      'CALL_BAD_SIGNATURE',
      `the signature does not verify as ${call.caller}'s over the call`,
    );
  }
  return {
    call,
    signature: o.signature,
    id: callId(call),
    args,
    timestamp: BigInt(call.timestamp),
    fuelLimit: call.fuelLimit === null ? undefined : Number(call.fuelLimit),
  };
}

/** The signed call as canonical JSON (what an execution record carries). */
export function signedCallToJson(s: { call: ContractCall; signature: string }): CanonicalValue {
  return { call: s.call as unknown as CanonicalValue, signature: s.signature };
}
