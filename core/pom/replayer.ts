/**
 * Replayers, one per engine, in a registry: verifyPom looks the witness's engine up and asks it to
 * recompute the output hash. A replayer resolves the code from a CodeResolver by hash and must
 * check that the code it runs hashes to witness.code_hash. Input it cannot accept → throw
 * IcnError (the proof is invalid); a harness fault (worker died…) → throw IcnError HARNESS_FAULT
 * (no verdict at all).
 */
import { IcnError } from '../errors.js';
import type { Hash } from '../hash/index.js';
import type { WitnessBundle } from './types.js';

/** Code by hash: CCL contract JSON or WASM module bytes. */
export interface CodeResolver {
  get(codeHash: Hash): unknown | undefined;
}

export interface Replayer {
  readonly engine: string;
  /** Recompute the output hash of the execution the witness describes. */
  replay(witness: WitnessBundle, code: CodeResolver): Promise<Hash> | Hash;
}

export class ReplayerRegistry {
  private readonly byEngine = new Map<string, Replayer>();

  constructor(replayers: readonly Replayer[] = []) {
    for (const r of replayers) this.register(r);
  }

  register(r: Replayer): this {
    if (this.byEngine.has(r.engine))
      throw new IcnError(
        'POM_REPLAYER_DUPLICATE',
        `a replayer for engine ${JSON.stringify(r.engine)} is already registered`,
      );
    this.byEngine.set(r.engine, r);
    return this;
  }

  get(engine: string): Replayer | undefined {
    return this.byEngine.get(engine);
  }

  engines(): string[] {
    return [...this.byEngine.keys()].sort();
  }
}

export class MemoryCodeResolver implements CodeResolver {
  private readonly m = new Map<Hash, unknown>();
  put(hash: Hash, code: unknown): this {
    this.m.set(hash, code);
    return this;
  }
  get(hash: Hash): unknown {
    return this.m.get(hash);
  }
}
