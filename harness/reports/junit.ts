/**
 * JUnit XML from a manifest: one <testsuite> per suite, one <testcase> per entry. JUnit has no
 * xfail: an xfail is <skipped> with its reason (never a pass), an xpass is a <failure> (the
 * known-failure list is out of date), an error is an <error>.
 */
import { printableDeep } from '../io/printable.js';
import type { Manifest, ManifestEntry } from '../manifest/types.js';

export function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids are replaced, never passed through.
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** In an attribute a raw newline or tab is normalised to a space by XML parsers: keep them as character references. */
export const xmlAttrEscape = (s: string): string => xmlEscape(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
const attr = (k: string, v: string | number) => ` ${k}="${xmlAttrEscape(String(v))}"`;

function caseXml(e: ManifestEntry, ms: number | undefined): string {
  const name = e.id.slice(e.suite.length + 1);
  const open = `    <testcase${attr('classname', e.suite)}${attr('name', name)}${attr('time', ((ms ?? 0) / 1000).toFixed(3))}${e.source ? attr('file', e.source) : ''}`;
  const reason = e.reason ?? '';
  const detail = [`id: ${e.id}`, `class: ${e.class}`, `hash: ${e.hash}`, ...Object.entries(e.outputs).map(([k, v]) => `outputs.${k}: ${v}`), ...(e.reproduce ? [`reproduce: ${e.reproduce}`] : [])].join('\n');
  switch (e.status) {
    case 'pass':
      return `${open}/>`;
    case 'skip':
      return `${open}>\n      <skipped${attr('message', reason || 'skipped')}/>\n    </testcase>`;
    case 'xfail':
      return `${open}>\n      <skipped${attr('message', `xfail (expected failure, not a pass): ${reason}`)}/>\n    </testcase>`;
    case 'xpass':
      return `${open}>\n      <failure${attr('message', `xpass: ${reason}`)}${attr('type', 'xpass')}>${xmlEscape(detail)}</failure>\n    </testcase>`;
    case 'fail':
      return `${open}>\n      <failure${attr('message', reason || 'failed')}${attr('type', e.class)}>${xmlEscape(detail)}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error${attr('message', reason || 'harness fault')}${attr('type', 'harness-fault')}>${xmlEscape(detail)}</error>\n    </testcase>`;
  }
}

/** Every manifest string goes through printable() first (control characters as \uXXXX, no leading `::`). */
export function junitXml(raw: Manifest): string {
  const m = printableDeep(raw);
  const caseMs = (m._volatile.caseMs ?? {}) as Record<string, number>;
  const bySuite = new Map<string, ManifestEntry[]>();
  for (const e of m.entries) bySuite.set(e.suite, [...(bySuite.get(e.suite) ?? []), e]);
  const count = (list: ManifestEntry[], ...s: string[]) => list.filter((e) => s.includes(e.status)).length;
  const time = (list: ManifestEntry[]) => (list.reduce((t, e) => t + (caseMs[e.id] ?? 0), 0) / 1000).toFixed(3);
  const p = m.platform;
  const props = [
    ['lc_root', m.root.lc],
    ['all_root', m.root.all],
    ['platform', `${p.arch} ${p.os} node ${p.node} v8 ${p.v8} tier ${p.tier}`],
    ['cpu_features', p.cpuFeatures.join(' ')],
    ['seed', m.run?.seed ?? '0'],
  ];
  const suites = [...bySuite.keys()].sort().map((s) => {
    const list = bySuite.get(s)!;
    return [
      `  <testsuite${attr('name', s)}${attr('tests', list.length)}${attr('failures', count(list, 'fail', 'xpass'))}${attr('errors', count(list, 'error'))}${attr('skipped', count(list, 'skip', 'xfail'))}${attr('time', time(list))}>`,
      `    <properties>${[['suite_lc_root', m.root.suites[s]?.lc ?? ''], ...props].map(([k, v]) => `<property${attr('name', k!)}${attr('value', v!)}/>`).join('')}</properties>`,
      ...list.map((e) => caseXml(e, caseMs[e.id])),
      '  </testsuite>',
    ].join('\n');
  });
  const c = m.counts;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attr('name', 'icn-harness')}${attr('tests', m.entries.length)}${attr('failures', c.fail + c.xpass)}${attr('errors', c.error)}${attr('skipped', c.skip + c.xfail)}${attr('time', time(m.entries))}>\n${suites.join('\n')}\n</testsuites>\n`;
}
