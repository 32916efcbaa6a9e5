/**
 * Merging shard manifests (`run --shard i/n` on several machines or jobs) into the manifest of the
 * whole selection. Refuses anything that is not exactly one complete set of shards of one run, so a
 * missing or doubled shard can never pass as a full run.
 */
import { UsageError } from '../io/files.js';
import { buildManifest } from './build.js';
import type { LoadedManifest } from './io.js';
import type { Manifest, ManifestEntry } from './types.js';

export function mergeShards(loaded: readonly LoadedManifest[]): Manifest {
  if (loaded.length === 0) throw new UsageError('MERGE_EMPTY', 'merge needs the shard manifests');
  const first = loaded[0]!;
  const s0 = first.manifest.run?.shard;
  for (const l of loaded) {
    if (!l.manifest.run?.shard)
      throw new UsageError(
        'MERGE_NOT_SHARD',
        `${l.path}: not a shard manifest (no run.shard: made without --shard?)`,
      );
  }
  const count = s0!.count;
  const seen = new Map<number, string>();
  for (const l of loaded) {
    const s = l.manifest.run!.shard!;
    const r = l.manifest.run!;
    const r0 = first.manifest.run!;
    if (s.count !== count || s.selection !== s0!.selection || s.selected !== s0!.selected) {
      throw new UsageError(
        'MERGE_MISMATCH',
        `${l.path}: shard ${s.index}/${s.count} of selection ${s.selection.slice(0, 19)}… does not belong with ${first.path} (shard ${s0!.index}/${count} of ${s0!.selection.slice(0, 19)}…)`,
      );
    }
    if (r.seed !== r0.seed || (r.knownFailures ?? null) !== (r0.knownFailures ?? null))
      throw new UsageError(
        'MERGE_MISMATCH',
        `${l.path}: seed or known-failure list differs from ${first.path}`,
      );
    if ((l.manifest.corpus?.hash ?? null) !== (first.manifest.corpus?.hash ?? null))
      throw new UsageError(
        'MERGE_MISMATCH',
        `${l.path}: spec corpus ${l.manifest.corpus?.hash ?? '(none)'} differs from ${first.path} (${first.manifest.corpus?.hash ?? '(none)'}): shards of one run use one corpus`,
      );
    const p = l.manifest.platform;
    const p0 = first.manifest.platform;
    for (const k of ['arch', 'os', 'node', 'tier'] as const) {
      if (p[k] !== p0[k])
        throw new UsageError(
          'MERGE_PLATFORM',
          `${l.path}: platform ${k} ${p[k]} differs from ${first.path} (${p0[k]}): compare platforms with \`icn-harness diff\`, merge only shards of one platform`,
        );
    }
    if (seen.has(s.index))
      throw new UsageError(
        'MERGE_DUPLICATE',
        `shard ${s.index}/${count} given twice: ${seen.get(s.index)} and ${l.path}`,
      );
    seen.set(s.index, l.path);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length)
    throw new UsageError(
      'MERGE_INCOMPLETE',
      `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}`,
    );
  const entries: ManifestEntry[] = [];
  const from = new Map<string, string>();
  const caseMs: Record<string, number> = {};
  let durationMs = 0;
  for (const l of loaded) {
    for (const e of l.manifest.entries) {
      if (from.has(e.id))
        throw new UsageError(
          'MERGE_DUPLICATE',
          `entry ${e.id} is in ${from.get(e.id)} and ${l.path}`,
        );
      from.set(e.id, l.path);
      entries.push(e);
    }
    Object.assign(caseMs, (l.manifest._volatile.caseMs ?? {}) as Record<string, number>);
    durationMs = Math.max(durationMs, Number(l.manifest._volatile.durationMs ?? 0));
  }
  if (entries.length !== s0!.selected)
    throw new UsageError(
      'MERGE_INCOMPLETE',
      `the shards hold ${entries.length} entries, the selection had ${s0!.selected}`,
    );
  const m = buildManifest({
    entries,
    platform: first.manifest.platform,
    generator: first.manifest.generator,
    volatile: { mergedFrom: loaded.map((l) => l.path), durationMs, caseMs },
    corpus: first.manifest.corpus,
  });
  const { shard: _shard, ...run } = first.manifest.run!;
  m.run = run;
  return m;
}
