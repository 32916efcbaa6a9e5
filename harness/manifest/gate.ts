/**
 * The release gate: every LC entry of the golden manifest (vectors/golden/manifest.json) must be in
 * the run with the same entry hash. A change is a hard fork: accepted only explicitly, with a
 * reason, by rewriting the golden and appending to docs/CHANGELOG-consensus.md.
 */
import { buildManifest } from './build.js';
import { fieldDiffs } from './diff.js';
import type { CorpusRecord, Manifest } from './types.js';

export interface GateResult {
  ok: boolean;
  goldenRoot: string;
  currentRoot: string;
  /** Set when the two manifests were built from different corpora (or one has none): reported before any entry. */
  corpus?: { golden: CorpusRecord | null; current: CorpusRecord | null };
  /** Suites the golden has LC entries of and the run has no entry of at all, with why when known. */
  absentSuites: { suite: string; entries: number; cause: string }[];
  /** LC entries of the golden whose hash differs in the run, with the differing fields. */
  changed: {
    id: string;
    fields: { field: string; golden: string | null; current: string | null }[];
  }[];
  /** LC entries of the golden absent from the run (or no longer lc). */
  missing: string[];
  /** LC entries of the run that the golden does not have. */
  added: string[];
}

export function gateCheck(
  golden: Manifest,
  current: Manifest,
  opts: { allowNew?: boolean } = {},
): GateResult {
  const cur = new Map(current.entries.map((e) => [e.id, e]));
  const gold = new Map(golden.entries.filter((e) => e.class === 'lc').map((e) => [e.id, e]));
  const r: GateResult = {
    ok: true,
    goldenRoot: golden.root.lc,
    currentRoot: current.root.lc,
    changed: [],
    missing: [],
    added: [],
    absentSuites: [],
  };
  if ((golden.corpus?.hash ?? null) !== (current.corpus?.hash ?? null))
    r.corpus = { golden: golden.corpus ?? null, current: current.corpus ?? null };
  for (const [id, g] of gold) {
    const c = cur.get(id);
    if (!c || c.class !== 'lc') r.missing.push(id);
    else if (c.hash !== g.hash)
      r.changed.push({
        id,
        fields: fieldDiffs(g, c).map((f) => ({ field: f.field, golden: f.a, current: f.b })),
      });
  }
  for (const e of current.entries) if (e.class === 'lc' && !gold.has(e.id)) r.added.push(e.id);
  const runSuites = new Set(current.entries.map((e) => e.suite));
  const missingBySuite = new Map<string, number>();
  for (const id of r.missing) {
    const suite = gold.get(id)!.suite;
    if (!runSuites.has(suite)) missingBySuite.set(suite, (missingBySuite.get(suite) ?? 0) + 1);
  }
  for (const [suite, entries] of [...missingBySuite].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    r.absentSuites.push({ suite, entries, cause: absentCause(suite, current) });
  r.ok =
    !r.corpus &&
    r.changed.length === 0 &&
    r.missing.length === 0 &&
    (opts.allowNew === true || r.added.length === 0);
  return r;
}

/** Why a whole suite is absent from a run, from what its manifest says about the selection. */
function absentCause(suite: string, m: Manifest): string {
  const run = m.run;
  if (run?.skipped?.includes(suite)) return `left out with --skip-suite ${suite}`;
  if (run && run.suites.length > 0 && !run.suites.includes(suite))
    return `not selected (--suite ${run.suites.join(',')})`;
  if (run && (run.filters.length > 0 || run.tags.length > 0))
    return `not selected by --filter/--tag (${[...run.filters, ...run.tags].join(' ')})`;
  if (run?.shard)
    return `this is shard ${run.shard.index}/${run.shard.count}: merge the shards first (icn-harness merge)`;
  if (suite === 'wasm-spec')
    return 'the run has no spec corpus: run `npm run spec-tests:fetch` or pass --spec-tests DIR';
  return 'the run has no entry of this suite';
}

/** `owner/name@abcdef0 sha256:…`, or `(no corpus)`. */
export function corpusText(c: CorpusRecord | null | undefined): string {
  return c ? `${c.repository}@${c.commit.slice(0, 7)} ${c.hash}` : '(no corpus)';
}

/** The golden form of a run: its LC entries only, no timings. */
export function goldenOf(m: Manifest): Manifest {
  const g = buildManifest({
    entries: m.entries.filter((e) => e.class === 'lc'),
    platform: m.platform,
    generator: m.generator,
    volatile: {},
    corpus: m.corpus,
  });
  if (m.run) {
    const { shard: _s, ...run } = m.run;
    g.run = run;
  }
  return g;
}

/** The CHANGELOG-consensus.md section recording an accepted LC change. */
export function changelogSection(
  r: GateResult,
  args: { reason: string; date: string; platform: string; max?: number },
): string {
  const max = args.max ?? 100;
  const lines = [
    `## ${args.date}: LC root ${r.goldenRoot} → ${r.currentRoot}`,
    '',
    `Reason: ${args.reason.trim()}`,
    '',
    `Accepted with \`icn-harness gate --accept\` on ${args.platform}. ${r.changed.length} changed, ${r.added.length} added, ${r.missing.length} removed LC entries.`,
    '',
  ];
  if (r.corpus)
    lines.push(`Corpus: ${corpusText(r.corpus.golden)} → ${corpusText(r.corpus.current)}`, '');
  const list = (title: string, ids: string[]) => {
    if (!ids.length) return;
    lines.push(`${title}:`, '');
    for (const item of ids.slice(0, max)) lines.push(`- ${item}`);
    if (ids.length > max) lines.push(`- … and ${ids.length - max} more`);
    lines.push('');
  };
  const code = (id: string) => `\`${id}\``;
  list(
    'Changed (hard fork: nodes on the old rules compute different results)',
    r.changed.map((c) => `${code(c.id)} (${c.fields.map((f) => f.field).join(', ')})`),
  );
  list('Added', r.added.map(code));
  list('Removed', r.missing.map(code));
  return `${lines.join('\n')}\n`;
}
