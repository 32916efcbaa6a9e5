/**
 * A single-file HTML report from a manifest: summary, then every entry in one table with failures,
 * errors and xpasses first (filters by status, suite and class, a search box over ids, outputs
 * collapsed per entry), then suites, platform fingerprint and charts (status per suite, where the
 * time goes, benchmark ratios, divergences detected). One inline script (html-script.ts), no
 * external resources; inline SVG. Capped in size: passing rows are dropped first, then other
 * rows, and the report says what it left out.
 */
import type { EntryStatus, Manifest, ManifestEntry } from '../manifest/types.js';
import { xmlEscape as esc } from './junit.js';
import { REPORT_SCRIPT } from './html-script.js';

export const DEFAULT_HTML_CAP = 2 * 1024 * 1024;

const COLORS: Record<EntryStatus, string> = { pass: '#2e7d32', fail: '#c62828', error: '#6a1b9a', xpass: '#ef6c00', xfail: '#9e9d24', skip: '#78909c' };
const STATUSES: EntryStatus[] = ['pass', 'fail', 'error', 'xpass', 'xfail', 'skip'];

export interface BenchmarkRatio {
  name: string;
  /** Time relative to the baseline measured in the same run (1 = as fast as the baseline). */
  ratio: number;
  baseline?: string;
}

/** Benchmark ratios recorded in `_volatile.benchmarks` (timings are volatile by nature). */
export function benchmarksOf(m: Manifest): BenchmarkRatio[] {
  const b = m._volatile.benchmarks;
  if (!Array.isArray(b)) return [];
  return b.flatMap((x) => {
    const o = x as Record<string, unknown>;
    const ratio = typeof o.ratio === 'string' ? Number(o.ratio) : o.ratio;
    if (typeof o.name !== 'string' || typeof ratio !== 'number' || !Number.isFinite(ratio)) return [];
    return [{ name: o.name, ratio, baseline: typeof o.baseline === 'string' ? o.baseline : undefined }];
  });
}

export function hbars(rows: { label: string; parts: { value: number; color: string; title: string }[]; note?: string }[], opts: { unit?: string; marker?: number } = {}): string {
  if (rows.length === 0) return '<p class="muted">nothing to chart</p>';
  const labelW = 250;
  const barW = 480;
  const rowH = 22;
  const max = Math.max(...rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0)), opts.marker ?? 0, 1e-9);
  const h = rows.length * rowH + 24;
  const W = labelW + barW + 120;
  const out = [`<svg class="chart" width="100%" style="max-width:${W}px" role="img" viewBox="0 0 ${W} ${h}" preserveAspectRatio="xMinYMin meet">`];
  rows.forEach((r, i) => {
    const y = i * rowH + 4;
    out.push(`<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(r.label.length > 34 ? `…${r.label.slice(-33)}` : r.label)}</text>`);
    let x = labelW;
    for (const p of r.parts) {
      const w = (p.value / max) * barW;
      if (w > 0) out.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(w, 1).toFixed(1)}" height="${rowH - 6}" fill="${p.color}"><title>${esc(p.title)}</title></rect>`);
      x += w;
    }
    const total = r.parts.reduce((a, p) => a + p.value, 0);
    out.push(`<text x="${x + 6}" y="${y + 14}">${esc(r.note ?? `${Number.isInteger(total) ? total : total.toFixed(2)}${opts.unit ?? ''}`)}</text>`);
  });
  if (opts.marker !== undefined) {
    const mx = labelW + (opts.marker / max) * barW;
    out.push(`<line x1="${mx}" x2="${mx}" y1="0" y2="${h - 18}" stroke="#333" stroke-dasharray="4 3"/><text x="${mx}" y="${h - 4}" text-anchor="middle">${opts.marker}${opts.unit ?? ''} baseline</text>`);
  }
  out.push('</svg>');
  return out.join('');
}

function statusChart(m: Manifest): string {
  const suites = Object.keys(m.root.suites);
  return hbars(
    suites.map((s) => {
      const list = m.entries.filter((e) => e.suite === s);
      return { label: s, parts: STATUSES.map((st) => ({ value: list.filter((e) => e.status === st).length, color: COLORS[st], title: `${s}: ${st}` })) };
    }),
  );
}

function timeChart(m: Manifest): string {
  const caseMs = (m._volatile.caseMs ?? {}) as Record<string, number>;
  if (Object.keys(caseMs).length === 0) return '<p class="muted">no timings in this manifest</p>';
  const suites = Object.keys(m.root.suites);
  const bySuite = hbars(suites.map((s) => ({ label: s, parts: [{ value: m.entries.filter((e) => e.suite === s).reduce((a, e) => a + (caseMs[e.id] ?? 0), 0), color: '#1565c0', title: s }] })), { unit: ' ms' });
  const slow = Object.entries(caseMs).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  const top = hbars(slow.map(([id, v]) => ({ label: id, parts: [{ value: v, color: '#42a5f5', title: id }] })), { unit: ' ms' });
  const passes = Array.isArray(m._volatile.passes) ? (m._volatile.passes as { pass: string; ms: number }[]) : [];
  const passRows = passes.length > 1 ? `<h3>Passes</h3>${hbars(passes.map((p) => ({ label: p.pass, parts: [{ value: p.ms, color: '#5c6bc0', title: p.pass }] })), { unit: ' ms' })}` : '';
  return `<h3>Time per suite (sum of case times)</h3>${bySuite}<h3>Slowest cases</h3>${top}${passRows}`;
}

function benchChart(m: Manifest): string {
  const b = benchmarksOf(m);
  if (b.length === 0) return '<p class="muted">no benchmark ratios in this manifest (<code>_volatile.benchmarks</code>)</p>';
  return hbars(b.map((x) => ({ label: x.name, parts: [{ value: x.ratio, color: x.ratio > 1 ? '#ef6c00' : '#2e7d32', title: `${x.name}: ${x.ratio}× ${x.baseline ?? 'baseline'}` }], note: `${x.ratio.toFixed(2)}×` })), { unit: '×', marker: 1 });
}

function divergenceChart(m: Manifest): string {
  const rows: { label: string; parts: { value: number; color: string; title: string }[] }[] = [];
  for (const t of m.tiers ?? []) {
    const lc = t.divergent.filter((d) => d.class === 'lc').length;
    rows.push({ label: `tier ${t.tier} vs ${m.platform.tier}`, parts: [{ value: lc, color: COLORS.fail, title: 'lc entries' }, { value: t.divergent.length - lc, color: COLORS.xfail, title: 'advisory entries' }] });
  }
  if (m.determinism) rows.push({ label: `self-determinism (${m.determinism.runs} runs)`, parts: [{ value: m.determinism.divergence ? 1 : 0, color: COLORS.fail, title: 'first divergence' }] });
  if (rows.length === 0) return '<p class="muted">no tier or determinism comparison in this run (<code>--tiers</code>, <code>--check-determinism</code>); cross-platform divergences: <code>icn-harness diff</code></p>';
  const total = rows.reduce((a, r) => a + r.parts.reduce((x, p) => x + p.value, 0), 0);
  return `${hbars(rows)}${total === 0 ? '<p>No divergence detected.</p>' : ''}`;
}

/** Failures, errors and xpasses first: the rows a reader is looking for. */
export const STATUS_ORDER: readonly EntryStatus[] = ['fail', 'error', 'xpass', 'xfail', 'skip', 'pass'];

function entryRow(e: ManifestEntry, ms: number | undefined): string {
  const outs = Object.entries(e.outputs);
  const list = outs.map(([k, v]) => `${esc(k)}=${esc(v.length > 400 ? `${v.slice(0, 399)}…` : v)}`).join('<br>');
  const outCell = outs.length === 0 ? '' : `<details><summary>${outs.length} output${outs.length === 1 ? '' : 's'}</summary><div class="outs">${list}</div></details>`;
  return `<tr class="s-${e.status}" data-status="${e.status}" data-suite="${esc(e.suite)}" data-class="${e.class}" data-id="${esc(e.id)}"><td><code>${esc(e.id)}</code></td><td>${esc(e.suite)}</td><td>${e.class}</td><td><b style="color:${COLORS[e.status]}">${e.status}</b></td><td>${ms ?? ''}</td><td class="small">${esc((e.reason ?? '').slice(0, 400))}${e.reproduce && e.status !== 'pass' ? `<br><code>${esc(e.reproduce)}</code>` : ''}</td><td class="small">${outCell}</td></tr>`;
}

/** Entries in reading order: by STATUS_ORDER, then as the manifest lists them. */
export function orderedEntries(m: Manifest): ManifestEntry[] {
  const rank = (e: ManifestEntry): number => STATUS_ORDER.indexOf(e.status);
  return m.entries.map((e, i) => [e, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([e]) => e);
}

function filterBar(m: Manifest): string {
  const c = m.counts;
  const boxes = STATUS_ORDER.map((s) => `<label><input type="checkbox" name="status" value="${s}" checked> <span style="color:${COLORS[s]}">${s}</span> (${c[s]})</label>`).join(' ');
  const suites = Object.keys(m.root.suites).map((s) => `<option value="${esc(s)}">${esc(s)}</option>`).join('');
  const classes = [...new Set(m.entries.map((e) => e.class))].sort().map((k) => `<option value="${k}">${k}</option>`).join('');
  // hidden until the script runs: without JavaScript there is nothing to filter with
  return `<div id="filters" hidden><div>${boxes} <button type="button" id="f-problems">failures only</button> <button type="button" id="f-all">all</button></div>
<div><label>suite <select id="f-suite"><option value="">all suites</option>${suites}</select></label> <label>class <select id="f-class"><option value="">all classes</option>${classes}</select></label> <label>id <input type="search" id="f-search" placeholder="search ids" size="40"></label> <span id="f-count" class="muted"></span></div></div>`;
}

function entriesTable(m: Manifest, passRows: number, otherRows: number): { html: string; omitted: number } {
  const caseMs = (m._volatile.caseMs ?? {}) as Record<string, number>;
  const ordered = orderedEntries(m);
  const notable = ordered.filter((e) => e.status !== 'pass');
  const passing = ordered.filter((e) => e.status === 'pass');
  const shown = [...notable.slice(0, otherRows), ...passing.slice(0, passRows)];
  const omitted = ordered.length - shown.length;
  const table = `<div class="entries-wrap"><table class="entries" id="entries"><thead><tr><th>id</th><th>suite</th><th>class</th><th>status</th><th>ms</th><th>reason / reproduce</th><th>outputs</th></tr></thead><tbody>${shown.map((e) => entryRow(e, caseMs[e.id])).join('')}</tbody></table></div>`;
  return { html: `${filterBar(m)}${table}`, omitted };
}

function suitesTable(m: Manifest): string {
  const rows = Object.entries(m.root.suites).map(([s, root]) => {
    const list = m.entries.filter((e) => e.suite === s);
    const counts = STATUS_ORDER.map((st) => [st, list.filter((e) => e.status === st).length] as const).filter(([, n]) => n > 0).map(([st, n]) => `<span style="color:${COLORS[st]}">${n} ${st}</span>`).join(', ');
    return `<tr><td>${esc(s)}</td><td>${list.length}</td><td>${counts}</td><td><code>${root.lc ?? '—'}</code></td></tr>`;
  });
  return `<table style="width:auto"><tr><th>suite</th><th>entries</th><th>statuses</th><th>lc root</th></tr>${rows.join('')}</table>`;
}

export function htmlReport(m: Manifest, opts: { capBytes?: number; title?: string } = {}): string {
  const cap = opts.capBytes ?? DEFAULT_HTML_CAP;
  const p = m.platform;
  const c = m.counts;
  const ok = c.fail + c.error + c.xpass === 0 && !m.determinism?.divergence && (m.tiers ?? []).every((t) => t.lc === m.root.lc);
  const platformRows = [
    ['arch', p.arch + (p.emulated ? ' (emulated)' : '')],
    ['os', p.os],
    ['node', p.node],
    ['v8', p.v8],
    ['tier', p.tier],
    ['v8 flags', p.v8Flags.join(' ') || '—'],
    ['cpu features', p.cpuFeatures.join(' ') || '—'],
    ['seed', m.run?.seed ?? '0'],
    ['selection', [...(m.run?.suites ?? []), ...(m.run?.filters ?? []), ...(m.run?.tags ?? []).map((t) => `tag:${t}`)].join(' ') || 'everything'],
    ...(m.run?.shard ? [['shard', `${m.run.shard.index}/${m.run.shard.count} of ${m.run.shard.selected}`]] : []),
    ['generator', `${m.generator.name} ${m.generator.version}`],
  ];
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(opts.title ?? 'icn-harness report')}</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1b1b;max-width:1400px}
h1{margin:0 0 8px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
code{font:12px ui-monospace,monospace;word-break:break-all}.muted{color:#777}.small{font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 14px}th,td{border:1px solid #e0e0e0;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f5f5f5}.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
.chart text{font:12px system-ui,sans-serif;fill:#333}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:8px 32px}.grid>div{min-width:0}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
tr.s-fail,tr.s-error{background:#fff3f3}tr.s-xpass{background:#fff8e6}
table.entries td:first-child{min-width:300px}table.entries td:nth-child(6){max-width:340px}table.entries td:last-child{font-size:11px;min-width:300px;overflow-wrap:anywhere}
.entries-wrap{max-height:80vh;overflow:auto;border:1px solid #e0e0e0}table.entries{margin:0}table.entries thead th{position:sticky;top:0}
#filters{background:#f5f5f5;border:1px solid #e0e0e0;padding:6px 8px;margin:8px 0}#filters>div{margin:2px 0}#filters label{margin-right:10px;white-space:nowrap}
details summary{cursor:pointer;color:#1565c0}
</style></head><body>`;
  const summary = `<h1>icn-harness report <span class="badge" style="background:${ok ? COLORS.pass : COLORS.fail}">${ok ? 'PASSED' : 'FAILED'}</span></h1>
<p>LC root <code>${m.root.lc}</code><br>all root <code>${m.root.all}</code></p>
<table style="width:auto"><tr>${STATUSES.map((s) => `<th>${s}</th>`).join('')}</tr><tr>${STATUSES.map((s) => `<td style="color:${COLORS[s]};font-weight:600">${c[s]}</td>`).join('')}</tr></table>`;
  const details = `<h2>Suites</h2>${suitesTable(m)}
<h2>Platform fingerprint</h2><table style="width:auto">${platformRows.map(([k, v]) => `<tr><th>${esc(k!)}</th><td><code>${esc(v!)}</code></td></tr>`).join('')}</table>
<h2>Charts</h2><div class="legend">${STATUSES.map((s) => `<span><i style="background:${COLORS[s]}"></i>${s}</span>`).join('')}</div>
<div class="grid"><div><h3>Status per suite</h3>${statusChart(m)}</div><div><h3>Divergences detected</h3>${divergenceChart(m)}</div>
<div><h3>Benchmark ratios (vs baseline, same run)</h3>${benchChart(m)}</div><div>${timeChart(m)}</div></div>`;
  const tierSection = m.tiers?.length
    ? `<h2>V8 tiers</h2><table><tr><th>tier</th><th>lc root</th><th>differing entries</th></tr><tr><td>${esc(p.tier)} (primary)</td><td><code>${m.root.lc}</code></td><td>—</td></tr>${m.tiers
        .map((t) => `<tr><td>${esc(t.tier)}</td><td><code>${t.lc}</code>${t.lc === m.root.lc ? '' : ' <b style="color:#c62828">differs</b>'}</td><td class="small">${t.divergent.slice(0, 50).map((d) => `${d.class} <code>${esc(d.id)}</code>: ${esc(d.fields.join(', '))}`).join('<br>') || 'none'}</td></tr>`)
        .join('')}</table>`
    : '';
  const det = m.determinism
    ? `<h2>Self-determinism check</h2><p>${m.determinism.divergence ? `<b style="color:#c62828">Not deterministic</b>: run ${m.determinism.divergence.run} differs at <code>${esc(m.determinism.divergence.id)}</code> in ${esc(m.determinism.divergence.fields.join(', '))}` : `${m.determinism.runs} runs agree on every entry`}. Perturbations: ${esc(m.determinism.perturbations.join('; '))}.</p>`
    : '';
  const rest = details + tierSection + det;
  const tail = `<script>${REPORT_SCRIPT}</script></body></html>\n`;
  const problems = c.fail + c.error + c.xpass;
  const lead = problems > 0 ? `<p><b style="color:${COLORS.fail}">${problems} entr${problems === 1 ? 'y needs' : 'ies need'} a look</b>: failures, errors and xpasses are listed first.</p>` : '';
  // Shrink the entries table until the whole report fits under the cap.
  for (const [passRows, otherRows] of [[Infinity, Infinity], [500, Infinity], [100, 2000], [20, 500], [0, 100], [0, 10], [0, 0]] as const) {
    const t = entriesTable(m, passRows, otherRows);
    const note = t.omitted > 0 ? `<p class="muted">Size cap ${cap} bytes: ${t.omitted} rows omitted (failures are kept first): see manifest.json.</p>` : '';
    const html = `${head}${summary}<h2>Entries</h2>${lead}${note}${t.html}${rest}${tail}`;
    if (Buffer.byteLength(html) <= cap) return html;
  }
  return `${(head + summary + rest).slice(0, Math.max(0, cap - 200))}<p>report truncated at the size cap</p></body></html>\n`;
}
