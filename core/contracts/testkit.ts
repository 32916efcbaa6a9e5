/**
 * Fixed identities and small helpers shared by the contract tests, vectors and the CLI:
 * keys from fixed seeds (byte b repeated 32 times), so every receipt is reproducible.
 */
import { Keypair } from '../identity/index.js';
import type { Did } from '../identity/index.js';
import type { TrustOracle } from '../trust/oracle.js';

export function keyFromByte(b: number): Keypair {
  return Keypair.fromSeed(new Uint8Array(32).fill(b));
}

/** A trust oracle from a fixed table `from → to → ppm` (0 when absent). For tests and the CLI. */
export class TableTrust implements TrustOracle {
  private readonly t = new Map<string, number>();
  set(from: Did | string, to: Did | string, ppm: number): this {
    this.t.set(`${from.toString()} ${to.toString()}`, ppm);
    return this;
  }
  scorePpm(from: Did, to: Did): number {
    return this.t.get(`${from.toString()} ${to.toString()}`) ?? 0;
  }
}
