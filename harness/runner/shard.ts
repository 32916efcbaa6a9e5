/**
 * Sharding: `--shard i/n` runs every n-th case of the full selection (round robin over the run
 * order), so shards are balanced across suites and their union is exactly the selection.
 */
import { contentHash, DOMAIN, type Hash } from '../../core/hash/index.js';
import { UsageError } from '../io/files.js';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(value: string): Shard {
  const m = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(value);
  if (!m)
    throw new UsageError(
      'USAGE_SHARD',
      `--shard ${JSON.stringify(value)}: expected i/n with 1 ≤ i ≤ n (e.g. 1/2)`,
    );
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (index > count || count > 1024)
    throw new UsageError('USAGE_SHARD', `--shard ${value}: expected i/n with 1 ≤ i ≤ n ≤ 1024`);
  return { index, count };
}

export function shardOf<T>(items: readonly T[], s: Shard): T[] {
  return items.filter((_, k) => k % s.count === s.index - 1);
}

/** Identifies a selection: the sorted ids (code-unit order). Shards of one run share it. */
export function selectionHash(ids: readonly string[]): Hash {
  return contentHash(
    DOMAIN.manifestSelection,
    [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
