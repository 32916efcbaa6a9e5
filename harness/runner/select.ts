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

/**
 * Whether a filter can select any case of a suite (ids are `suite/…`): a suite no filter can reach
 * is not listed at all, so `--filter vectors/jcs` needs no spec corpus.
 */
export function filterMayMatchSuite(filter: string, suite: string): boolean {
  const star = filter.indexOf('*');
  const head = `${suite}/`;
  if (star < 0)
    return filter === suite || filter.startsWith(head) || filter.startsWith(`${suite}::`);
  const prefix = filter.slice(0, star);
  return prefix.startsWith(head) || head.startsWith(prefix) || prefix === suite;
}
