/** `icn-harness run`, run: list the selection, or run it and write the manifest and reports. */
import { listCases } from '../../runner/exec.js';
import { runAll, type RunResult } from '../../runner/run.js';
import { shardOf } from '../../runner/shard.js';
import { EXIT } from '../exit.js';
import { publishToGitHub, writeRunOutputs } from '../outputs.js';
import { createProgress } from '../progress.js';
import type { RunPlan } from './run-parse.js';

/** --list: the selected case ids (after --shard), one a line. */
export async function listSelection(p: RunPlan): Promise<number> {
  const o = p.flags;
  const listed = await listCases({
    suites: o.suite,
    skipSuites: o.skipSuite,
    filters: o.filter,
    tags: o.tag,
    context: p.context,
  });
  for (const { spec } of p.shard ? shardOf(listed, p.shard) : listed)
    process.stdout.write(`${spec.id}\n`);
  return EXIT.ok;
}

/** Run the selection; warn about stale known failures; write --out and the GitHub summary. */
export async function executeRun(p: RunPlan): Promise<RunResult> {
  const o = p.flags;
  const progress = p.quiet || !o.progress ? undefined : createProgress();
  const result = await runAll({
    suites: o.suite,
    skipSuites: o.skipSuite,
    filters: o.filter,
    tags: o.tag,
    context: p.context,
    nowMs: () => Date.now(), // wall clock: _volatile timings only
    jobs: p.jobs,
    shard: p.shard,
    tiers: p.tiers,
    repeat: p.repeat,
    checkDeterminism: o.checkDeterminism === true,
    knownFailures: p.knownFailures,
    timeoutMs: p.timeoutMs,
    isolate: p.isolate,
    onCase: progress?.onCase,
  });
  progress?.end();
  for (const k of result.unusedKnownFailures)
    process.stderr.write(
      `warning: known failure ${k.id} matches no selected case on this platform (stale?): ${k.reason}\n`,
    );
  if (o.out) writeRunOutputs(o.out, result.manifest, result.tierManifests);
  publishToGitHub(result.manifest);
  return result;
}
