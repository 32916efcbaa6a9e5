/**
 * Proofs of misbehavior (PoM): evidence that a node signed a wrong output for a deterministic
 * execution, checkable by anyone who can replay it.
 *
 *   WitnessBundle{engine, code hash, canonical inputs, fuel limit, timestamp, entropy, profile hash}
 *     fixes one LC execution completely (icn-semantics.md: ICN's planned WitnessBundle{wasm_hash,
 *     input_data, fuel_limit}, extended with what the ICN-DC profile makes an input: created_at,
 *     the entropy seed and the profile).
 *   ExecutionClaim{witness hash, output hash}, signed by the accused: what it said the execution
 *     produced (without its signature nobody can be accused of anything).
 *   ProofOfMisbehavior{claim, canonical_inputs, expected_output_hash, actual_output_hash, witness,
 *     signatures}: the accuser says replaying the witness gives `expected`, while the accused
 *     signed `actual`. The accuser signs the proof body.
 */
import type { CanonicalValue } from '../canonical/index.js';
import type { Hash } from '../hash/index.js';

export const WITNESS_VERSION = 'icn-pom-witness/v1';
export const CLAIM_VERSION = 'icn-pom-execution-claim/v1';
export const POM_VERSION = 'icn-pom/v1';

export interface WitnessBundle {
  version: typeof WITNESS_VERSION;
  /** Which replayer: `ccl`, `wasm`, or any registered engine. */
  engine: string;
  /** CCL: code hash v2 of the contract; WASM: bytesHash(icn/wasm/module/v1, module). */
  code_hash: Hash;
  /** Engine-specific canonical inputs (rule/args/caller/state…, or invoke/args). */
  inputs: CanonicalValue;
  /** u64 decimal string. */
  fuel_limit: string;
  /** i64 decimal string: the task's created_at (what icn.timestamp returns), never a wall clock. */
  timestamp: string;
  /** 64 hex: the entropy seed the execution saw (WASM: icn.entropy_seed). */
  entropy: string;
  /** The engine profile that defines the execution. */
  profile_hash: Hash;
}

export interface ExecutionClaim {
  version: typeof CLAIM_VERSION;
  /** contentHash(icn/pom/witness/v1, witness). */
  witness_hash: Hash;
  output_hash: Hash;
}

export interface PomClaim {
  type: 'output-mismatch';
  accused: string;
  accuser: string;
}

export interface ProofOfMisbehaviorBody {
  version: typeof POM_VERSION;
  claim: PomClaim;
  /** contentHash(icn/pom/witness/v1, witness): binds the proof to the exact inputs. */
  canonical_inputs: Hash;
  /** What replay gives, according to the accuser. */
  expected_output_hash: Hash;
  /** What the accused signed. */
  actual_output_hash: Hash;
  witness: WitnessBundle;
  /**
   * Optional evidence standing in for the accused's ExecutionClaim signature: a signed
   * core/contracts execution receipt (its signature proves what the accused published).
   */
  evidence?: { kind: 'contract-receipt'; receipt: CanonicalValue };
}

export interface ProofOfMisbehavior extends ProofOfMisbehaviorBody {
  signatures: {
    /** The accused's signature over its ExecutionClaim{witness_hash, actual_output_hash} (empty with evidence). */
    accused: string;
    /** The accuser's signature over the proof body. */
    accuser: string;
  };
}

export type PomVerdict =
  | { verdict: 'confirmed'; replayed_output_hash: Hash; reason: string }
  | {
      verdict: 'refuted';
      replayed_output_hash: Hash;
      reason: string;
      accused_output_correct: boolean;
    }
  | { verdict: 'invalid'; code: string; reason: string };
