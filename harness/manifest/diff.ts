/**
 * Comparing manifests: descend the hash tree (root → suite → entry) and report only what differs,
 * field by field; for traced entries, bisect the checkpoints to the first differing step. Works on
 * two or more manifests at once (x86_64, aarch64, qemu, tiers…) and says which agree with which.
 * LC differences fail; advisory differences are listed apart and never fail a diff.
 */
import { groupBy, firstTraceDivergence, type TraceDivergence } from './trace.js';
import type {
  CorpusRecord,
  EntryClass,
  Manifest,
  ManifestEntry,
  PlatformFingerprint,
} from './types.js';

export interface FieldDiff {
  field: string;
  a: string | null;
  b: string | null;
}

export interface EntryDiff {
  id: string;
  class: EntryClass;
  kind: 'only-in-a' | 'only-in-b' | 'changed';
  fields: FieldDiff[];
}

/** Two-way summary (the foundation's API; `diffMany` is the general form). */
export interface ManifestDiff {
  lcEqual: boolean;
  rootA: string;
  rootB: string;
  /** Suites whose lc root differs (or that one side lacks). */
  suites: string[];
  lc: EntryDiff[];
  advisory: EntryDiff[];
}

/** The hashed fields of an entry, flattened: class, inputs, status, reason, trace.root, outputs.*. */
export function entryFields(e: ManifestEntry): Map<string, string | null> {
  const f = new Map<string, string | null>([
    ['class', e.class],
    ['inputs', e.inputs],
    ['status', e.status],
    ['reason', e.reason ?? null],
    ['trace.root', e.trace?.root ?? null],
  ]);
  for (const k of Object.keys(e.outputs).sort()) f.set(`outputs.${k}`, e.outputs[k]!);
  return f;
}

export function fieldDiffs(a: ManifestEntry, b: ManifestEntry): FieldDiff[] {
  const fa = entryFields(a);
  const fb = entryFields(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  const fixed = ['class', 'inputs', 'status', 'reason', 'trace.root'];
  keys.sort((x, y) => {
    const ix = fixed.indexOf(x);
    const iy = fixed.indexOf(y);
    if (ix >= 0 || iy >= 0) return (ix < 0 ? 99 : ix) - (iy < 0 ? 99 : iy);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const out: FieldDiff[] = [];
  for (const k of keys) {
    const x = fa.get(k) ?? null;
    const y = fb.get(k) ?? null;
    if (x !== y) out.push({ field: k, a: x, b: y });
  }
  return out;
}

export function diffManifests(a: Manifest, b: Manifest): ManifestDiff {
  const m = diffMany([
    { label: 'A', manifest: a },
    { label: 'B', manifest: b },
  ]);
  const two = (d: MultiEntryDiff): EntryDiff => ({
    id: d.id,
    class: d.class,
    kind: !d.present[0] ? 'only-in-b' : !d.present[1] ? 'only-in-a' : 'changed',
    fields:
      d.present[0] && d.present[1]
        ? d.fields.map((f) => ({ field: f.field, a: f.values[0]!, b: f.values[1]! }))
        : [],
  });
  return {
    lcEqual: m.lcEqual,
    rootA: a.root.lc,
    rootB: b.root.lc,
    suites: m.suites,
    lc: m.lc.map(two),
    advisory: m.advisory.map(two),
  };
}

// ---------------------------------------------------------------------------------------------

export interface Side {
  /** Short name used in output: A, B, C… */
  label: string;
  manifest: Manifest;
  path?: string;
}

/** A declared expected divergence: this advisory entry differs between platforms that differ in `differsBy`. */
export interface ExpectedDivergence {
  id: string;
  differsBy: 'arch' | 'os' | 'node' | 'v8' | 'tier' | 'cpuFeatures';
  reason: string;
}

export interface MultiEntryDiff {
  id: string;
  suite: string;
  class: EntryClass;
  /** Whether each side has the entry. */
  present: boolean[];
  /** Sides grouped by equal entry hash (absent sides form their own group). */
  groups: number[][];
  /** Only the fields that differ, with each side's value (null: absent). */
  fields: { field: string; values: (string | null)[] }[];
  trace?: TraceDivergence;
  reproduce: string;
  /** Set when a declared expected divergence covers this entry. */
  expected?: ExpectedDivergence;
}

export interface MultiDiff {
  sides: { label: string; path?: string; lc: string; all: string; platform: PlatformFingerprint }[];
  /** Sides grouped by LC root. */
  lcGroups: number[][];
  lcEqual: boolean;
  /** Suites whose lc root is not the same on every side. */
  suites: string[];
  lc: MultiEntryDiff[];
  advisory: MultiEntryDiff[];
  /** Declared divergences that should have shown (the sides differ in that platform field) and did not. */
  missingExpected: (ExpectedDivergence & { note: string })[];
  /** Platform fields that differ, with each side's value. */
  platform: { field: string; values: string[] }[];
  /** Each side's corpus record, when they were not all built from the same corpus (the roots then differ). */
  corpus?: (CorpusRecord | null)[];
}

const PLATFORM_FIELDS = [
  'arch',
  'os',
  'node',
  'v8',
  'tier',
  'v8Flags',
  'cpuFeatures',
  'emulated',
] as const;

function platformValue(
  p: PlatformFingerprint,
  f: (typeof PLATFORM_FIELDS)[number] | ExpectedDivergence['differsBy'],
): string {
  const v = (p as unknown as Record<string, unknown>)[f];
  return Array.isArray(v) ? v.join(' ') : v === undefined ? '' : String(v);
}

function idMatches(id: string, pattern: string): boolean {
  if (!pattern.includes('*'))
    return id === pattern || id.startsWith(`${pattern}/`) || id.startsWith(`${pattern}::`);
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(
    id,
  );
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A command that reruns this entry the way the sides ran it. */
export function reproduceCommand(
  id: string,
  entries: (ManifestEntry | undefined)[],
  sides: readonly Side[],
): string {
  const given = entries.find((e) => e?.reproduce)?.reproduce;
  const seeds = [...new Set(sides.map((s) => s.manifest.run?.seed ?? '0'))];
  const tiers = [...new Set(sides.map((s) => s.manifest.platform.tier))];
  let cmd = given ?? `icn-harness run --filter ${shellQuote(id)}`;
  // A suite's own command (scenario, wast…) is kept as given; a run command gets the sides' seed,
  // their tiers and the determinism check.
  if (!cmd.startsWith('icn-harness run ')) return cmd;
  if (seeds.length === 1 && seeds[0] !== '0' && !cmd.includes('--seed'))
    cmd += ` --seed ${seeds[0]}`;
  if (tiers.length > 1 && !cmd.includes('--tiers')) cmd += ` --tiers ${tiers.join(',')}`;
  return cmd.includes('--check-determinism') ? cmd : `${cmd} --check-determinism`;
}

export function diffMany(
  sides: readonly Side[],
  expected: readonly ExpectedDivergence[] = [],
): MultiDiff {
  const ms = sides.map((s) => s.manifest);
  const lcGroups = groupBy(ms.map((m) => m.root.lc));
  const out: MultiDiff = {
    sides: sides.map((s) => ({
      label: s.label,
      path: s.path,
      lc: s.manifest.root.lc,
      all: s.manifest.root.all,
      platform: s.manifest.platform,
    })),
    lcGroups,
    lcEqual: lcGroups.length === 1,
    suites: [],
    lc: [],
    advisory: [],
    missingExpected: [],
    platform: [],
  };
  if (new Set(ms.map((m) => m.corpus?.hash ?? null)).size > 1)
    out.corpus = ms.map((m) => m.corpus ?? null);
  for (const f of PLATFORM_FIELDS) {
    const values = ms.map((m) => platformValue(m.platform, f));
    if (new Set(values).size > 1) out.platform.push({ field: f, values });
  }
  const suiteNames = [...new Set(ms.flatMap((m) => Object.keys(m.root.suites)))].sort();
  const indexes = ms.map((m) => new Map(m.entries.map((e) => [e.id, e])));
  for (const s of suiteNames) {
    const roots = ms.map((m) => m.root.suites[s]);
    if (new Set(roots.map((r) => r?.lc ?? null)).size > 1) out.suites.push(s);
    if (new Set(roots.map((r) => r?.all ?? null)).size === 1) continue; // identical suite: nothing below differs
    const ids = [
      ...new Set(ms.flatMap((m) => m.entries.filter((e) => e.suite === s).map((e) => e.id))),
    ].sort();
    for (const id of ids) {
      const es = indexes.map((ix) => ix.get(id));
      const hashes = es.map((e) => e?.hash ?? null);
      if (new Set(hashes).size === 1) continue;
      const cls: EntryClass = es.some((e) => e?.class === 'lc') ? 'lc' : 'advisory';
      const fieldMaps = es.map((e) => (e ? entryFields(e) : undefined));
      const keys = [...new Set(fieldMaps.flatMap((f) => (f ? [...f.keys()] : [])))];
      const fields: MultiEntryDiff['fields'] = [];
      if (es.every((e) => e !== undefined)) {
        for (const k of keys) {
          const values = fieldMaps.map((f) => f!.get(k) ?? null);
          if (new Set(values).size > 1) fields.push({ field: k, values });
        }
      }
      const d: MultiEntryDiff = {
        id,
        suite: s,
        class: cls,
        present: es.map((e) => e !== undefined),
        groups: groupBy(hashes),
        fields,
        reproduce: reproduceCommand(id, es, sides),
      };
      const t = firstTraceDivergence(es.map((e) => e?.trace));
      if (t) d.trace = t;
      const exp = expected.find((x) => idMatches(id, x.id));
      if (exp) d.expected = exp;
      (cls === 'lc' ? out.lc : out.advisory).push(d);
    }
  }
  const differing = [...out.lc, ...out.advisory];
  for (const x of expected) {
    const values = new Set(ms.map((m) => platformValue(m.platform, x.differsBy)));
    if (values.size < 2) continue; // the sides do not span that platform field: nothing expected
    if (differing.some((d) => idMatches(d.id, x.id))) continue;
    const exists = ms.some((m) => m.entries.some((e) => idMatches(e.id, x.id)));
    out.missingExpected.push({
      ...x,
      note: exists
        ? `identical on every side although they differ in ${x.differsBy}`
        : 'no such entry in any manifest',
    });
  }
  return out;
}

/** Sort object keys recursively (arrays keep their order): stable JSON for tools and humans. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = sortKeys(o[k]);
  return out;
}

/** The `--json` form: a sorted tree of only the differences, suite → entry → field → side. */
export function diffTree(d: MultiDiff): unknown {
  const label = (i: number) => d.sides[i]!.label;
  const labels = (g: number[][]) => g.map((x) => x.map(label));
  const entries = (list: MultiEntryDiff[]) => {
    const bySuite: Record<string, Record<string, unknown>> = {};
    for (const e of list) {
      const fields: Record<string, Record<string, string | null>> = {};
      for (const f of e.fields)
        fields[f.field] = Object.fromEntries(f.values.map((v, i) => [label(i), v]));
      const node: Record<string, unknown> = {
        agreement: labels(e.groups),
        fields,
        reproduce: e.reproduce,
      };
      if (e.present.some((p) => !p))
        node.missingOn = e.present.flatMap((p, i) => (p ? [] : [label(i)]));
      if (e.trace) {
        node.trace = {
          lastCommonStep: e.trace.lastCommonStep,
          firstDifferingStep: e.trace.firstDifferingStep,
          atFirstDifferingStep: Object.fromEntries(e.trace.hashes.map((h, i) => [label(i), h])),
          agreement: labels(e.trace.groups),
          steps: Object.fromEntries(e.trace.steps.map((n, i) => [label(i), n])),
        };
      }
      if (e.expected)
        node.expected = { differsBy: e.expected.differsBy, reason: e.expected.reason };
      (bySuite[e.suite] ??= {})[e.id] = node;
    }
    return bySuite;
  };
  return sortKeys({
    format: 'icn-diff/v1',
    equal: d.lcEqual && d.lc.length === 0,
    sides: Object.fromEntries(
      d.sides.map((s) => [
        s.label,
        {
          path: s.path ?? null,
          lc: s.lc,
          arch: s.platform.arch,
          node: s.platform.node,
          tier: s.platform.tier,
        },
      ]),
    ),
    agreement: labels(d.lcGroups),
    suites: d.suites,
    lc: entries(d.lc),
    advisory: entries(d.advisory),
    missingExpected: d.missingExpected,
    platform: Object.fromEntries(
      d.platform.map((p) => [p.field, Object.fromEntries(p.values.map((v, i) => [label(i), v]))]),
    ),
    corpus: d.corpus ? Object.fromEntries(d.corpus.map((c, i) => [label(i), c])) : undefined,
  });
}
