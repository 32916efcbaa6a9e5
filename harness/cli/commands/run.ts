import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { collect, parseSeed } from '../options.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('run suites and write a manifest (and, for a directory, summary.md)')
    .option('--suite <names>', 'suites to run (comma-separated or repeated); default: all', collect, [])
    .option('--filter <pattern>', "select cases by id: 'suite/name' prefix or glob with *", collect, [])
    .option('--tag <tag>', 'select cases having every given tag', collect, [])
    .option('--seed <n>', 'root seed for seeded suites', '0')
    .option('--spec-tests <dir>', 'directory of WebAssembly spec .wast files', undefined)
    .option('--out <path>', 'a .json file, or a directory receiving manifest.json + summary.md')
    .option('--json', 'print the manifest to stdout instead of a summary')
    .action(
      action('run', async (o: { suite: string[]; filter: string[]; tag: string[]; seed: string; specTests?: string; out?: string; json?: boolean }) => {
        const { runSelected } = await import('../../runner/run.js');
        const { writeRunOutputs } = await import('../outputs.js');
        const { repoRoot } = await import('../repo.js');
        const seed = parseSeed(o.seed);
        const quiet = o.json === true;
        const manifest = await runSelected({
          suites: o.suite,
          filters: o.filter,
          tags: o.tag,
          context: { repoRoot: repoRoot(), seed, specTestsDir: o.specTests, tiers: ['default'] },
          nowMs: () => Date.now(), // wall clock: _volatile timings only
          onCase: quiet ? undefined : (done, total, e) => {
            if (e.status !== 'pass' && e.status !== 'skip') process.stderr.write(`[${done}/${total}] ${e.status.toUpperCase()} ${e.id}${e.reason ? `: ${e.reason.slice(0, 200)}` : ''}\n`);
          },
        });
        if (o.out) writeRunOutputs(o.out, manifest);
        if (quiet) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
        else {
          const c = manifest.counts;
          process.stdout.write(`lc root ${manifest.root.lc}\n${manifest.entries.length} entries: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped, ${c.xfail} xfail, ${c.xpass} xpass, ${c.error} errors\n`);
          if (o.out) process.stdout.write(`wrote ${o.out}\n`);
        }
        if (manifest.counts.error > 0) return EXIT.fault;
        return manifest.counts.fail + manifest.counts.xpass > 0 ? EXIT.negative : EXIT.ok;
      }),
    );
}
