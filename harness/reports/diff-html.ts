/**
 * A single-file HTML page of a manifest diff (`icn-harness diff … --html FILE`): the sides and
 * their platforms, which agree with which, a chart of the divergences per suite (lc and advisory),
 * and every differing entry field by field with its trace localisation and reproduce command.
 * No scripts, no external resources; capped in size (advisory entries are dropped first).
 */
import type { MultiDiff, MultiEntryDiff } from '../manifest/diff.js';
import { DEFAULT_HTML_CAP, hbars } from './html.js';
import { xmlEscape as esc } from './junit.js';

function entryBlock(d: MultiDiff, e: MultiEntryDiff): string {
  const label = (i: number) => d.sides[i]!.label;
  const rows = e.fields
    .map((f) => {
      const byValue = new Map<string | null, number[]>();
      f.values.forEach((v, i) => byValue.set(v, [...(byValue.get(v) ?? []), i]));
      return [...byValue].map(([v, idx], k) => `<tr>${k === 0 ? `<td rowspan="${byValue.size}"><code>${esc(f.field)}</code></td>` : ''}<td>${idx.map(label).join(', ')}</td><td><code>${esc(v ?? '(absent)')}</code></td></tr>`).join('');
    })
    .join('');
  const t = e.trace;
  const trace = t
    ? `<p>trace: ${t.firstDifferingStep === null ? `every shared checkpoint agrees (last common step ${t.lastCommonStep ?? 'none'}); the traces differ after it` : `last common step <b>${t.lastCommonStep ?? 'none'}</b>, first differing step <b>${t.firstDifferingStep}</b>: ${t.groups.map((g) => `${g.map(label).join(',')} <code>${esc(t.hashes[g[0]!] ?? '(none)')}</code>`).join(' | ')}`}; steps ${t.steps.map((n, i) => `${label(i)} ${n}`).join(', ')}</p>`
    : '';
  const missing = e.present.some((p) => !p) ? `<p>absent from ${e.present.flatMap((p, i) => (p ? [] : [label(i)])).join(', ')}</p>` : '';
  return `<section class="${e.class}"><h3><code>${esc(e.id)}</code> <span class="muted">${e.class}; agree ${e.groups.map((g) => g.map(label).join(',')).join(' | ')}</span>${e.expected ? ` <span class="tag">expected: ${esc(e.expected.reason)}</span>` : ''}</h3>${missing}${rows ? `<table><tr><th>field</th><th>sides</th><th>value</th></tr>${rows}</table>` : ''}${trace}<p class="small">reproduce: <code>${esc(e.reproduce)}</code></p></section>`;
}

export function diffHtml(d: MultiDiff, opts: { capBytes?: number } = {}): string {
  const cap = opts.capBytes ?? DEFAULT_HTML_CAP;
  const ok = d.lcEqual && d.lc.length === 0;
  const suites = [...new Set([...d.lc, ...d.advisory].map((e) => e.suite))].sort();
  const chart = hbars(
    suites.map((s) => ({
      label: s,
      parts: [
        { value: d.lc.filter((e) => e.suite === s).length, color: '#c62828', title: `${s}: lc entries` },
        { value: d.advisory.filter((e) => e.suite === s && !e.expected).length, color: '#9e9d24', title: `${s}: advisory entries` },
        { value: d.advisory.filter((e) => e.suite === s && e.expected).length, color: '#78909c', title: `${s}: expected divergences` },
      ],
    })),
  );
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>icn-harness diff</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1b1b;max-width:1400px}code{font:12px ui-monospace,monospace;word-break:break-all}
table{border-collapse:collapse;margin:6px 0 10px}th,td{border:1px solid #e0e0e0;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f5f5f5}
.muted{color:#777;font-weight:normal;font-size:13px}.small{font-size:12px}.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
section{border-left:4px solid #c62828;padding-left:10px;margin:10px 0}section.advisory{border-color:#9e9d24}.tag{background:#eceff1;padding:1px 6px;border-radius:6px;font-size:12px}
.chart text{font:12px system-ui,sans-serif;fill:#333}
</style></head><body>
<h1>icn-harness diff <span class="badge" style="background:${ok ? '#2e7d32' : '#c62828'}">${ok ? 'LC IDENTICAL' : 'LC DIFFERS'}</span></h1>
<table><tr><th>side</th><th>manifest</th><th>arch</th><th>os</th><th>node</th><th>tier</th><th>lc root</th></tr>${d.sides.map((s) => `<tr><td>${s.label}</td><td><code>${esc(s.path ?? '')}</code></td><td>${esc(s.platform.arch)}${s.platform.emulated ? ' (emulated)' : ''}</td><td>${esc(s.platform.os)}</td><td>${esc(s.platform.node)}</td><td>${esc(s.platform.tier)}</td><td><code>${s.lc}</code></td></tr>`).join('')}</table>
<p>Agreement on the LC root: <b>${d.lcGroups.map((g) => g.map((i) => d.sides[i]!.label).join(',')).join(' | ')}</b>. ${d.lc.length} lc and ${d.advisory.length} advisory entries differ${d.missingExpected.length ? `; ${d.missingExpected.length} expected divergences did not appear` : ''}.</p>
<h2>Divergences per suite</h2><p class="small"><span style="color:#c62828">■</span> lc <span style="color:#9e9d24">■</span> advisory <span style="color:#78909c">■</span> expected</p>${suites.length ? chart : '<p>No divergence.</p>'}
${d.missingExpected.length ? `<h2>Expected divergences that did not appear</h2><ul>${d.missingExpected.map((x) => `<li><code>${esc(x.id)}</code> (differs by ${x.differsBy}): ${esc(x.note)}; declared because ${esc(x.reason)}</li>`).join('')}</ul>` : ''}`;
  const tail = '</body></html>\n';
  for (const [lcMax, advMax] of [[Infinity, Infinity], [Infinity, 200], [500, 20], [100, 0], [10, 0]] as const) {
    const body = `<h2>LC entries</h2>${d.lc.slice(0, lcMax).map((e) => entryBlock(d, e)).join('') || '<p>none</p>'}${d.lc.length > lcMax ? `<p class="muted">${d.lc.length - lcMax} more lc entries (size cap): see --json</p>` : ''}<h2>Advisory entries (never fail)</h2>${d.advisory.slice(0, advMax).map((e) => entryBlock(d, e)).join('') || '<p>none</p>'}${d.advisory.length > advMax ? `<p class="muted">${d.advisory.length - advMax} more advisory entries (size cap): see --json</p>` : ''}`;
    const html = head + body + tail;
    if (Buffer.byteLength(html) <= cap) return html;
  }
  return `${head.slice(0, cap - 100)}${tail}`;
}
