/**
 * The WASM replayer: re-runs the task on core/wasm's deterministic executor.
 *
 * witness.inputs = {invoke: export name, args: ["i32:0x…", …] (core/wasm value bit strings)}
 * witness.code_hash = bytesHash(icn/wasm/module/v1, module); the module bytes are resolved by hash
 * and re-hashed. witness.profile_hash selects the profile (it must be one this node can run);
 * fuel_limit and timestamp (= created_at) go to the executor; witness.entropy must equal the seed
 * the executor derives (entropySeed), so a witness cannot lie about icn.entropy_seed.
 * Output hash = the executor's sealed WasmResult.outputHash (contentHash(icn/wasm/result/v1, …)).
 */
import { dec } from '../canonical/index.js';
import { IcnError } from '../errors.js';
import { bytesHash, DOMAIN, toHex, type Hash } from '../hash/index.js';
import { entropySeed, execute } from '../wasm/exec/executor.js';
import { PROFILE_NAMES, profileHash, type ProfileName } from '../wasm/profiles.js';
import { parseValue } from '../wasm/exec/values.js';
import type { CodeResolver, Replayer } from './replayer.js';
import type { WitnessBundle } from './types.js';

function profileFor(hash: Hash): ProfileName {
  for (const name of PROFILE_NAMES) if (profileHash(name) === hash) return name;
  throw new IcnError(
    'POM_PROFILE_MISMATCH',
    `witness profile ${hash} is not a WASM profile this node can run`,
  );
}

export const wasmReplayer: Replayer = {
  engine: 'wasm',
  async replay(witness: WitnessBundle, code: CodeResolver): Promise<Hash> {
    const module = code.get(witness.code_hash);
    if (!(module instanceof Uint8Array))
      throw new IcnError('POM_CODE_UNKNOWN', `no WASM module with hash ${witness.code_hash}`);
    const h = bytesHash(DOMAIN.wasmModule, module);
    if (h !== witness.code_hash)
      throw new IcnError(
        'POM_CODE_MISMATCH',
        `the resolved module hashes to ${h}, not ${witness.code_hash}`,
      );
    const profile = profileFor(witness.profile_hash);
    const inp = witness.inputs as { invoke?: unknown; args?: unknown };
    if (
      typeof inp?.invoke !== 'string' ||
      !Array.isArray(inp.args) ||
      !inp.args.every((a) => typeof a === 'string')
    ) {
      throw new IcnError(
        'POM_FORMAT',
        'WASM witness inputs must be {invoke, args: ["type:bits", …]}',
      );
    }
    const args = (inp.args as string[]).map(parseValue);
    const createdAt = dec.i64(witness.timestamp);
    const seed = toHex(entropySeed(module, inp.invoke, args, createdAt));
    if (seed !== witness.entropy)
      throw new IcnError(
        'POM_ENTROPY_MISMATCH',
        `witness entropy ${witness.entropy} is not the task's seed ${seed}`,
      );
    const r = await execute({
      module,
      profile,
      invoke: inp.invoke,
      args,
      fuel: dec.u64(witness.fuel_limit),
      createdAt,
    });
    return r.outputHash;
  },
};
