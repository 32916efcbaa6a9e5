/** `icnctl ledger entry|heads`: the node's mutual-credit journal. */
import type { Command } from 'commander';
import { act, EXIT } from '../context.js';

export function register(program: Command): void {
  const ledger = program.command('ledger').description("the node's ledger journal");
  ledger
    .command('entry')
    .description('one journal entry by id')
    .argument('<id>', 'entry id (sha256:…)')
    .action(
      act('ledger entry', async (ctx, id: string) => {
        const { hashArg } = await import('../receipts.js');
        const r = await ctx
          .node()
          .get<{ entry: Record<string, unknown> }>(`/ledger/entries/${hashArg('entry id', id)}`, {
            entry: 'object',
          });
        ctx.print([JSON.stringify(r.entry, null, 2)], r);
        return EXIT.ok;
      }),
    );
  ledger
    .command('heads')
    .description("the journal's heads (entries no other entry names as parent)")
    .action(
      act('ledger heads', async (ctx) => {
        const r = await ctx.node().get<{ heads: string[] }>('/ledger/heads', { heads: 'array' });
        ctx.print(r.heads, r);
        return EXIT.ok;
      }),
    );
}
