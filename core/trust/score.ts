/**
 * ICN's two-hop trust formula in integer arithmetic (parts per million, no floats).
 *
 *   score(own→t) = min(1, direct×0.7 + mean_I( s(own→I) × s(I→t) ) × 0.3)
 *
 * where I ranges over the intermediates with an edge own→I and an edge I→t, I ≠ own, I ≠ t
 * (ICN's `icn-trust` averages over the two-hop paths that exist; an explicit 0 edge is a path).
 *
 * Rounding, documented once: the exact rational value is computed with bigint and rounded toward
 * zero (floor, all terms are ≥ 0) a single time at the end:
 *
 *   k = 0:  floor(7·d / 10)
 *   k > 0:  floor((7·d·k·10^6 + 3·Σ s1·s2) / (10·k·10^6))
 *
 * with d, s1, s2 in ppm. There is no intermediate rounding, so the result is the largest ppm
 * value not above the real-number formula. The cap at 10^6 never binds for inputs in range
 * (0.7 + 0.3 = 1) but is applied anyway, as ICN does.
 */
import { PPM } from './oracle.js';

const TWO_POW_52 = 2 ** 52;

/** Sum of ppm×ppm products, exact: accumulates in a double while it stays exact, then in bigint. */
export class ProductSum {
  private small = 0;
  private big = 0n;
  count = 0;
  add(a: number, b: number): void {
    this.small += a * b; // ≤ 10^12 < 2^40 per product: exact
    if (this.small >= TWO_POW_52) {
      this.big += BigInt(this.small);
      this.small = 0;
    }
    this.count++;
  }
  total(): bigint {
    return this.big + BigInt(this.small);
  }
}

/** The two-hop score from the direct score and the sum/count of two-hop products (all ppm). */
export function combineTwoHop(directPpm: number, sum: bigint, count: number): number {
  if (count === 0) return Math.min(PPM, Math.floor((7 * directPpm) / 10));
  const k = BigInt(count);
  const num = 7n * BigInt(directPpm) * k * 1_000_000n + 3n * sum;
  const den = 10n * k * 1_000_000n;
  const v = num / den; // bigint division truncates; num, den ≥ 0 → floor
  return v > BigInt(PPM) ? PPM : Number(v);
}

/** Trust classes by score (ICN): < 0.1 Isolated, < 0.4 Known, < 0.7 Partner, else Federated. */
export type TrustClass = 'Isolated' | 'Known' | 'Partner' | 'Federated';

export const CLASS_THRESHOLDS_PPM = {
  Known: 100_000,
  Partner: 400_000,
  Federated: 700_000,
} as const;

export function trustClass(ppm: number): TrustClass {
  if (ppm < CLASS_THRESHOLDS_PPM.Known) return 'Isolated';
  if (ppm < CLASS_THRESHOLDS_PPM.Partner) return 'Known';
  if (ppm < CLASS_THRESHOLDS_PPM.Federated) return 'Partner';
  return 'Federated';
}

/** Parse a decimal score string ("0.42", "1", "0.000001") into ppm exactly; rejects > 6 decimals. */
export function ppmFromDecimal(s: string): number {
  const m = /^(0|1)(?:\.([0-9]{1,6}))?$/.exec(s);
  if (!m)
    throw new RangeError(
      `${JSON.stringify(s)} is not a decimal score in [0,1] with at most 6 decimals`,
    );
  const v = Number(m[1]) * PPM + Number((m[2] ?? '').padEnd(6, '0') || '0');
  if (v > PPM) throw new RangeError(`${s} is above 1`);
  return v;
}
