/**
 * Human-readable rendering of a manifest diff, in the style of a consensus-error report: which
 * sides agree with which, each differing field per group, the last common trace step and each
 * side's step, and a command that reproduces the entry.
 */
import { printable } from '../io/printable.js';
import type { MultiDiff, MultiEntryDiff } from './diff.js';

function sideName(d: MultiDiff, i: number): string {
  return d.sides[i]!.label;
}

function groupsText(d: MultiDiff, groups: number[][]): string {
  return groups.map((g) => g.map((i) => sideName(d, i)).join(',')).join(' | ');
}

function renderEntry(d: MultiDiff, e: MultiEntryDiff): string[] {
  const out: string[] = [];
  const head = `  ${e.id}  (agree: ${groupsText(d, e.groups)})`;
  out.push(
    e.expected
      ? `${head}  [expected: differs by ${e.expected.differsBy}: ${e.expected.reason}]`
      : head,
  );
  const missing = e.present.flatMap((p, i) => (p ? [] : [sideName(d, i)]));
  if (missing.length)
    out.push(
      `    only in ${e.present.flatMap((p, i) => (p ? [sideName(d, i)] : [])).join(',')}; absent from ${missing.join(',')}`,
    );
  for (const f of e.fields) {
    out.push(`    ${f.field}`);
    const byValue = new Map<string | null, number[]>();
    f.values.forEach((v, i) => byValue.set(v, [...(byValue.get(v) ?? []), i]));
    for (const [v, idx] of byValue)
      out.push(`      ${idx.map((i) => sideName(d, i)).join(',')}: ${v ?? '(absent)'}`);
  }
  if (e.trace) {
    const t = e.trace;
    const steps = t.steps.map((n, i) => `${sideName(d, i)} ${n}`).join(', ');
    if (t.firstDifferingStep === null) {
      out.push(
        `    trace: every shared checkpoint agrees (last common step ${t.lastCommonStep ?? 'none'}); the traces differ after it (steps: ${steps})`,
      );
    } else {
      out.push(
        `    trace: last common step ${t.lastCommonStep ?? '(none: the first checkpoint differs)'}; first differing step ${t.firstDifferingStep} (bisected in ${t.probes} probes)`,
      );
      for (const g of t.groups)
        out.push(
          `      ${g.map((i) => sideName(d, i)).join(',')}: step ${t.firstDifferingStep} ${t.hashes[g[0]!] ?? '(no checkpoint)'}`,
        );
      out.push(`      steps: ${steps}`);
    }
  }
  out.push(`    reproduce: ${e.reproduce}`);
  return out;
}

export function formatMultiDiff(d: MultiDiff): string {
  const out: string[] = [];
  for (const s of d.sides) {
    const p = s.platform;
    out.push(
      `${s.label}: ${s.path ?? '(manifest)'}  ${p.arch} ${p.os} node ${p.node} tier ${p.tier}${p.emulated ? ' (emulated)' : ''}  lc ${s.lc}`,
    );
  }
  for (const p of d.platform)
    out.push(
      `platform differs in ${p.field}: ${p.values.map((v, i) => `${sideName(d, i)}=${v || '-'}`).join(' ')}`,
    );
  if (d.corpus) {
    // Different corpora: every entry below them may differ for that reason alone, so it comes first.
    out.push(
      `CORPUS differs: the manifests were built from different spec corpora (their roots cannot agree)`,
    );
    for (const [i, c] of d.corpus.entries())
      out.push(
        `  ${sideName(d, i)}: ${c ? `${c.repository}@${c.commit} ${c.hash}` : '(no corpus)'}`,
      );
  }
  if (d.lcEqual && d.lc.length === 0) out.push(`LC identical: ${d.sides[0]!.lc}`);
  else {
    out.push(`LC differs: agree ${groupsText(d, d.lcGroups)}`);
    if (d.suites.length) out.push(`suites with different lc roots: ${d.suites.join(', ')}`);
    out.push(`${d.lc.length} lc entr${d.lc.length === 1 ? 'y differs' : 'ies differ'}:`);
    for (const e of d.lc) out.push(...renderEntry(d, e));
  }
  if (d.advisory.length) {
    out.push(
      `${d.advisory.length} advisory entr${d.advisory.length === 1 ? 'y differs' : 'ies differ'} (never fails a diff):`,
    );
    for (const e of d.advisory) out.push(...renderEntry(d, e));
  }
  if (d.missingExpected.length) {
    out.push(
      `${d.missingExpected.length} expected divergence${d.missingExpected.length === 1 ? '' : 's'} did not appear:`,
    );
    for (const x of d.missingExpected)
      out.push(`  ${x.id} (differs by ${x.differsBy}): ${x.note}; declared because: ${x.reason}`);
  }
  // Each line holds artifact text (ids, values, platform, reasons): escaped, never raw.
  return `${out.map(printable).join('\n')}\n`;
}
