/**
 * Checks that the checks fire: every divergence a nasty's spec lists for `raw` must show in the
 * manifests of a cross-platform run (`npm run xarch`). A listed divergence that no longer appears
 * is reported as `vanished`, which fails the run: a nasty that detects nothing is vacuous.
 *
 * Each divergence expands into instances (one per Node version × tier for `arch`, per platform
 * for `tier`, per arch × tier for `node`). An instance is applicable when the platforms it needs
 * were run; it is detected when the values differ (and equal the listed `values`, when given).
 */
import type { Manifest } from '../../manifest/types.js';
import { caseProfiles, caseTiers, entryId, type Divergence, type LoadedNasty, type Tier } from './spec.js';

export interface PlatformManifest {
  /** Display name, e.g. `arm64-node22.23.3`. */
  name: string;
  manifest: Manifest;
}

export interface DivergenceInstance {
  /** What was compared, e.g. `node 22, tier liftoff: x64 vs arm64`. */
  where: string;
  values: Record<string, string | null>;
  detected: boolean;
  why?: string;
}

export interface DivergenceCheck {
  nasty: string;
  case: string;
  between: Divergence['between'];
  output: string;
  how: string;
  /** `detected`: every applicable instance showed it; `vanished`: at least one did not; `unchecked`: no platform pair to compare. */
  verdict: 'detected' | 'vanished' | 'unchecked';
  instances: DivergenceInstance[];
}

const major = (node: string) => node.replace(/^v/, '').split('.')[0]!;

interface Platform {
  name: string;
  arch: string;
  node: string;
  /** entry id → outputs (entries that ran: status pass/fail) */
  outputs: Map<string, Record<string, string>>;
}

function index(ms: readonly PlatformManifest[]): Platform[] {
  return ms.map(({ name, manifest }) => ({
    name,
    arch: manifest.platform.arch,
    node: major(manifest.platform.node),
    outputs: new Map(manifest.entries.filter((e) => e.status === 'pass' || e.status === 'fail').map((e) => [e.id, e.outputs])),
  }));
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

export function checkDivergences(nasties: readonly LoadedNasty[], manifests: readonly PlatformManifest[]): DivergenceCheck[] {
  const ps = index(manifests);
  const nodes = uniq(ps.map((p) => p.node)).sort();
  const arches = uniq(ps.map((p) => p.arch)).sort();
  const find = (arch: string, node: string) => ps.find((p) => p.arch === arch && p.node === node);
  const out: DivergenceCheck[] = [];
  for (const { spec } of nasties) {
    for (const c of spec.cases) {
      if (!caseProfiles(spec, c).includes('raw')) continue;
      const raw = c.raw ?? spec.defaults?.raw;
      const tiersRun = caseTiers(spec, c);
      for (const d of raw?.divergences ?? []) {
        const key = d.output ?? 'returns';
        const val = (p: Platform | undefined, t: Tier): string | null => p?.outputs.get(entryId(spec.name, c.name, 'raw', t))?.[key] ?? null;
        const tiers = (d.tiers ?? tiersRun).filter((t) => tiersRun.includes(t));
        const instances: DivergenceInstance[] = [];
        const judge = (where: string, values: Record<string, string | null>, expected?: Record<string, string>) => {
          const present = Object.values(values);
          let detected = present.every((v) => v !== null) && new Set(present).size > 1;
          let why = present.some((v) => v === null) ? 'a value is missing (the entry did not run or produced no such output)' : detected ? undefined : 'all values are equal';
          for (const [k, want] of Object.entries(expected ?? {})) {
            if (k in values && values[k] !== want) {
              detected = false;
              why = `${k}: expected ${want}, got ${values[k] ?? 'nothing'}`;
            }
          }
          instances.push(why ? { where, values, detected, why } : { where, values, detected });
        };
        if (d.between === 'arch') {
          for (const n of nodes.filter((n) => !d.nodes || d.nodes.includes(n))) {
            const x = find('x64', n);
            const a = find('arm64', n);
            if (!x || !a) continue;
            for (const t of tiers) judge(`node ${n}, tier ${t}: x64 vs arm64`, { x64: val(x, t), arm64: val(a, t) }, d.values);
          }
        } else if (d.between === 'tier') {
          for (const p of ps.filter((p) => (!d.arches || d.arches.includes(p.arch)) && (!d.nodes || d.nodes.includes(p.node)))) {
            if (tiers.length < 2) continue;
            judge(`${p.name}: tiers ${tiers.join(' vs ')}`, Object.fromEntries(tiers.map((t) => [t, val(p, t)])), d.values);
          }
        } else {
          const ns = nodes.filter((n) => !d.nodes || d.nodes.includes(n));
          for (const ar of arches.filter((ar) => !d.arches || d.arches.includes(ar))) {
            const have = ns.filter((n) => find(ar, n));
            if (have.length < 2) continue;
            for (const t of tiers) judge(`${ar}, tier ${t}: node ${have.join(' vs ')}`, Object.fromEntries(have.map((n) => [n, val(find(ar, n), t)])), d.values);
          }
        }
        const verdict = instances.length === 0 ? 'unchecked' : instances.every((i) => i.detected) ? 'detected' : 'vanished';
        out.push({ nasty: spec.name, case: c.name, between: d.between, output: key, how: d.how, verdict, instances });
      }
    }
  }
  return out;
}

/** A markdown report: detected, vanished (with the values seen) and unchecked divergences. */
export function divergenceReport(checks: readonly DivergenceCheck[], platforms: readonly string[]): string {
  const count = (v: DivergenceCheck['verdict']) => checks.filter((c) => c.verdict === v).length;
  const lines = [
    '# Nasties: raw divergences',
    '',
    `Platforms: ${platforms.join(', ')}. Listed divergences: ${checks.length}; detected ${count('detected')}, vanished ${count('vanished')}, unchecked (platforms not run) ${count('unchecked')}.`,
    '',
    '| verdict | nasty::case | between | output | what | where / values |',
    '|---|---|---|---|---|---|',
  ];
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  for (const c of checks) {
    const shown = c.verdict === 'vanished' ? c.instances.filter((i) => !i.detected) : c.instances.slice(0, 2);
    const where = shown.map((i) => `${i.where}: ${Object.entries(i.values).map(([k, v]) => `${k}=${v ?? '∅'}`).join(', ')}${i.why ? ` (${i.why})` : ''}`).join('; ');
    lines.push(`| ${c.verdict === 'vanished' ? '**VANISHED**' : c.verdict} | ${c.nasty}::${c.case} | ${c.between} | ${c.output} | ${esc(c.how)} | ${esc(where || '-')}${c.instances.length > shown.length && c.verdict !== 'vanished' ? ` (+${c.instances.length - shown.length} more)` : ''} |`);
  }
  return `${lines.join('\n')}\n`;
}
