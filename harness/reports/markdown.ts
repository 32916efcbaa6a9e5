/** A Markdown summary of a manifest (for humans and `$GITHUB_STEP_SUMMARY`). */
import type { Manifest } from '../manifest/types.js';

const MAX_LISTED = 50;

export function markdownSummary(m: Manifest): string {
  const c = m.counts;
  const lines = [
    `# icn-harness run`,
    '',
    `**LC root** \`${m.root.lc}\``,
    '',
    `| status | count |`,
    `|---|---|`,
    ...(['pass', 'fail', 'skip', 'xfail', 'xpass', 'error'] as const).map((s) => `| ${s} | ${c[s]} |`),
    '',
    `| suite | entries | lc entries | lc root |`,
    `|---|---|---|---|`,
    ...Object.entries(m.root.suites).map(([n, s]) => `| ${n} | ${s.entries} | ${s.lcEntries} | \`${s.lc ?? '—'}\` |`),
    '',
    `Platform: ${m.platform.arch} ${m.platform.os}, Node ${m.platform.node} (V8 ${m.platform.v8}), tier ${m.platform.tier}, CPU features: ${m.platform.cpuFeatures.join(' ') || 'none listed'}`,
  ];
  const bad = m.entries.filter((e) => e.status === 'fail' || e.status === 'error' || e.status === 'xpass');
  if (bad.length > 0) {
    lines.push('', '## Failures', '');
    for (const e of bad.slice(0, MAX_LISTED)) lines.push(`- **${e.status}** \`${e.id}\`: ${(e.reason ?? '').replace(/\n/g, ' ').slice(0, 300)}`);
    if (bad.length > MAX_LISTED) lines.push(`- … and ${bad.length - MAX_LISTED} more (see manifest.json)`);
  }
  return `${lines.join('\n')}\n`;
}
