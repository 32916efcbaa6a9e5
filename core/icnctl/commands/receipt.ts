/** `icnctl receipt get|verify`: receipts of executions, for operators and auditors. */
import type { Command } from 'commander';
import { act, EXIT } from '../context.js';

export function register(program: Command): void {
  const receipt = program
    .command('receipt')
    .description('execution receipts and their witness bundles');
  receipt
    .command('list')
    .description('receipts of executions on this node, oldest first (the last 1000)')
    .action(
      act('receipt list', async (ctx) => {
        const r = await ctx.node().get<{ count: number; receipts: string[] }>('/receipts', {
          count: 'number',
          receipts: 'array',
        });
        ctx.print(
          [
            ...r.receipts,
            `${r.count} receipt(s)${r.count > r.receipts.length ? `, the last ${r.receipts.length} listed` : ''}`,
          ],
          r,
        );
        return EXIT.ok;
      }),
    );
  receipt
    .command('get')
    .description(
      'fetch a receipt (and its witness, when the node has it); --save writes <hex>.receipt.json and <hex>.witness.json',
    )
    .argument('<hash>', 'receipt hash (sha256:…)')
    .option('--save <dir>', 'write the receipt and witness into this directory')
    .action(
      act('receipt get', async (ctx, hash: string, o: { save?: string }) => {
        const { fetchReceipt, hashArg, parseReceipt, receiptLines, saveReceipt } =
          await import('../receipts.js');
        const f = await fetchReceipt(ctx.node(), hashArg('receipt hash', hash), false);
        const files = o.save ? saveReceipt(o.save, f) : [];
        const lines = [
          ...receiptLines(parseReceipt(f.receipt, hash)),
          `  ${f.source === 'adopted' ? 'adopted from gossip (executed elsewhere)' : 'executed on this node'}; witness ${f.witness === null ? 'NOT available' : 'available'}`,
          ...files.map((p) => `wrote ${p}`),
        ];
        ctx.print(lines, { ...f, files });
        return EXIT.ok;
      }),
    );
  receipt
    .command('verify')
    .description(
      'fetch a receipt and its witness and re-execute it here: REPRODUCED (exit 0) or MISMATCH (exit 1)',
    )
    .argument('<hash>', 'receipt hash (sha256:…)')
    .option('--save <dir>', 'also write the receipt and witness into this directory')
    .action(
      act('receipt verify', async (ctx, hash: string, o: { save?: string }) => {
        const { fetchReceipt, hashArg, saveReceipt, verifyFetched } =
          await import('../receipts.js');
        const f = await fetchReceipt(ctx.node(), hashArg('receipt hash', hash), true);
        if (o.save) saveReceipt(o.save, f);
        const v = await verifyFetched(f);
        const lines = [
          `${v.verdict}: receipt ${v.receiptHash} from ${ctx.node().base}`,
          ...(v.verdict === 'REPRODUCED' && v.value !== null
            ? [`  value ${JSON.stringify(v.value)}`]
            : []),
        ];
        for (const m of v.mismatches)
          lines.push(
            `  ${m.field}`,
            `    receipt:   ${m.receipt ?? '(absent)'}`,
            `    replayed:  ${m.replayed ?? '(absent)'}`,
          );
        ctx.print(lines, v);
        return v.verdict === 'REPRODUCED' ? EXIT.ok : EXIT.negative;
      }),
    );
}
