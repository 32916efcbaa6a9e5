/** Case selection: `--suite`, `--filter 'suite/name'` (glob, `*` matches anything), `--tag`. */
import type { CaseSpec } from '../suites/types.js';

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`);
}

/**
 * A filter matches an id when the glob matches it whole, or (without `*`) when the id equals the
 * filter or continues it with `/` or `::` (so `vectors/jcs` selects every case below it).
 */
export function matchesFilter(id: string, filter: string): boolean {
  if (filter.includes('*')) return globToRegExp(filter).test(id);
  return id === filter || id.startsWith(`${filter}/`) || id.startsWith(`${filter}::`);
}

export interface Selection {
  filters: string[];
  tags: string[];
}

export function selectCases(cases: readonly CaseSpec[], sel: Selection): CaseSpec[] {
  return cases.filter(
    (c) =>
      (sel.filters.length === 0 || sel.filters.some((f) => matchesFilter(c.id, f))) &&
      (sel.tags.length === 0 || sel.tags.every((t) => c.tags.includes(t))),
  );
}
