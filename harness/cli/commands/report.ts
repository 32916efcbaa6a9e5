import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { collect } from '../options.js';

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'write the reports (junit.xml, summary.md, report.html) of a manifest, e.g. a merged or downloaded one; optionally attach benchmark ratios. Exit 0 written, 2 bad input',
    )
    .argument('<manifest>', 'the manifest (.json)')
    .requiredOption('--out <dir>', 'directory for the reports')
    .option(
      '--benchmarks <file>',
      'benchmark ratios to chart ([{name, ratio, baseline}] or bench:wasm --json output; repeatable)',
      collect,
      [],
    )
    .option('--annotations', 'also print GitHub annotations for the failures to stdout')
    .action(
      action(
        'report',
        async (path: string, o: { out: string; benchmarks: string[]; annotations?: boolean }) => {
          const { readManifest } = await import('../../manifest/io.js');
          const { writeReports } = await import('../outputs.js');
          const { loadBenchmarks } = await import('../../reports/benchmarks.js');
          const { annotations } = await import('../../reports/annotations.js');
          const { manifest: m } = readManifest(path);
          if (o.benchmarks.length)
            m._volatile = {
              ...m._volatile,
              benchmarks: o.benchmarks.flatMap((f) => loadBenchmarks(f)),
            };
          const files = writeReports(o.out, m);
          if (o.annotations) for (const line of annotations(m)) process.stdout.write(`${line}\n`);
          process.stdout.write(`wrote ${files.map((f) => `${o.out}/${f}`).join(', ')}\n`);
          return EXIT.ok;
        },
      ),
    );
}
