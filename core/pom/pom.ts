/** Building and verifying proofs of misbehavior. */
import { dec } from '../canonical/index.js';
import { IcnError, isIcnError } from '../errors.js';
import { contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import {
  checkReceiptEvidence,
  contractOutputHash,
  contractWitness,
  receiptToJson,
} from './contract-replayer.js';
import type { CodeResolver, Replayer, ReplayerRegistry } from './replayer.js';
import type { ExecutionReceipt } from '../contracts/receipt.js';
import type { WitnessBundle as ContractWitness } from '../contracts/execution.js';
import {
  CLAIM_VERSION,
  POM_VERSION,
  WITNESS_VERSION,
  type ExecutionClaim,
  type PomVerdict,
  type ProofOfMisbehavior,
  type ProofOfMisbehaviorBody,
  type WitnessBundle,
} from './types.js';

export function witnessBody(w: WitnessBundle): WitnessBundle {
  return {
    version: w.version,
    engine: w.engine,
    code_hash: w.code_hash,
    inputs: w.inputs,
    fuel_limit: w.fuel_limit,
    timestamp: w.timestamp,
    entropy: w.entropy,
    profile_hash: w.profile_hash,
  };
}

export function witnessHash(w: WitnessBundle): Hash {
  return contentHash(DOMAIN.witnessBundle, witnessBody(w));
}

const WITNESS_KEYS = [
  'version',
  'engine',
  'code_hash',
  'inputs',
  'fuel_limit',
  'timestamp',
  'entropy',
  'profile_hash',
];
const POM_KEYS = [
  'version',
  'claim',
  'canonical_inputs',
  'expected_output_hash',
  'actual_output_hash',
  'witness',
  'evidence',
  'signatures',
];

/**
 * The first key of `o` not in `allowed`, or undefined. Signed and hashed objects are exact: an
 * unknown key would ride along unsigned (the hash covers only the known fields), so one proof
 * would have many byte forms and a reader could be shown fields no one signed.
 */
function unknownKey(o: object, allowed: readonly string[]): string | undefined {
  return Object.keys(o).find((k) => !allowed.includes(k));
}

/** Shape check of a witness. Throws IcnError POM_FORMAT. */
export function checkWitness(w: unknown): WitnessBundle {
  const bad = (why: string): never => {
    throw new IcnError('POM_FORMAT', `witness bundle: ${why}`);
  };
  if (w === null || typeof w !== 'object' || Array.isArray(w)) bad('not an object');
  const o = w as Record<string, unknown>;
  const extra = unknownKey(o, WITNESS_KEYS);
  if (extra !== undefined) bad(`unknown field ${JSON.stringify(extra)}`);
  if (o.version !== WITNESS_VERSION) bad(`version must be ${WITNESS_VERSION}`);
  if (typeof o.engine !== 'string' || o.engine === '') bad('engine must be a non-empty string');
  if (!isHash(o.code_hash)) bad('code_hash must be sha256:<hex>');
  if (!isHash(o.profile_hash)) bad('profile_hash must be sha256:<hex>');
  if (typeof o.entropy !== 'string' || !/^[0-9a-f]{64}$/.test(o.entropy))
    bad('entropy must be 64 lowercase hex');
  try {
    dec.u64(o.fuel_limit as string);
    dec.i64(o.timestamp as string);
  } catch {
    bad('fuel_limit must be a u64 and timestamp an i64 decimal string');
  }
  if (o.inputs === undefined) bad('inputs are missing');
  return witnessBody(o as unknown as WitnessBundle);
}

/** The statement an executing node signs about its output (what a PoM can later hold against it). */
export function signExecutionClaim(
  kp: Keypair,
  witness: WitnessBundle,
  outputHash: Hash,
): { claim: ExecutionClaim; signature: string } {
  const claim: ExecutionClaim = {
    version: CLAIM_VERSION,
    witness_hash: witnessHash(witness),
    output_hash: outputHash,
  };
  return { claim, signature: kp.sign(DOMAIN.pomExecutionClaim, claim) };
}

export function pomBody(p: ProofOfMisbehaviorBody): ProofOfMisbehaviorBody {
  const body: ProofOfMisbehaviorBody = {
    version: p.version,
    claim: { type: p.claim.type, accused: p.claim.accused, accuser: p.claim.accuser },
    canonical_inputs: p.canonical_inputs,
    expected_output_hash: p.expected_output_hash,
    actual_output_hash: p.actual_output_hash,
    witness: witnessBody(p.witness),
  };
  if (p.evidence !== undefined)
    body.evidence = { kind: p.evidence.kind, receipt: p.evidence.receipt };
  return body;
}

export function pomHash(p: ProofOfMisbehaviorBody): Hash {
  return contentHash(DOMAIN.proofOfMisbehavior, pomBody(p));
}

/**
 * Build a proof: the accuser holds the accused's signed claim (`accusedSignature` over
 * ExecutionClaim{witness_hash, actualOutputHash}) and states the output it expects.
 */
export function buildPom(
  accuser: Keypair,
  accused: Did,
  witness: WitnessBundle,
  actualOutputHash: Hash,
  accusedSignature: string,
  expectedOutputHash: Hash,
): ProofOfMisbehavior {
  const w = checkWitness(witness);
  const body: ProofOfMisbehaviorBody = {
    version: POM_VERSION,
    claim: {
      type: 'output-mismatch',
      accused: accused.toString(),
      accuser: accuser.did.toString(),
    },
    canonical_inputs: witnessHash(w),
    expected_output_hash: expectedOutputHash,
    actual_output_hash: actualOutputHash,
    witness: w,
  };
  return {
    ...body,
    signatures: {
      accused: accusedSignature,
      accuser: accuser.sign(DOMAIN.proofOfMisbehavior, body),
    },
  };
}

/**
 * Verify a proof by replaying its witness:
 *  - invalid: malformed, a signature does not verify, inputs hash mismatch, expected = actual, no
 *    replayer for the engine, or the replayer rejects the witness (unknown code, hash mismatch,
 *    bad inputs, entropy or profile that does not match);
 *  - confirmed: replay gives the accuser's expected output, not what the accused signed;
 *  - refuted: replay gives what the accused signed (a false accusation), or neither output (the
 *    accusation as stated is wrong; `accused_output_correct` says which).
 * Harness faults during replay propagate as thrown IcnError HARNESS_FAULT: never a verdict.
 */
export async function verifyPom(
  pom: ProofOfMisbehavior,
  replayers: ReplayerRegistry,
  code: CodeResolver,
): Promise<PomVerdict> {
  const pre = precheck(pom, replayers);
  if ('verdict' in pre) return pre;
  let replayed: Hash;
  try {
    replayed = await pre.replayer.replay(pre.witness, code);
  } catch (e) {
    return replayFailed(e);
  }
  return judge(pom, pre.accused, replayed);
}

/**
 * verifyPom when the engine's replayer answers synchronously (the contract replayer for CCL code):
 * what a node uses inside its synchronous gossip apply path. A replayer that returns a promise
 * makes the proof `invalid` here with POM_ASYNC_REPLAY (use verifyPom).
 */
export function verifyPomSync(
  pom: ProofOfMisbehavior,
  replayers: ReplayerRegistry,
  code: CodeResolver,
): PomVerdict {
  const pre = precheck(pom, replayers);
  if ('verdict' in pre) return pre;
  let replayed: Hash | Promise<Hash>;
  try {
    replayed = pre.replayer.replay(pre.witness, code);
  } catch (e) {
    return replayFailed(e);
  }
  if (replayed instanceof Promise) {
    replayed.catch(() => {}); // not awaited: its outcome is not a verdict here
    return {
      verdict: 'invalid',
      code: 'POM_ASYNC_REPLAY',
      reason: `the ${pre.witness.engine} replayer is asynchronous for this witness: use verifyPom`,
    };
  }
  return judge(pom, pre.accused, replayed);
}

function replayFailed(e: unknown): PomVerdict {
  if (isIcnError(e) && e.code !== 'HARNESS_FAULT')
    return {
      verdict: 'invalid',
      code: e.code,
      reason: `replay rejected the witness: ${e.message}`,
    };
  throw e;
}

/** Everything verifyPom checks before replaying: shape, input binding, signatures, a replayer. */
function precheck(
  pom: ProofOfMisbehavior,
  replayers: ReplayerRegistry,
): PomVerdict | { witness: WitnessBundle; accused: Did; replayer: Replayer } {
  const invalid = (c: string, reason: string): PomVerdict => ({
    verdict: 'invalid',
    code: c,
    reason,
  });
  let w: WitnessBundle;
  try {
    if (pom?.version !== POM_VERSION || pom.claim?.type !== 'output-mismatch')
      return invalid('POM_FORMAT', `not an ${POM_VERSION} output-mismatch proof`);
    const extra = exactShape(pom);
    if (extra) return invalid('POM_FORMAT', `unknown field ${extra}`);
    w = checkWitness(pom.witness);
    if (!isHash(pom.expected_output_hash) || !isHash(pom.actual_output_hash))
      return invalid('POM_FORMAT', 'output hashes must be sha256:<hex>');
  } catch (e) {
    if (isIcnError(e)) return invalid(e.code, e.message);
    throw e;
  }
  if (pom.canonical_inputs !== witnessHash(w))
    return invalid(
      'POM_INPUTS_MISMATCH',
      `canonical_inputs ${pom.canonical_inputs} is not the witness hash ${witnessHash(w)}`,
    );
  if (pom.expected_output_hash === pom.actual_output_hash)
    return invalid(
      'POM_NO_MISMATCH',
      'expected and actual output hashes are equal: nothing is claimed',
    );
  let accused: Did;
  let accuser: Did;
  try {
    accused = Did.parse(pom.claim.accused);
    accuser = Did.parse(pom.claim.accuser);
  } catch (e) {
    return invalid('POM_FORMAT', (e as Error).message);
  }
  if (pom.evidence !== undefined) {
    if (pom.evidence?.kind !== 'contract-receipt')
      return invalid(
        'POM_FORMAT',
        `unknown evidence kind ${JSON.stringify((pom.evidence as { kind?: unknown })?.kind)}`,
      );
    const why = checkReceiptEvidence(
      pom.evidence.receipt,
      accused.toString(),
      w,
      pom.actual_output_hash,
    );
    if (why !== null) return invalid('POM_BAD_SIGNATURE', `receipt evidence: ${why}`);
  } else {
    const claim: ExecutionClaim = {
      version: CLAIM_VERSION,
      witness_hash: pom.canonical_inputs,
      output_hash: pom.actual_output_hash,
    };
    if (!verifySignature(accused, DOMAIN.pomExecutionClaim, claim, pom.signatures?.accused))
      return invalid(
        'POM_BAD_SIGNATURE',
        `the accused ${accused} never signed output ${pom.actual_output_hash} for these inputs`,
      );
  }
  if (!verifySignature(accuser, DOMAIN.proofOfMisbehavior, pomBody(pom), pom.signatures?.accuser))
    return invalid('POM_BAD_SIGNATURE', `the accuser's signature over the proof does not verify`);
  const replayer = replayers.get(w.engine);
  if (!replayer)
    return invalid(
      'POM_NO_REPLAYER',
      `no replayer for engine ${JSON.stringify(w.engine)} (registered: ${replayers.engines().join(', ') || 'none'})`,
    );
  return { witness: w, accused, replayer };
}

/** The path of the first unknown key in the proof's signed parts (witness: checkWitness), or undefined. */
function exactShape(pom: ProofOfMisbehavior): string | undefined {
  const parts: [string, unknown, readonly string[]][] = [
    ['$', pom, POM_KEYS],
    ['$.claim', pom.claim, ['type', 'accused', 'accuser']],
    ['$.signatures', pom.signatures, ['accused', 'accuser']],
    ['$.evidence', pom.evidence, ['kind', 'receipt']],
  ];
  for (const [at, o, keys] of parts) {
    if (o === undefined && at === '$.evidence') continue;
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return `${at} (not an object)`;
    const k = unknownKey(o, keys);
    if (k !== undefined) return `${at}.${k}`;
  }
  return undefined;
}

function judge(pom: ProofOfMisbehavior, accused: Did, replayed: Hash): PomVerdict {
  if (replayed === pom.expected_output_hash) {
    return {
      verdict: 'confirmed',
      replayed_output_hash: replayed,
      reason: `replay gives ${replayed}; ${accused} signed ${pom.actual_output_hash}`,
    };
  }
  if (replayed === pom.actual_output_hash) {
    return {
      verdict: 'refuted',
      replayed_output_hash: replayed,
      accused_output_correct: true,
      reason: `replay gives ${replayed}, exactly what ${accused} signed: false accusation`,
    };
  }
  return {
    verdict: 'refuted',
    replayed_output_hash: replayed,
    accused_output_correct: false,
    reason: `replay gives ${replayed}, neither the accused's ${pom.actual_output_hash} nor the expected ${pom.expected_output_hash}`,
  };
}

/**
 * Build a proof from a node's signed core/contracts execution receipt and the witness bundle it
 * names: the receipt is the accused's commitment; `expectedOutputHash` is the accuser's
 * contractOutputHash of the honest replay.
 */
export function buildPomFromReceipt(
  accuser: Keypair,
  receipt: ExecutionReceipt,
  bundle: ContractWitness,
  expectedOutputHash: Hash,
): ProofOfMisbehavior {
  const w = checkWitness(contractWitness(bundle, receipt.engineProfileHash));
  const body: ProofOfMisbehaviorBody = {
    version: POM_VERSION,
    claim: {
      type: 'output-mismatch',
      accused: Did.parse(receipt.executor).toString(),
      accuser: accuser.did.toString(),
    },
    canonical_inputs: witnessHash(w),
    expected_output_hash: expectedOutputHash,
    actual_output_hash: contractOutputHash(receipt),
    witness: w,
    evidence: { kind: 'contract-receipt', receipt: receiptToJson(receipt) },
  };
  return {
    ...body,
    signatures: { accused: '', accuser: accuser.sign(DOMAIN.proofOfMisbehavior, body) },
  };
}
