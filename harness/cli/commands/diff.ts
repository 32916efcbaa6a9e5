import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

export function register(program: Command): void {
  program
    .command('diff')
    .description('compare two manifests: exit 0 identical LC, 1 LC differs, 2 usage/IO error')
    .argument('<a>', 'manifest A (.json)')
    .argument('<b>', 'manifest B (.json)')
    .option('--json', 'print only the differences as JSON')
    .action(
      action('diff', async (a: string, b: string, o: { json?: boolean }) => {
        const { readManifest } = await import('../../manifest/io.js');
        const { diffManifests } = await import('../../manifest/diff.js');
        const { formatDiff } = await import('../../manifest/format-diff.js');
        const ma = readManifest(a);
        const mb = readManifest(b);
        const d = diffManifests(ma.manifest, mb.manifest);
        if (o.json) process.stdout.write(`${JSON.stringify({ ...d, staleHashes: { a: ma.staleHashes, b: mb.staleHashes } }, null, 2)}\n`);
        else {
          for (const id of ma.staleHashes) process.stderr.write(`warning: ${a}: ${id}: stored hash does not match its content (recomputed)\n`);
          for (const id of mb.staleHashes) process.stderr.write(`warning: ${b}: ${id}: stored hash does not match its content (recomputed)\n`);
          process.stdout.write(formatDiff(d, a, b));
        }
        return d.lcEqual && d.lc.length === 0 ? EXIT.ok : EXIT.negative;
      }),
    );
}
