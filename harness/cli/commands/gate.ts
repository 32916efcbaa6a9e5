import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { collect, notApplicable, parsePositiveInt } from '../options.js';
import { printable } from '../../io/printable.js';
import type { GateResult } from '../../manifest/gate.js';
import type { Manifest } from '../../manifest/types.js';

interface GateFlags {
  golden: string;
  manifest?: string;
  accept?: boolean;
  reason?: string;
  changelog?: string;
  allowNew?: boolean;
  jobs?: string;
  suite: string[];
}

export function register(program: Command): void {
  program
    .command('gate')
    .description(
      'release gate: every LC entry must match the golden manifest. Exit 0 matches (or accepted), 1 an LC change, 2 usage/input error',
    )
    .option('--golden <file>', 'the golden manifest', 'vectors/golden/manifest.json')
    .option('--manifest <file>', 'check this run manifest (default: run the suites now)')
    .option('--suite <names>', 'when running now: only these suites', collect, [])
    .option('--jobs <n>', 'when running now: worker processes (default: 1)')
    .option('--allow-new', 'LC entries missing from the golden do not fail (they are still listed)')
    .option('--accept', 'accept the run as the new golden (a hard fork): needs --reason')
    .option('--reason <text>', 'why the LC change is intended (recorded in the changelog)')
    .option(
      '--changelog <file>',
      'with --accept: consensus changelog to append to (default: docs/CHANGELOG-consensus.md)',
    )
    .action(action('gate', runGate));
}

async function runGate(o: GateFlags): Promise<number> {
  const { existsSync } = await import('node:fs');
  const { isAbsolute, join } = await import('node:path');
  const { readManifest } = await import('../../manifest/io.js');
  const { gateCheck, goldenOf } = await import('../../manifest/gate.js');
  const { UsageError } = await import('../../io/files.js');
  const { repoRoot } = await import('../repo.js');
  refuseIgnoredOptions(o);
  const root = repoRoot();
  const at = (p: string) =>
    isAbsolute(p) ? p : existsSync(p) || !existsSync(join(root, p)) ? p : join(root, p);
  if (o.accept && (!o.reason || o.reason.trim().length < 10))
    throw new UsageError(
      'GATE_REASON',
      'gate --accept needs --reason "…" ' +
        '(at least a sentence: it goes into the consensus changelog)',
    );
  const goldenPath = at(o.golden);
  const current = o.manifest ? readManifest(o.manifest).manifest : await runSuites(o, root);
  const haveGolden = existsSync(goldenPath);
  if (!haveGolden && !o.accept)
    throw new UsageError(
      'GATE_NO_GOLDEN',
      `no golden manifest at ${goldenPath}: create it with --accept --reason "…"`,
    );
  const golden = haveGolden ? readManifest(goldenPath) : undefined;
  const empty = { ...goldenOf({ ...current, entries: [] }) };
  const r = gateCheck(golden?.manifest ?? empty, current, { allowNew: o.allowNew });
  const lines = await diffLines(r, goldenPath, golden?.manifest, o.allowNew);
  if (!o.accept) {
    lines.push(verdictLine(r, golden!.manifest));
    process.stdout.write(`${lines.map(printable).join('\n')}\n`);
    return r.ok ? EXIT.ok : EXIT.negative;
  }
  const changelog = () => at(o.changelog ?? 'docs/CHANGELOG-consensus.md');
  return accept(r, current, { goldenPath, haveGolden, lines, reason: o.reason!, changelog });
}

/** Options that would be silently ignored are errors (issue 21): say where they apply. */
function refuseIgnoredOptions(o: GateFlags): void {
  if (o.manifest && o.suite.length > 0)
    throw notApplicable(
      '--suite',
      'with --manifest',
      'it selects the suites gate runs itself; the manifest given was already run ' +
        '(select suites with run --suite)',
    );
  if (o.manifest && o.jobs !== undefined)
    throw notApplicable(
      '--jobs',
      'with --manifest',
      'gate runs nothing when given a manifest ' +
        '(--jobs applies only when gate runs the suites itself)',
    );
  const acceptOnly =
    '--reason and --changelog apply only with --accept (they record an accepted LC change)';
  if (!o.accept && o.reason !== undefined)
    throw notApplicable('--reason', 'without --accept', acceptOnly);
  if (!o.accept && o.changelog !== undefined)
    throw notApplicable('--changelog', 'without --accept', acceptOnly);
}

/** No --manifest: run the suites now and gate their manifest. */
async function runSuites(o: GateFlags, root: string): Promise<Manifest> {
  const { runAll } = await import('../../runner/run.js');
  const context = { repoRoot: root, seed: 0n, tiers: ['default'] };
  const jobs = parsePositiveInt('--jobs', o.jobs ?? '1', 64);
  const run = await runAll({
    suites: o.suite,
    filters: [],
    tags: [],
    context,
    nowMs: () => Date.now(),
    jobs,
  });
  return run.manifest;
}

/** The roots, then each difference: corpus, absent suites, changed fields, missing and new ids. */
async function diffLines(
  r: GateResult,
  goldenPath: string,
  golden: Manifest | undefined,
  allowNew?: boolean,
): Promise<string[]> {
  const { corpusText } = await import('../../manifest/gate.js');
  const lines: string[] = [];
  lines.push(`golden ${goldenPath}: lc root ${r.goldenRoot}`, `run: lc root ${r.currentRoot}`);
  if (r.corpus)
    lines.push(
      `CORPUS differs: the golden was built from ${corpusText(r.corpus.golden)}, ` +
        `the run from ${corpusText(r.corpus.current)}`,
    );
  for (const a of r.absentSuites)
    lines.push(
      `MISSING ${a.suite}: all ${a.entries} golden LC entries ` +
        `(the run has no ${a.suite} entry: ${a.cause})`,
    );
  const absent = new Set(r.absentSuites.map((a) => a.suite));
  for (const c of r.changed) {
    lines.push(`CHANGED ${c.id}`);
    for (const f of c.fields)
      lines.push(
        `    ${f.field}`,
        `      golden: ${f.golden ?? '(absent)'}`,
        `      run:    ${f.current ?? '(absent)'}`,
      );
  }
  const goldSuite = new Map((golden?.entries ?? []).map((e) => [e.id, e.suite]));
  for (const id of r.missing)
    if (!absent.has(goldSuite.get(id) ?? ''))
      lines.push(`MISSING ${id} (in the golden, not an lc entry of the run)`);
  for (const id of r.added)
    lines.push(`${allowNew ? 'new' : 'NEW'} ${id} (lc entry not in the golden)`);
  return lines;
}

/** The last line of a check without --accept: passed, or what failed and how to accept it. */
function verdictLine(r: GateResult, golden: Manifest): string {
  if (r.ok) {
    const lc = golden.entries.filter((e) => e.class === 'lc').length;
    return `gate passed: all ${lc} golden LC entries match`;
  }
  return (
    `gate FAILED: ${r.corpus ? 'different corpus, ' : ''}${r.changed.length} changed, ` +
    `${r.missing.length} missing, ${r.added.length} new LC entries. ` +
    'An intended change is a hard fork: icn-harness gate --accept --reason "…"'
  );
}

interface Acceptance {
  goldenPath: string;
  haveGolden: boolean;
  lines: string[];
  reason: string;
  /** The changelog path, resolved after the golden is written (as before). */
  changelog: () => string;
}

/** --accept: refuse a failing run; else write the golden and append the changelog section. */
async function accept(r: GateResult, current: Manifest, a: Acceptance): Promise<number> {
  const { appendFileSync, existsSync } = await import('node:fs');
  const { writeManifest } = await import('../../manifest/io.js');
  const { goldenOf, changelogSection } = await import('../../manifest/gate.js');
  const { UsageError, readText, writeFileAtomic } = await import('../../io/files.js');
  const { lines } = a;
  const failing = (s: string) => s === 'fail' || s === 'error' || s === 'xpass';
  const broken = current.entries.filter((e) => e.class === 'lc' && failing(e.status));
  if (broken.length) {
    const some = broken
      .slice(0, 3)
      .map((e) => `${e.id}: ${e.status}`)
      .join(', ');
    throw new UsageError(
      'GATE_ACCEPT_FAILING',
      `refusing to accept a run with ${broken.length} failing lc entries (${some}): ` +
        'fix them or list them as known failures first',
    );
  }
  const same = !r.corpus && r.changed.length === 0 && r.missing.length === 0;
  if (same && r.added.length === 0 && a.haveGolden) {
    process.stdout.write(
      `${lines.map(printable).join('\n')}\nthe golden already matches: nothing to accept\n`,
    );
    return EXIT.ok;
  }
  writeManifest(a.goldenPath, goldenOf(current));
  const changelogPath = a.changelog();
  const p = current.platform;
  const date = new Date().toISOString().slice(0, 10);
  const platform = `${p.arch} ${p.os} node ${p.node}`;
  const section = changelogSection(r, { reason: a.reason, date, platform });
  if (!existsSync(changelogPath))
    writeFileAtomic(
      changelogPath,
      '# Consensus changelog\n\n' +
        'Every change of an LC hash is a hard fork and is recorded here by ' +
        `\`icn-harness gate --accept\`.\n\n${section}`,
    );
  else {
    const text = readText(changelogPath);
    appendFileSync(changelogPath, `${text.endsWith('\n') ? '' : '\n'}\n${section}`);
  }
  lines.push(
    `accepted: wrote ${a.goldenPath} (lc root ${r.currentRoot}) and appended to ${changelogPath}`,
  );
  process.stdout.write(`${lines.map(printable).join('\n')}\n`);
  return EXIT.ok;
}
