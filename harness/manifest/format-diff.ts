/** Human-readable rendering of a manifest diff. */
import type { EntryDiff, ManifestDiff } from './diff.js';

function renderEntry(d: EntryDiff, a: string, b: string): string[] {
  if (d.kind === 'only-in-a') return [`  ${d.id}: only in ${a}`];
  if (d.kind === 'only-in-b') return [`  ${d.id}: only in ${b}`];
  return [`  ${d.id}:`, ...d.fields.map((f) => `    ${f.field}\n      A: ${f.a ?? '(absent)'}\n      B: ${f.b ?? '(absent)'}`)];
}

export function formatDiff(d: ManifestDiff, a: string, b: string): string {
  const out: string[] = [];
  if (d.lcEqual && d.lc.length === 0) out.push(`LC identical: ${d.rootA}`);
  else {
    out.push(`LC differs: ${d.rootA} (A) vs ${d.rootB} (B)`);
    if (d.suites.length) out.push(`suites with different lc roots: ${d.suites.join(', ')}`);
    out.push(`${d.lc.length} lc entr${d.lc.length === 1 ? 'y differs' : 'ies differ'}:`);
    for (const e of d.lc) out.push(...renderEntry(e, a, b));
  }
  if (d.advisory.length) {
    out.push(`${d.advisory.length} advisory entr${d.advisory.length === 1 ? 'y differs' : 'ies differ'} (never fails a diff):`);
    for (const e of d.advisory) out.push(...renderEntry(e, a, b));
  }
  return `${out.join('\n')}\n`;
}
