/**
 * GitHub workflow commands for failures (`::error file=…,title=…::message`), so failures show on
 * the pull request. One line per failing entry, capped (GitHub shows at most 10 per step anyway).
 */
import type { Manifest, ManifestEntry } from '../manifest/types.js';

const MAX = 50;

/** Escaping from GitHub's toolkit: data escapes %, CR, LF; properties also `:` and `,`. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The file a case comes from: the entry's `source`, else derived for suites with a known layout. */
export function sourceOf(e: ManifestEntry): string | undefined {
  if (e.source) return e.source;
  if (e.suite === 'vectors') {
    const stem = e.id.slice('vectors/'.length).split('::')[0];
    return `vectors/${stem}.json`;
  }
  return undefined;
}

export function annotations(m: Manifest): string[] {
  const bad = m.entries.filter((e) => e.status === 'fail' || e.status === 'error' || e.status === 'xpass');
  const out = bad.slice(0, MAX).map((e) => {
    const file = sourceOf(e);
    const level = e.status === 'xpass' ? 'warning' : 'error';
    const props = [...(file ? [`file=${escapeProperty(file)}`] : []), `title=${escapeProperty(`${e.status} ${e.id}`)}`].join(',');
    const msg = `${e.reason ?? e.status}${e.reproduce ? `\nreproduce: ${e.reproduce}` : ''}`;
    return `::${level} ${props}::${escapeData(msg)}`;
  });
  if (bad.length > MAX) out.push(`::error title=icn-harness::${bad.length - MAX} more failures (see the manifest and junit.xml)`);
  const det = m.determinism?.divergence;
  if (det) out.push(`::error title=${escapeProperty(`not deterministic: ${det.id}`)}::${escapeData(`run ${det.run} differs from run 1 in ${det.fields.join(', ')}`)}`);
  for (const t of m.tiers ?? []) {
    if (t.lc !== m.root.lc) out.push(`::error title=${escapeProperty(`tier ${t.tier} diverges`)}::${escapeData(`${t.divergent.filter((d) => d.class === 'lc').map((d) => d.id).join(', ')}`)}`);
  }
  return out;
}
