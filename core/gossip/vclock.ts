/**
 * Vector clocks: DID → counter. Merge is the element-wise max; the canonical form is an array of
 * [did, counter] pairs sorted by DID (code-unit order of the canonical spelling), counters ≥ 1
 * (a zero counter is the same as absent and is never written).
 */
import { GossipError } from './errors.js';

export type VClock = ReadonlyArray<readonly [string, number]>;
export type Ordering = 'equal' | 'before' | 'after' | 'concurrent';

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Validate a clock from the wire: sorted, unique, counters safe integers ≥ 1. */
export function checkVClock(v: unknown, where: string): VClock {
  if (!Array.isArray(v))
    throw new GossipError('malformed', `${where}: a vector clock is an array of [did, counter]`);
  let prev: string | undefined;
  for (const p of v) {
    if (
      !Array.isArray(p) ||
      p.length !== 2 ||
      typeof p[0] !== 'string' ||
      !Number.isSafeInteger(p[1]) ||
      (p[1] as number) < 1
    ) {
      throw new GossipError('malformed', `${where}: each clock element is [did, counter ≥ 1]`);
    }
    if (prev !== undefined && cmpStr(prev, p[0]) >= 0)
      throw new GossipError(
        'malformed',
        `${where}: clock elements must be sorted by DID and unique`,
      );
    prev = p[0];
  }
  return v as VClock;
}

export function vcGet(c: VClock, did: string): number {
  // Clocks are small (one element per author); a linear scan beats building a map.
  for (const [d, n] of c) if (d === did) return n;
  return 0;
}

/** Element-wise max: a sorted merge of two sorted clocks. */
export function vcMerge(a: VClock, b: VClock): VClock {
  const out: [string, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x[0] < y[0])) {
      out.push([x![0], x![1]]);
      i++;
    } else if (x === undefined || y[0] < x[0]) {
      out.push([y[0], y[1]]);
      j++;
    } else {
      out.push([x[0], Math.max(x[1], y[1])]);
      i++;
      j++;
    }
  }
  return out;
}

/** The clock with `did`'s counter set to `n` (sorted insert). */
export function vcSet(c: VClock, did: string, n: number): VClock {
  return vcMerge(
    c.filter(([d]) => d !== did),
    [[did, n]],
  );
}

export function vcCompare(a: VClock, b: VClock): Ordering {
  let less = false;
  let greater = false;
  for (const [d, n] of vcMerge(a, b)) {
    const x = vcGet(a, d);
    const y = vcGet(b, d);
    if (x < y) less = true;
    if (x > y) greater = true;
    void n;
  }
  if (less && greater) return 'concurrent';
  if (less) return 'before';
  if (greater) return 'after';
  return 'equal';
}

/** a ≤ b element-wise (a happened before or equals b). */
export function vcLe(a: VClock, b: VClock): boolean {
  const o = vcCompare(a, b);
  return o === 'equal' || o === 'before';
}
