import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { collect } from '../options.js';

export function register(program: Command): void {
  program
    .command('list')
    .description('list the selected cases (id, class, tags) without running them')
    .option('--suite <names>', 'suites (comma-separated or repeated); default: all', collect, [])
    .option('--skip-suite <names>', 'leave these suites out', collect, [])
    .option(
      '--filter <pattern>',
      "select cases by id: 'suite/name' prefix or glob with *",
      collect,
      [],
    )
    .option('--tag <tag>', 'select cases having every given tag', collect, [])
    .option('--spec-tests <dir>', 'the pinned spec corpus: a directory, or several joined with ":"')
    .option('--json', 'print a JSON array')
    .action(
      action(
        'list',
        async (o: {
          suite: string[];
          skipSuite: string[];
          filter: string[];
          tag: string[];
          specTests?: string;
          json?: boolean;
        }) => {
          const { listCases } = await import('../../runner/run.js');
          const { repoRoot } = await import('../repo.js');
          const cases = await listCases({
            suites: o.suite,
            skipSuites: o.skipSuite,
            filters: o.filter,
            tags: o.tag,
            context: {
              repoRoot: repoRoot(),
              seed: 0n,
              specTestsDir: o.specTests,
              tiers: ['default'],
            },
          });
          if (o.json)
            process.stdout.write(
              `${JSON.stringify(
                cases.map((c) => c.spec),
                null,
                2,
              )}\n`,
            );
          else
            for (const { spec } of cases)
              process.stdout.write(`${spec.id}\t${spec.class}\t${spec.tags.join(',')}\n`);
          return EXIT.ok;
        },
      ),
    );
}
