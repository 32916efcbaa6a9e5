import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { collect } from '../options.js';
import { printable } from '../../io/printable.js';

interface ReplayFlags {
  witness?: string;
  receipt?: string;
  node?: string;
  code: string[];
  expectOutput?: string;
  entry: string[];
  json?: boolean;
  listFormats?: boolean;
  makeExample?: string;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description(
      're-execute an execution receipt, a witness bundle, a proof of misbehavior, a replay bundle or a manifest: prints REPRODUCED (exit 0) or MISMATCH with the differing fields (exit 1); 2 bad input',
    )
    .argument('[file]', 'the artifact (.json), recognised by its "format" field')
    .option(
      '--witness <file>',
      'the witness bundle of a receipt (default: <name>.witness.json beside it)',
    )
    .option(
      '--receipt <file>',
      'the receipt a witness bundle belongs to (default: <name>.receipt.json beside it); with --node, the receipt hash',
    )
    .option(
      '--node <url>',
      "fetch --receipt HASH and its witness from this icn-node's HTTP API and re-execute it here",
    )
    .option(
      '--code <file>',
      'contract JSON or .wasm module a PoM witness refers to by hash (repeatable)',
      collect,
      [],
    )
    .option('--expect-output <hash>', 'for a bare PoM witness: the output hash it must replay to')
    .option(
      '--entry <pattern>',
      "for a manifest: re-run only these entries ('suite/name' prefix or glob)",
      collect,
      [],
    )
    .option('--json', 'print the report as JSON')
    .option('--list-formats', 'list the artifact formats replay understands')
    .option(
      '--make-example <file>',
      'write a sample replay bundle (Calculator.add(5,3): signed receipt + witness) and exit',
    )
    .action(
      action('replay', async (file: string | undefined, o: ReplayFlags) => {
        const { REPLAYERS, replayFile, replayFromNode } = await import('../../replay/replayers.js');
        const { UsageError, writeFileAtomic } = await import('../../io/files.js');
        const { repoRoot } = await import('../repo.js');
        if (o.listFormats) {
          for (const f of REPLAYERS.formats())
            process.stdout.write(`${f}\t${REPLAYERS.get(f)!.description}\n`);
          return EXIT.ok;
        }
        if (o.makeExample) {
          const { calculatorBundle } = await import('../../replay/example.js');
          writeFileAtomic(
            o.makeExample,
            `${JSON.stringify(await calculatorBundle(repoRoot()), null, 2)}\n`,
          );
          process.stdout.write(`wrote ${o.makeExample}\n`);
          return EXIT.ok;
        }
        let r;
        if (o.node !== undefined) {
          if (file || !o.receipt)
            throw new UsageError(
              'USAGE_ARGS',
              'replay --node URL takes --receipt HASH and no FILE',
            );
          r = await replayFromNode(o.node, o.receipt);
        } else if (!file)
          throw new UsageError(
            'USAGE_ARGS',
            'replay needs a FILE (or --node URL --receipt HASH, --list-formats, --make-example FILE)',
          );
        else
          r = await replayFile({
            path: file,
            witness: o.witness,
            receipt: o.receipt,
            code: o.code,
            expectOutput: o.expectOutput,
            entries: o.entry,
            repoRoot: repoRoot(),
          });
        if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        else {
          const lines = [`${r.verdict}: ${r.artifact}`];
          for (const f of r.fields)
            lines.push(
              `  ${f.field}`,
              `    artifact:  ${f.expected ?? '(absent)'}`,
              `    replayed:  ${f.actual ?? '(absent)'}`,
            );
          for (const n of r.notes) lines.push(`  · ${n}`);
          process.stdout.write(`${lines.map(printable).join('\n')}\n`);
        }
        return r.verdict === 'REPRODUCED' ? EXIT.ok : EXIT.negative;
      }),
    );
}
