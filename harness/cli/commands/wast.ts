import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

const HELP = `
Input: a .wast script or a directory of them. A binary module (\\0asm) is refused with a pointer
to \`check\`/\`exec\`.
Option combinations (anything else is an error, exit 2, never silently ignored):
  --engine raw | dc | dc-float   run on V8; --tier applies (default | liftoff | turbofan).
  --engine interp                the reference interpreter; --tier is an error (no V8 tiers).
  --quiet                        text output only; with --json it is an error (JSON has every command).
  --json                         one JSON document instead of lines.`;

export function register(program: Command): void {
  program
    .command('wast')
    .description(
      'run WebAssembly spec scripts (.wast) on an engine; prints every command and "N passed, N failed, N skipped"',
    )
    .argument('<paths...>', '.wast files or directories of them (run in the order given)')
    .option(
      '--engine <name>',
      'raw | dc | dc-float | interp (see engines in harness/wast/engine.ts)',
      'raw',
    )
    .option(
      '--tier <tier>',
      'V8 compiler tier: default | liftoff | turbofan (re-executes node with the flags; default: the tier of this node process)',
    )
    .option('--quiet', 'text output only: print only failures, skips and totals')
    .option(
      '--json',
      'print one JSON document (every command, skip reasons, per-file outcome hashes)',
    )
    .addHelpText('after', HELP)
    .action(action('wast', runWast));
}

interface WastFlags {
  engine: string;
  tier?: string;
  quiet?: boolean;
  json?: boolean;
}

async function runWast(paths: string[], o: WastFlags): Promise<number> {
  const { isWasmChild, reexecWith, currentTier } = await import('../../wast/flags.js');
  const { UsageError } = await import('../../io/files.js');
  await refuseBadOptions(o);
  for (const p of paths) await refuseBinary(p);
  const need = await missingTierFlags(o.tier);
  if (need.length > 0 && !isWasmChild()) return reexecWith(need);
  const { wastFiles, skipSummary } = await import('../../wast/runner.js');
  const files = paths.flatMap((p) => wastFiles(p));
  const out = (s: string): boolean => process.stdout.write(s);
  const { totals, docs, skips, unreadable } = await runFiles(files, o, out);
  if (o.json) {
    const doc = {
      engine: o.engine,
      tier: currentTier(),
      node: process.versions.node,
      v8: process.versions.v8,
      ...totals,
      skipsByReason: Object.fromEntries(skipSummary(skips)),
      files: docs,
    };
    out(`${JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  } else if (unreadable.length < files.length) {
    const by = skipSummary(skips)
      .map(([k, n]) => `${k}: ${n}`)
      .join('; ');
    const { passed, failed, skipped } = totals;
    out(`${passed} passed, ${failed} failed, ${skipped} skipped${by ? ` (${by})` : ''}\n`);
  }
  // Every script ran; one the reader could not read is bad input (exit 2), named on stderr.
  if (unreadable.length === 1) throw new UsageError('WAST_UNREADABLE', unreadable[0]!);
  if (unreadable.length > 1) {
    const others = unreadable.length < files.length ? ' (the others ran)' : '';
    throw new UsageError(
      'WAST_UNREADABLE',
      `${unreadable.length} scripts could not be read${others}: ${unreadable.join('; ')}`,
    );
  }
  return totals.failed > 0 ? EXIT.negative : EXIT.ok;
}

/** Option combinations that are errors (exit 2), in the help's order. */
async function refuseBadOptions(o: WastFlags): Promise<void> {
  const { ENGINES } = await import('../../wast/engine.js');
  const { UsageError } = await import('../../io/files.js');
  const { notApplicable } = await import('../options.js');
  if (!ENGINES[o.engine]) {
    const expected = Object.keys(ENGINES).join(', ');
    throw new UsageError(
      'USAGE_ENGINE',
      `--engine ${JSON.stringify(o.engine)}: expected one of ${expected}`,
    );
  }
  if (o.tier !== undefined && o.engine === 'interp')
    throw notApplicable(
      '--tier',
      'with --engine interp',
      'the reference interpreter has no V8 compiler tiers: ' +
        'use --engine raw, dc or dc-float to pick a tier',
    );
  if (o.quiet && o.json)
    throw notApplicable(
      '--quiet',
      'with --json',
      'the JSON document always lists every command: drop one of them',
    );
}

/** The node flags this run still needs: the V8 tier asked for and the missing features. */
async function missingTierFlags(tierFlag: string | undefined): Promise<string[]> {
  const { parseTier, missingFlags, currentTier } = await import('../../wast/flags.js');
  const { flagsForMissingFeatures } = await import('../../wast/v8-features.js');
  const tier = tierFlag === undefined ? currentTier() : parseTier(tierFlag);
  return missingFlags(tier, flagsForMissingFeatures());
}

type ScriptResult = import('../../wast/runner.js').ScriptResult;

/** Each script in turn: its lines (text output), the totals, skips by reason, unreadable ones. */
async function runFiles(files: string[], o: WastFlags, out: (s: string) => boolean) {
  const { runScript } = await import('../../wast/runner.js');
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const docs: ScriptResult[] = [];
  const skips = new Map<string, number>();
  const unreadable: string[] = [];
  const isUnreadable = (x: ScriptResult['results'][number]) =>
    x.cmd === 'script' && x.actual === 'unreadable';
  for (const f of files) {
    const r = await runScript(f, o.engine, {
      onResult: o.json
        ? undefined
        : (file, c) => {
            if (o.quiet && c.status === 'pass') return;
            if (isUnreadable(c)) return; // named once, on stderr, at the end
            const name = file.split(/[\\/]/).pop();
            const reason = c.reason ? ` (${c.reason})` : '';
            out(`${c.status.toUpperCase()} ${name}:${c.line} ${c.cmd} ${c.actual}${reason}\n`);
          },
    });
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped;
    const reader = /^the \.wast reader cannot read this script: /;
    for (const x of r.results)
      if (isUnreadable(x)) unreadable.push((x.reason ?? '').replace(reader, ''));
    for (const x of r.results)
      if (x.status === 'skip')
        skips.set(x.skipKind ?? 'unnamed', (skips.get(x.skipKind ?? 'unnamed') ?? 0) + 1);
    const readable = !r.results.some(isUnreadable);
    if (o.json) docs.push(r);
    else if (readable) {
      const counts = `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
      out(`# ${r.file}: ${counts} (${r.outcomesHash})\n`);
    }
  }
  return { totals, docs, skips, unreadable };
}

/** A binary module given as a script: say what it is (the text reader would report a bogus syntax error). */
async function refuseBinary(path: string): Promise<void> {
  const { openSync, readSync, closeSync, statSync } = await import('node:fs');
  const { isWasmBinary } = await import('../../wast/sniff.js');
  const { UsageError } = await import('../../io/files.js');
  let head: Uint8Array;
  try {
    if (statSync(path).isDirectory()) return;
    const fd = openSync(path, 'r');
    head = new Uint8Array(4);
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
  } catch {
    return; // missing or unreadable: the runner reports it
  }
  if (isWasmBinary(head))
    throw new UsageError(
      'USAGE_FILE',
      `${path}: this is a binary WebAssembly module, not a .wast script: validate it with \`icn-harness check --profile <p> ${path}\` or run an export with \`icn-harness exec\``,
    );
}
