import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

export function register(program: Command): void {
  program
    .command('diff')
    .description(
      'compare two or more manifests down to the first differing entry and trace step: exit 0 LC identical, 1 LC differs, 2 usage/input error',
    )
    .argument('<a>', 'manifest A (.json)')
    .argument('<b>', 'manifest B (.json)')
    .argument('[more...]', 'more manifests (C, D…): the output says which agree with which')
    .option('--json', 'print a sorted, field-level JSON tree of only the differences')
    .option(
      '--html <file>',
      'also write a single-file HTML page of the differences (with a chart per suite)',
    )
    .option(
      '--expected <file>',
      'declared expected divergences (default: harness/expected-divergences.json when present)',
    )
    .action(
      action(
        'diff',
        async (
          a: string,
          b: string,
          more: string[],
          o: { json?: boolean; expected?: string; html?: string },
        ) => {
          const { readManifest } = await import('../../manifest/io.js');
          const { diffMany, diffTree } = await import('../../manifest/diff.js');
          const { formatMultiDiff } = await import('../../manifest/format-diff.js');
          const { loadExpectedDivergences, defaultExpectedPath } =
            await import('../../manifest/expected.js');
          const { repoRoot } = await import('../repo.js');
          const paths = [a, b, ...more];
          if (paths.length > 26)
            throw new (await import('../../io/files.js')).UsageError(
              'USAGE_ARGS',
              'diff takes at most 26 manifests',
            );
          const loaded = paths.map((p) => readManifest(p));
          const sides = loaded.map((l, i) => ({
            label: String.fromCharCode(65 + i),
            manifest: l.manifest,
            path: l.path,
          }));
          const expectedPath = o.expected ?? defaultExpectedPath(repoRoot());
          const expected = expectedPath ? loadExpectedDivergences(expectedPath) : [];
          const d = diffMany(sides, expected);
          if (o.html) {
            const { diffHtml } = await import('../../reports/diff-html.js');
            const { writeFileAtomic } = await import('../../io/files.js');
            writeFileAtomic(o.html, diffHtml(d));
          }
          if (o.json) process.stdout.write(`${JSON.stringify(diffTree(d), null, 2)}\n`);
          else {
            process.stdout.write(formatMultiDiff(d));
          }
          return d.lcEqual && d.lc.length === 0 ? EXIT.ok : EXIT.negative;
        },
      ),
    );
}
