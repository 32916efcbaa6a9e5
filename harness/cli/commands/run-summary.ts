/** `icn-harness run`, summarize: the manifest (--json) or a summary on stdout, and the exit code. */
import type { Manifest } from '../../manifest/types.js';
import { coverageNotes } from '../../reports/markdown.js';
import type { RunResult } from '../../runner/run.js';
import { EXIT } from '../exit.js';
import type { RunPlan } from './run-parse.js';

/** One line a tier run: its root against the manifest's, then its first differing entries. */
function tierLines(manifest: Manifest): string[] {
  const lines: string[] = [];
  for (const t of manifest.tiers ?? []) {
    const lcDiv = t.divergent.filter((x) => x.class === 'lc').length;
    lines.push(
      `tier ${t.tier}: lc root ${t.lc} ${t.lc === manifest.root.lc ? `(same as ${manifest.platform.tier})` : `DIFFERS from ${manifest.platform.tier}`}; ${lcDiv} lc and ${t.divergent.length - lcDiv} advisory entries differ`,
    );
    for (const x of t.divergent.slice(0, 20))
      lines.push(`  ${x.class} ${x.id}: ${x.fields.join(', ')}`);
  }
  return lines;
}

/** The determinism verdict (--repeat, --check-determinism), with a reproduce line when it failed. */
function determinismLines(manifest: Manifest): string[] {
  const det = manifest.determinism;
  if (!det) return [];
  if (!det.divergence)
    return [
      `deterministic: ${det.runs} runs agree on all ${manifest.entries.length} entries (${det.perturbations.join('; ')})`,
    ];
  const v = det.divergence;
  return [
    `NOT DETERMINISTIC: run ${v.run} differs from run 1 at ${v.id} in ${v.fields.join(', ')}${v.firstDifferingStep !== undefined ? `; trace: last common step ${v.lastCommonStep ?? 'none'}, first differing step ${v.firstDifferingStep}` : ''} (after ${det.compared} entries compared; perturbations: ${det.perturbations.join('; ')})`,
    `reproduce: icn-harness run --filter '${v.id}' --seed ${manifest.run?.seed ?? '0'} ${det.mode === 'perturbed' ? '--check-determinism' : `--repeat ${v.run}`}`,
  ];
}

export function summaryLines(manifest: Manifest, p: RunPlan): string[] {
  const c = manifest.counts;
  const lines = [
    `lc root ${manifest.root.lc}`,
    `${manifest.entries.length} entries: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped, ${c.xfail} xfail, ${c.xpass} xpass, ${c.error} errors`,
  ];
  lines.push(...coverageNotes(manifest));
  if (p.shard)
    lines.push(
      `shard ${p.shard.index}/${p.shard.count} of ${manifest.run?.shard?.selected} selected cases: merge the shard manifests with \`icn-harness merge\``,
    );
  lines.push(...tierLines(manifest), ...determinismLines(manifest));
  if (p.flags.out) lines.push(`wrote ${p.flags.out}`);
  return lines;
}

/** Exit 3 on a harness error, 1 on a failure, xpass, tier or determinism divergence, else 0. */
export function runExitCode(manifest: Manifest): number {
  if (manifest.counts.error > 0) return EXIT.fault;
  if (manifest.counts.fail + manifest.counts.xpass > 0) return EXIT.negative;
  const tierLcDiverged = (manifest.tiers ?? []).filter((t) => t.lc !== manifest.root.lc);
  return tierLcDiverged.length > 0 || manifest.determinism?.divergence ? EXIT.negative : EXIT.ok;
}

/** Print the manifest (--json) or the summary; the exit code. */
export function summarizeRun(result: RunResult, p: RunPlan): number {
  const manifest = result.manifest;
  if (p.quiet) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  else process.stdout.write(`${summaryLines(manifest, p).join('\n')}\n`);
  return runExitCode(manifest);
}
