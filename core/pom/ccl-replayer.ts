/**
 * The CCL replayer: re-executes a rule with core/ccl's interpreter (the same one nodes run).
 *
 * witness.inputs = {rule, args: [CCL value JSON], caller: did, state: {name: CCL value JSON},
 *                   capabilities: [capability JSON]}
 * witness.code_hash = code hash v2 of the contract (core/contracts codeHash); the contract JSON is
 * resolved by that hash and re-hashed before it runs. witness.profile_hash must be
 * CCL_PROFILE_HASH; fuel_limit is the interpreter's fuel limit; timestamp and entropy are part of
 * the witness (CCL reads neither today).
 *
 * Output hash = contentHash(icn/pom/output/v1, {engine: "ccl", ok, value | error, fuel_used,
 * state, changed_keys, ledger_ops}): everything the execution decides, canonical.
 */
import { dec, type CanonicalValue } from '../canonical/index.js';
import {
  execute,
  ledgerOpToJson,
  loadContract,
  parseArgs,
  parseCapabilities,
  valueFromJson,
  valueToJson,
  CCL_PROFILE_HASH,
  MAX_FUEL,
  type Value,
} from '../ccl/index.js';
import { codeHash } from '../contracts/code.js';
import { IcnError } from '../errors.js';
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import { Did } from '../identity/index.js';
import type { CodeResolver, Replayer } from './replayer.js';
import type { WitnessBundle } from './types.js';

export interface CclInputs {
  rule: string;
  args: CanonicalValue[];
  caller: string;
  state: Record<string, CanonicalValue>;
  capabilities: CanonicalValue[];
}

/** The canonical output of one CCL execution, and its hash (what an executing node signs). */
export function cclOutputHash(
  witness: WitnessBundle,
  code: CodeResolver,
): { output: CanonicalValue; hash: Hash } {
  if (witness.profile_hash !== CCL_PROFILE_HASH)
    throw new IcnError(
      'POM_PROFILE_MISMATCH',
      `witness profile ${witness.profile_hash} is not this node's CCL profile ${CCL_PROFILE_HASH}`,
    );
  const raw = code.get(witness.code_hash);
  if (raw === undefined)
    throw new IcnError('POM_CODE_UNKNOWN', `no contract with code hash ${witness.code_hash}`);
  const contract = loadContract(raw);
  const h = codeHash({ engine: 'ccl', contract });
  if (h !== witness.code_hash)
    throw new IcnError(
      'POM_CODE_MISMATCH',
      `the resolved contract hashes to ${h}, not ${witness.code_hash}`,
    );
  const inp = witness.inputs as unknown as CclInputs;
  if (
    inp === null ||
    typeof inp !== 'object' ||
    typeof inp.rule !== 'string' ||
    typeof inp.caller !== 'string' ||
    inp.state === null ||
    typeof inp.state !== 'object'
  ) {
    throw new IcnError(
      'POM_FORMAT',
      'CCL witness inputs must be {rule, args, caller, state, capabilities}',
    );
  }
  const fuel = dec.u64(witness.fuel_limit);
  if (fuel < 1n || fuel > BigInt(MAX_FUEL))
    throw new IcnError('POM_FORMAT', `CCL fuel limit ${fuel} is outside 1..${MAX_FUEL}`);
  const state = new Map<string, Value>();
  for (const k of Object.keys(inp.state).sort())
    state.set(k, valueFromJson(inp.state[k], `$.inputs.state.${k}`));
  const r = execute({
    contract,
    rule: inp.rule,
    args: parseArgs(inp.args, '$.inputs.args'),
    caller: Did.parse(inp.caller).toString(),
    state,
    capabilities: parseCapabilities(inp.capabilities, '$.inputs.capabilities'),
    fuelLimit: Number(fuel),
  });
  const output: CanonicalValue = r.ok
    ? {
        engine: 'ccl',
        ok: true,
        value: valueToJson(r.value),
        fuel_used: r.fuelUsed,
        state: [...r.state.keys()].sort().map((k) => [k, valueToJson(r.state.get(k)!)]),
        changed_keys: [...r.changedKeys],
        ledger_ops: r.ledgerOps.map(ledgerOpToJson),
      }
    : { engine: 'ccl', ok: false, error: r.error.code, fuel_used: r.fuelUsed };
  return { output, hash: contentHash(DOMAIN.pomOutput, output) };
}

export const cclReplayer: Replayer = {
  engine: 'ccl',
  replay(witness, code) {
    return cclOutputHash(witness, code).hash;
  },
};
