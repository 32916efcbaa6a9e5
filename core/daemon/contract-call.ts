/**
 * A signed request to execute a contract rule through icn-node's HTTP API.
 *
 *   { call: { format, codeHash, rule, args, caller, timestamp, fuelLimit, nonce }, signature }
 *
 * The caller signs the call (DOMAIN.contractCall) with the key behind its DID: a contract admits
 * callers by DID (participants, min_caller_trust), so the node must know the request comes from
 * that DID, not from whoever can reach the port. `timestamp` (u64 ms, decimal) goes into the
 * receipt; the node refuses a call too far from its own clock and a call it has already run
 * (by call id), so a captured request cannot be replayed. `nonce` lets one caller make the same
 * call twice on purpose.
 */
import { canonicalize, type CanonicalValue } from '../canonical/index.js';
import { valueFromJson, valueToJson, type Value } from '../ccl/index.js';
import { contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import { IcnError } from '../errors.js';

export const CALL_FORMAT = 'icn-contract-call/v1';
/** A call's timestamp may differ from the node's clock by at most this much. */
export const CALL_MAX_SKEW_MS = 5 * 60_000;
const U64_MAX = (1n << 64n) - 1n;

export interface ContractCall {
  readonly format: typeof CALL_FORMAT;
  readonly codeHash: Hash;
  readonly rule: string;
  /** CCL value JSON ({"Int": 5}, …). */
  readonly args: readonly CanonicalValue[];
  readonly caller: string;
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

export class CallError extends IcnError {
  override readonly name = 'CallError';
}

export function makeCall(c: { codeHash: Hash; rule: string; args: readonly Value[]; caller: string; timestamp: bigint; fuelLimit?: number | null; nonce?: string }): ContractCall {
  return {
    format: CALL_FORMAT,
    codeHash: c.codeHash,
    rule: c.rule,
    args: c.args.map((a) => valueToJson(a)),
    caller: c.caller,
    timestamp: c.timestamp.toString(),
    fuelLimit: c.fuelLimit === undefined || c.fuelLimit === null ? null : String(c.fuelLimit),
    nonce: c.nonce ?? '',
  };
}

export function signCall(call: ContractCall, caller: Keypair): SignedCall {
  if (caller.did.toString() !== call.caller) throw new CallError('CALL_SIGNER', `the call names ${call.caller} as caller, the key is ${caller.did.toString()}`);
  return { call, signature: caller.sign(DOMAIN.contractCall, call) };
}

/** The call's id: what the node remembers to refuse a replay. */
export function callId(call: ContractCall): Hash {
  return contentHash(DOMAIN.contractCall, call as unknown as CanonicalValue);
}

const FIELDS = ['args', 'caller', 'codeHash', 'format', 'fuelLimit', 'nonce', 'rule', 'timestamp'];

/**
 * Parse and verify a signed call (strict shape: no unknown or missing field). Throws CallError
 * CALL_MALFORMED (with the field) or CALL_BAD_SIGNATURE; returns the decoded request parts.
 */
export function verifyCall(x: unknown): { call: ContractCall; id: Hash; args: Value[]; timestamp: bigint; fuelLimit: number | undefined } {
  const bad = (path: string, why: string): never => {
    throw new CallError('CALL_MALFORMED', `${path}: ${why}`, { path });
  };
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return bad('$', 'expected {call, signature}');
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'call' && k !== 'signature' && k !== 'at') bad(`$.${k}`, 'unknown field');
  const c = o.call as Record<string, unknown>;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return bad('$.call', 'expected an object');
  for (const k of Object.keys(c)) if (!FIELDS.includes(k)) bad(`$.call.${k}`, 'unknown field');
  for (const k of FIELDS) if (!(k in c)) bad(`$.call.${k}`, 'missing');
  if (c.format !== CALL_FORMAT) bad('$.call.format', `expected ${JSON.stringify(CALL_FORMAT)}`);
  if (!isHash(c.codeHash)) bad('$.call.codeHash', 'expected sha256:<64 hex>');
  if (typeof c.rule !== 'string' || c.rule.length === 0 || c.rule.length > 256) bad('$.call.rule', 'expected a rule name');
  if (!Array.isArray(c.args)) bad('$.call.args', 'expected an array of CCL values');
  const args = (c.args as unknown[]).map((a, i) => valueFromJson(a, `$.call.args[${i}]`));
  let caller: Did;
  try {
    caller = Did.parse(c.caller as string);
  } catch (e) {
    return bad('$.call.caller', (e as Error).message);
  }
  if (caller.toString() !== c.caller) bad('$.call.caller', 'not in canonical spelling');
  if (typeof c.timestamp !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(c.timestamp) || BigInt(c.timestamp) > U64_MAX) bad('$.call.timestamp', 'expected a u64 decimal string');
  if (c.fuelLimit !== null && (typeof c.fuelLimit !== 'string' || !/^[1-9][0-9]{0,14}$/.test(c.fuelLimit))) bad('$.call.fuelLimit', 'expected null or a positive decimal string');
  if (typeof c.nonce !== 'string' || c.nonce.length > 128) bad('$.call.nonce', 'expected a string of at most 128 characters');
  try {
    canonicalize(c);
  } catch (e) {
    bad('$.call', (e as Error).message);
  }
  const call = c as unknown as ContractCall;
  if (typeof o.signature !== 'string' || !verifySignature(caller, DOMAIN.contractCall, call, o.signature)) {
    throw new CallError('CALL_BAD_SIGNATURE', `the signature does not verify as ${call.caller}'s over the call`);
  }
  return { call, id: callId(call), args, timestamp: BigInt(call.timestamp), fuelLimit: call.fuelLimit === null ? undefined : Number(call.fuelLimit) };
}
