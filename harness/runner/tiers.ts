/** V8 compiler tiers for WebAssembly and the flags that pin them (wasm-determinism.md). */
import { UsageError } from '../io/files.js';

export const TIER_FLAGS: Readonly<Record<string, readonly string[]>> = {
  /** V8's normal dynamic tiering: Liftoff first, TurboFan for hot functions. */
  default: [],
  /** Baseline compiler only. */
  liftoff: ['--liftoff-only'],
  /** Optimizing compiler only. */
  turbofan: ['--no-liftoff'],
};

const ALL_TIER_FLAGS = new Set(Object.values(TIER_FLAGS).flat());

export function parseTiers(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (!(v in TIER_FLAGS))
      throw new UsageError(
        'USAGE_TIER',
        `--tiers: unknown tier ${JSON.stringify(v)} (known: ${Object.keys(TIER_FLAGS).join(', ')})`,
      );
    if (!out.includes(v)) out.push(v);
  }
  if (out.length === 0) throw new UsageError('USAGE_TIER', '--tiers: give at least one tier');
  return out;
}

/** The parent's node flags without tier pins or debugger flags, then the tier's own flags. */
export function execArgvForTier(
  tier: string,
  parent: readonly string[] = process.execArgv,
): string[] {
  const base = parent.filter(
    (a) => !ALL_TIER_FLAGS.has(a) && !a.startsWith('--inspect') && !a.startsWith('--debug'),
  );
  return [...base, ...(TIER_FLAGS[tier] ?? [])];
}
