/**
 * Comparing two manifests: descend the hash tree (root → suite → entry) and report only what
 * differs, field by field. LC differences fail; advisory differences are listed apart and never
 * fail a diff.
 */
import type { EntryClass, Manifest, ManifestEntry } from './types.js';

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

export interface ManifestDiff {
  lcEqual: boolean;
  rootA: string;
  rootB: string;
  /** Suites whose lc root differs (or that one side lacks). */
  suites: string[];
  lc: EntryDiff[];
  advisory: EntryDiff[];
}

function fieldDiffs(a: ManifestEntry, b: ManifestEntry): FieldDiff[] {
  const out: FieldDiff[] = [];
  const cmp = (field: string, x: string | undefined | null, y: string | undefined | null) => {
    if ((x ?? null) !== (y ?? null)) out.push({ field, a: x ?? null, b: y ?? null });
  };
  cmp('class', a.class, b.class);
  cmp('inputs', a.inputs, b.inputs);
  cmp('status', a.status, b.status);
  cmp('reason', a.reason, b.reason);
  cmp('trace.root', a.trace?.root, b.trace?.root);
  const keys = [...new Set([...Object.keys(a.outputs), ...Object.keys(b.outputs)])].sort();
  for (const k of keys) cmp(`outputs.${k}`, a.outputs[k], b.outputs[k]);
  return out;
}

export function diffManifests(a: Manifest, b: Manifest): ManifestDiff {
  const result: ManifestDiff = { lcEqual: a.root.lc === b.root.lc, rootA: a.root.lc, rootB: b.root.lc, suites: [], lc: [], advisory: [] };
  const suiteNames = [...new Set([...Object.keys(a.root.suites), ...Object.keys(b.root.suites)])].sort();
  for (const s of suiteNames) {
    const ra = a.root.suites[s];
    const rb = b.root.suites[s];
    if (ra?.lc !== rb?.lc) result.suites.push(s);
    if (ra?.all === rb?.all) continue; // whole suite identical: nothing below differs
    const ea = new Map(a.entries.filter((e) => e.suite === s).map((e) => [e.id, e]));
    const eb = new Map(b.entries.filter((e) => e.suite === s).map((e) => [e.id, e]));
    const ids = [...new Set([...ea.keys(), ...eb.keys()])].sort();
    for (const id of ids) {
      const x = ea.get(id);
      const y = eb.get(id);
      if (x && y && x.hash === y.hash) continue;
      const cls: EntryClass = x?.class === 'lc' || y?.class === 'lc' ? 'lc' : 'advisory';
      const d: EntryDiff = !x
        ? { id, class: cls, kind: 'only-in-b', fields: [] }
        : !y
          ? { id, class: cls, kind: 'only-in-a', fields: [] }
          : { id, class: cls, kind: 'changed', fields: fieldDiffs(x, y) };
      (cls === 'lc' ? result.lc : result.advisory).push(d);
    }
  }
  return result;
}
