import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

export function register(program: Command): void {
  program
    .command('merge')
    .description(
      'merge the manifests of every shard of one run (run --shard i/n) into the full manifest: same LC root as an unsharded run. Exit 0 merged, 2 incomplete/mismatched shards',
    )
    .argument('<shards...>', 'shard manifests (.json), every shard exactly once, any order')
    .requiredOption(
      '--out <path>',
      'a .json file, or a directory receiving manifest.json and the reports',
    )
    .action(
      action('merge', async (shards: string[], o: { out: string }) => {
        const { readManifest } = await import('../../manifest/io.js');
        const { mergeShards } = await import('../../manifest/merge.js');
        const { writeRunOutputs } = await import('../outputs.js');
        const m = mergeShards(shards.map((p) => readManifest(p)));
        writeRunOutputs(o.out, m);
        const c = m.counts;
        process.stdout.write(
          `lc root ${m.root.lc}\n${m.entries.length} entries from ${shards.length} shards: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped, ${c.xfail} xfail, ${c.xpass} xpass, ${c.error} errors\nwrote ${o.out}\n`,
        );
        return EXIT.ok;
      }),
    );
}
