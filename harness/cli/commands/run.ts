/**
 * `icn-harness run`: the options here; parsing them (run-parse.ts), running the selection
 * (run-exec.ts) and the summary and exit code (run-summary.ts) each in a module of its own,
 * loaded when the command runs.
 */
import type { Command } from 'commander';
import { action } from '../exit.js';
import { collect } from '../options.js';
import type { RunFlags } from './run-parse.js';

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'run suites and write a manifest (a directory gets manifest.json, junit.xml, summary.md, report.html). Exit 0 all passed, 1 a failure, xpass or divergence, 2 usage, 3 harness fault',
    )
    .option(
      '--suite <names>',
      'suites to run (comma-separated or repeated); default: all',
      collect,
      [],
    )
    .option(
      '--skip-suite <names>',
      'leave these suites out (e.g. wasm-spec without a spec corpus); the summary says so',
      collect,
      [],
    )
    .option(
      '--filter <pattern>',
      "select cases by id: 'suite/name' prefix or glob with *",
      collect,
      [],
    )
    .option('--tag <tag>', 'select cases having every given tag', collect, [])
    .option('--list', 'print the selected case ids (after --shard) and exit without running')
    .option('--seed <n>', 'root seed for seeded suites', '0')
    .option(
      '--repeat <n>',
      'run the selection N times; every run must reproduce the first (stops at the first differing entry)',
    )
    .option(
      '--check-determinism',
      'run once more in fresh processes with reverse order, another TZ/locale and V8 seed; stop at the first differing entry/step',
    )
    .option(
      '--tiers <tiers>',
      'V8 wasm tiers, each in its own child processes: default,liftoff,turbofan (first = the manifest; others under tiers/)',
      collect,
    )
    .option(
      '--jobs <n>',
      'cases at once: this process and n-1 forked workers (results never depend on it)',
      '1',
    )
    .option(
      '--shard <i/n>',
      'run shard i of n (round robin over the selection); combine shards with `icn-harness merge`',
    )
    .option(
      '--spec-tests <dir>',
      'the pinned spec corpus (vectors/wasm-spec/corpus.json): a directory, or several joined with ":" (default: $ICN_SPEC_TESTS, the fetched copy, ../shared/spec-tests)',
      undefined,
    )
    .option(
      '--known-failures <file>',
      'known-failure list (default: harness/known-failures.json when present)',
    )
    .option('--no-known-failures', 'ignore the known-failure list')
    .option(
      '--timeout <seconds>',
      'per-case limit (default 300) in worker processes (--jobs ≥ 2, --tiers, the determinism run); a case over it is an error; when given, --jobs runs every case in a worker',
    )
    .option('--no-progress', 'no progress display')
    .option(
      '--out <path>',
      'a .json file (the manifest), or a directory receiving manifest.json and the reports',
    )
    .option('--json', 'print the manifest to stdout instead of a summary')
    .action(
      action('run', async (o: RunFlags) => {
        const { parseRunFlags } = await import('./run-parse.js');
        const plan = parseRunFlags(o);
        if (!o.list) (await import('../../runner/jit.js')).tuneJitForRun(plan.jobs);
        // --jobs: the forks boot while this process loads the run's modules (~0.3 s) and lists
        const release = o.list
          ? () => {}
          : (await import('../../runner/run.js')).prespawnPrimary(plan);
        try {
          const { listSelection, executeRun } = await import('./run-exec.js');
          if (o.list) return await listSelection(plan);
          const result = await executeRun(plan);
          const { summarizeRun } = await import('./run-summary.js');
          return summarizeRun(result, plan);
        } finally {
          release();
        }
      }),
    );
}
