/** A Markdown summary of a manifest (for humans and `$GITHUB_STEP_SUMMARY`). */
import { printableDeep } from '../io/printable.js';
import type { Manifest } from '../manifest/types.js';
import { suiteNames } from '../suites/registry.js';

const MAX_LISTED = 50;

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`;
}

/**
 * What the run covered beyond its entries: the spec corpus, and the suites a user left out (a run
 * without wasm-spec must say so, never look like a full conformance run).
 */
export function coverageNotes(m: Manifest): string[] {
  const out: string[] = [];
  if (m.corpus) out.push(`spec corpus ${m.corpus.repository}@${m.corpus.commit.slice(0, 7)} (${m.corpus.hash})`);
  if (m.run?.skipped?.length) out.push(`not run: ${m.run.skipped.join(', ')} (left out with --skip-suite)`);
  if (m.run && m.run.suites.length > 0) {
    const left = suiteNames().filter((n) => !m.run!.suites.includes(n) && !m.run!.skipped?.includes(n));
    if (left.length) out.push(`not selected: ${left.join(', ')} (--suite ${m.run.suites.join(',')})`);
  }
  return out;
}

/** Every manifest string goes through printable(): a sealed manifest may still carry a newline + `::error::` or ESC. */
export function markdownSummary(raw: Manifest): string {
  const m = printableDeep(raw);
  const c = m.counts;
  const caseMs = (m._volatile.caseMs ?? {}) as Record<string, number>;
  const ok = c.fail + c.error + c.xpass === 0 && !m.determinism?.divergence && (m.tiers ?? []).every((t) => t.lc === m.root.lc);
  const lines = [
    `# icn-harness run: ${ok ? 'passed' : 'FAILED'}`,
    '',
    `**LC root** \`${m.root.lc}\``,
    '',
    `| status | count |`,
    `|---|---|`,
    ...(['pass', 'fail', 'skip', 'xfail', 'xpass', 'error'] as const).map((s) => `| ${s} | ${c[s]} |`),
    '',
    `| suite | entries | lc entries | time | lc root |`,
    `|---|---|---|---|---|`,
    ...Object.entries(m.root.suites).map(([n, s]) => {
      const t = m.entries.filter((e) => e.suite === n).reduce((a, e) => a + (caseMs[e.id] ?? 0), 0);
      return `| ${n} | ${s.entries} | ${s.lcEntries} | ${ms(t)} | \`${s.lc ?? '—'}\` |`;
    }),
    '',
    ...coverageNotes(m).map((n) => `${n[0]!.toUpperCase()}${n.slice(1)}.\n`),
    `Platform: ${m.platform.arch} ${m.platform.os}${m.platform.emulated ? ' (emulated)' : ''}, Node ${m.platform.node} (V8 ${m.platform.v8}), tier ${m.platform.tier}, CPU features: ${m.platform.cpuFeatures.join(' ') || 'none listed'}. Seed ${m.run?.seed ?? '0'}${m.run?.shard ? `, shard ${m.run.shard.index}/${m.run.shard.count}` : ''}.`,
  ];
  if (m.tiers?.length) {
    lines.push('', '## V8 tiers', '', '| tier | lc root | same as primary | lc entries differing | advisory entries differing |', '|---|---|---|---|---|');
    lines.push(`| ${m.platform.tier} (primary) | \`${m.root.lc}\` | — | — | — |`);
    for (const t of m.tiers) {
      const lc = t.divergent.filter((d) => d.class === 'lc').length;
      lines.push(`| ${t.tier} | \`${t.lc}\` | ${t.lc === m.root.lc ? 'yes' : '**no**'} | ${lc} | ${t.divergent.length - lc} |`);
    }
  }
  if (m.determinism) {
    const d = m.determinism;
    lines.push('', '## Self-determinism check', '');
    if (d.divergence) {
      const v = d.divergence;
      lines.push(`**Not deterministic**: run ${v.run} differs from run 1 at \`${v.id}\` in ${v.fields.map((f) => `\`${f}\``).join(', ')}${v.firstDifferingStep !== undefined ? ` (trace: last common step ${v.lastCommonStep ?? 'none'}, first differing step ${v.firstDifferingStep})` : ''}.`);
    } else lines.push(`${d.runs} runs agree on every entry.`);
    lines.push('', `Perturbations: ${d.perturbations.join('; ')}.`);
  }
  const bad = m.entries.filter((e) => e.status === 'fail' || e.status === 'error' || e.status === 'xpass');
  if (bad.length > 0) {
    lines.push('', '## Failures', '');
    for (const e of bad.slice(0, MAX_LISTED)) lines.push(`- **${e.status}** \`${e.id}\`: ${cell(e.reason ?? '').slice(0, 300)}${e.reproduce ? `<br>reproduce: \`${e.reproduce}\`` : ''}`);
    if (bad.length > MAX_LISTED) lines.push(`- … and ${bad.length - MAX_LISTED} more (see manifest.json)`);
  }
  const xfail = m.entries.filter((e) => e.status === 'xfail');
  if (xfail.length > 0) {
    lines.push('', `## Known failures (${xfail.length}, expected: not passes)`, '');
    for (const e of xfail.slice(0, MAX_LISTED)) lines.push(`- \`${e.id}\`: ${cell(e.reason ?? '').slice(0, 300)}`);
  }
  return `${lines.join('\n')}\n`;
}
