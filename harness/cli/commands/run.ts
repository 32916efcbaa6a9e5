import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { collect, parsePositiveInt, parseSeed } from '../options.js';

interface RunFlags {
  suite: string[];
  filter: string[];
  tag: string[];
  list?: boolean;
  seed: string;
  repeat?: string;
  checkDeterminism?: boolean;
  tiers?: string[];
  jobs?: string;
  shard?: string;
  specTests?: string;
  out?: string;
  json?: boolean;
  knownFailures: string | false;
  timeout?: string;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run suites and write a manifest (a directory gets manifest.json, junit.xml, summary.md, report.html). Exit 0 all passed, 1 a failure, xpass or divergence, 2 usage, 3 harness fault')
    .option('--suite <names>', 'suites to run (comma-separated or repeated); default: all', collect, [])
    .option('--filter <pattern>', "select cases by id: 'suite/name' prefix or glob with *", collect, [])
    .option('--tag <tag>', 'select cases having every given tag', collect, [])
    .option('--list', 'print the selected case ids (after --shard) and exit without running')
    .option('--seed <n>', 'root seed for seeded suites', '0')
    .option('--repeat <n>', 'run the selection N times; every run must reproduce the first (stops at the first differing entry)')
    .option('--check-determinism', 'run once more in fresh processes with reverse order, another TZ/locale and V8 seed; stop at the first differing entry/step')
    .option('--tiers <tiers>', 'V8 wasm tiers, each in its own child processes: default,liftoff,turbofan (first = the manifest; others under tiers/)', collect)
    .option('--jobs <n>', 'worker processes (results never depend on it)', '1')
    .option('--shard <i/n>', 'run shard i of n (round robin over the selection); combine shards with `icn-harness merge`')
    .option('--spec-tests <dir>', 'directory of WebAssembly spec .wast files (several: separated by ":")', undefined)
    .option('--known-failures <file>', 'known-failure list (default: harness/known-failures.json when present)')
    .option('--no-known-failures', 'ignore the known-failure list')
    .option('--timeout <seconds>', 'per-case limit in worker processes (--jobs ≥ 2, --tiers, the determinism run); a case over it is an error', '300')
    .option('--no-progress', 'no progress display')
    .option('--out <path>', 'a .json file (the manifest), or a directory receiving manifest.json and the reports')
    .option('--json', 'print the manifest to stdout instead of a summary')
    .action(
      action('run', async (o: RunFlags) => {
        const { runAll } = await import('../../runner/run.js');
        const { listCases } = await import('../../runner/exec.js');
        const { parseShard, shardOf } = await import('../../runner/shard.js');
        const { parseTiers } = await import('../../runner/tiers.js');
        const { loadKnownFailures } = await import('../../runner/known-failures.js');
        const { writeRunOutputs, publishToGitHub } = await import('../outputs.js');
        const { createProgress } = await import('../progress.js');
        const { repoRoot } = await import('../repo.js');
        const { existsSync } = await import('node:fs');
        const { join } = await import('node:path');
        const seed = parseSeed(o.seed);
        const root = repoRoot();
        const jobs = parsePositiveInt('--jobs', o.jobs ?? '1', 64);
        const repeat = o.repeat === undefined ? 1 : parsePositiveInt('--repeat', o.repeat, 1000);
        const timeoutMs = parsePositiveInt('--timeout', o.timeout ?? '300', 86_400) * 1000;
        const shard = o.shard === undefined ? undefined : parseShard(o.shard);
        const tiers = o.tiers === undefined ? undefined : parseTiers(o.tiers);
        const context = { repoRoot: root, seed, specTestsDir: o.specTests, tiers: tiers ?? ['default'] };
        if (o.list) {
          const listed = await listCases({ suites: o.suite, filters: o.filter, tags: o.tag, context });
          for (const { spec } of shard ? shardOf(listed, shard) : listed) process.stdout.write(`${spec.id}\n`);
          return EXIT.ok;
        }
        const kfPath = o.knownFailures === false ? undefined : (o.knownFailures ?? (existsSync(join(root, 'harness/known-failures.json')) ? join(root, 'harness/known-failures.json') : undefined));
        const knownFailures = kfPath ? loadKnownFailures(kfPath) : undefined;
        const quiet = o.json === true;
        const progress = quiet || !o.progress ? undefined : createProgress();
        const result = await runAll({
          suites: o.suite,
          filters: o.filter,
          tags: o.tag,
          context,
          nowMs: () => Date.now(), // wall clock: _volatile timings only
          jobs,
          shard,
          tiers,
          repeat,
          checkDeterminism: o.checkDeterminism === true,
          knownFailures,
          timeoutMs,
          onCase: progress?.onCase,
        });
        progress?.end();
        const manifest = result.manifest;
        for (const k of result.unusedKnownFailures) process.stderr.write(`warning: known failure ${k.id} matches no selected case on this platform (stale?): ${k.reason}\n`);
        if (o.out) writeRunOutputs(o.out, manifest, result.tierManifests);
        publishToGitHub(manifest);
        const tierLcDiverged = (manifest.tiers ?? []).filter((t) => t.lc !== manifest.root.lc);
        const det = manifest.determinism;
        if (quiet) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
        else {
          const c = manifest.counts;
          const lines = [`lc root ${manifest.root.lc}`, `${manifest.entries.length} entries: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped, ${c.xfail} xfail, ${c.xpass} xpass, ${c.error} errors`];
          if (shard) lines.push(`shard ${shard.index}/${shard.count} of ${manifest.run?.shard?.selected} selected cases: merge the shard manifests with \`icn-harness merge\``);
          for (const t of manifest.tiers ?? []) {
            const lcDiv = t.divergent.filter((x) => x.class === 'lc').length;
            lines.push(`tier ${t.tier}: lc root ${t.lc} ${t.lc === manifest.root.lc ? `(same as ${manifest.platform.tier})` : `DIFFERS from ${manifest.platform.tier}`}; ${lcDiv} lc and ${t.divergent.length - lcDiv} advisory entries differ`);
            for (const x of t.divergent.slice(0, 20)) lines.push(`  ${x.class} ${x.id}: ${x.fields.join(', ')}`);
          }
          if (det) {
            if (det.divergence) {
              const v = det.divergence;
              lines.push(`NOT DETERMINISTIC: run ${v.run} differs from run 1 at ${v.id} in ${v.fields.join(', ')}${v.firstDifferingStep !== undefined ? `; trace: last common step ${v.lastCommonStep ?? 'none'}, first differing step ${v.firstDifferingStep}` : ''} (after ${det.compared} entries compared; perturbations: ${det.perturbations.join('; ')})`);
              lines.push(`reproduce: icn-harness run --filter '${v.id}' --seed ${manifest.run?.seed ?? '0'} ${det.mode === 'perturbed' ? '--check-determinism' : `--repeat ${v.run}`}`);
            } else lines.push(`deterministic: ${det.runs} runs agree on all ${manifest.entries.length} entries (${det.perturbations.join('; ')})`);
          }
          if (o.out) lines.push(`wrote ${o.out}`);
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (manifest.counts.error > 0) return EXIT.fault;
        if (manifest.counts.fail + manifest.counts.xpass > 0) return EXIT.negative;
        return tierLcDiverged.length > 0 || det?.divergence ? EXIT.negative : EXIT.ok;
      }),
    );
}
