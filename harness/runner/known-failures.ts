/**
 * Known failures: cases expected to fail on some platforms, each with a reason. A listed case that
 * fails is `xfail` (never shown as a pass); one that passes is `xpass` (so the list can shrink and
 * the run says so). Scoped by platform: arch, os, node version, V8 tier (globs with `*`). Only
 * advisory cases may be listed: LC entries have no known failures (refuseLcKnownFailures).
 *
 * File format (`harness/known-failures.json`):
 *   { "format": "icn-known-failures/v1",
 *     "failures": [ { "id": "wasm-spec/float_exprs::raw", "platform": { "arch": ["arm64"] },
 *                     "reason": "…", "issue": "optional link" } ] }
 */
import { contentHash, DOMAIN, type Hash } from '../../core/hash/index.js';
import { readJsonFile, UsageError } from '../io/files.js';
import { sealEntry } from '../manifest/build.js';
import type { ManifestEntry } from '../manifest/types.js';
import { matchesFilter } from './select.js';

export const KNOWN_FAILURES_FORMAT = 'icn-known-failures/v1';

const SCOPE_KEYS = ['arch', 'os', 'node', 'tier'] as const;
export type ScopeKey = (typeof SCOPE_KEYS)[number];
export type PlatformScope = Partial<Record<ScopeKey, string[]>>;

export interface KnownFailure {
  id: string;
  platform?: PlatformScope;
  reason: string;
  issue?: string;
}

export interface KnownFailureList {
  path: string;
  hash: Hash;
  failures: KnownFailure[];
}

export type PlatformFacts = Record<ScopeKey, string>;

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(value);
}

export function parseKnownFailures(data: unknown, path: string): KnownFailureList {
  const bad = (where: string, why: string): never => {
    throw new UsageError('KNOWN_FAILURES', `${path}: ${where}: ${why}`, { path });
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    bad('$', 'expected an object');
  const d = data as Record<string, unknown>;
  if (d.format !== KNOWN_FAILURES_FORMAT) bad('$.format', `expected "${KNOWN_FAILURES_FORMAT}"`);
  for (const k of Object.keys(d))
    if (k !== 'format' && k !== 'failures' && k !== 'description') bad(`$.${k}`, 'unknown field');
  if (!Array.isArray(d.failures)) bad('$.failures', 'expected an array');
  const failures = (d.failures as unknown[]).map((f, i): KnownFailure => {
    const at = `$.failures[${i}]`;
    if (f === null || typeof f !== 'object' || Array.isArray(f)) bad(at, 'expected an object');
    const o = f as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!['id', 'platform', 'reason', 'issue'].includes(k)) bad(`${at}.${k}`, 'unknown field');
    if (typeof o.id !== 'string' || !/^[a-z0-9][a-z0-9_-]*\/\S*$/.test(o.id))
      bad(`${at}.id`, "expected a case id or pattern 'suite/name[::case]' (globs with *)");
    if (typeof o.reason !== 'string' || o.reason.trim().length < 8)
      bad(`${at}.reason`, 'every known failure needs a reason (at least a few words)');
    if (o.issue !== undefined && typeof o.issue !== 'string')
      bad(`${at}.issue`, 'expected a string');
    const out: KnownFailure = { id: o.id as string, reason: o.reason as string };
    if (o.issue !== undefined) out.issue = o.issue as string;
    if (o.platform !== undefined) {
      if (o.platform === null || typeof o.platform !== 'object' || Array.isArray(o.platform))
        bad(`${at}.platform`, 'expected an object');
      const p = o.platform as Record<string, unknown>;
      const scope: PlatformScope = {};
      for (const [k, v] of Object.entries(p)) {
        if (!(SCOPE_KEYS as readonly string[]).includes(k))
          bad(`${at}.platform.${k}`, `unknown key (known: ${SCOPE_KEYS.join(', ')})`);
        if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string'))
          bad(`${at}.platform.${k}`, 'expected a non-empty array of strings');
        scope[k as ScopeKey] = v as string[];
      }
      out.platform = scope;
    }
    return out;
  });
  return { path, hash: contentHash(DOMAIN.knownFailures, failures), failures };
}

export function loadKnownFailures(path: string): KnownFailureList {
  return parseKnownFailures(readJsonFile(path), path);
}

export function scopeMatches(scope: PlatformScope | undefined, p: PlatformFacts): boolean {
  if (!scope) return true;
  return SCOPE_KEYS.every(
    (k) => scope[k] === undefined || scope[k]!.some((g) => globMatch(g, p[k])),
  );
}

/** The known failure that applies to this entry on this platform, if any (first listed wins). */
export function knownFailureFor(
  list: KnownFailureList,
  id: string,
  p: PlatformFacts,
): KnownFailure | undefined {
  return list.failures.find((f) => matchesFilter(id, f.id) && scopeMatches(f.platform, p));
}

/**
 * Apply the list to one entry: fail → xfail, pass → xpass. `error` (harness fault) and `skip`
 * stay as they are: a known failure never hides a broken harness.
 */
export function applyKnownFailure(
  e: ManifestEntry,
  list: KnownFailureList | undefined,
  p: PlatformFacts,
): ManifestEntry {
  if (!list) return e;
  const k = knownFailureFor(list, e.id, p);
  if (!k) return e;
  const { hash: _h, ...rest } = e;
  if (e.status === 'fail')
    return sealEntry({
      ...rest,
      status: 'xfail',
      reason: `known failure: ${k.reason}${e.reason ? ` (observed: ${e.reason})` : ''}`,
    });
  if (e.status === 'pass')
    return sealEntry({
      ...rest,
      status: 'xpass',
      reason: `listed as a known failure but passed: ${k.reason}`,
    });
  return e;
}

/**
 * Refuse a list that names an LC case (whatever the platform scope): an LC entry has no known
 * failures (a failing LC entry is a consensus bug, and xfail would let it through); only advisory
 * cases may be listed. Bad input: one line naming the list entry and the LC case (exit 2).
 */
export function refuseLcKnownFailures(
  list: KnownFailureList,
  cases: readonly { id: string; class: string }[],
): void {
  for (const [i, f] of list.failures.entries()) {
    const lc = cases.find((c) => c.class === 'lc' && matchesFilter(c.id, f.id));
    if (lc)
      throw new UsageError(
        'KNOWN_FAILURES_LC',
        `${list.path}: $.failures[${i}].id: ${JSON.stringify(f.id)} matches the LC case ${lc.id}: LC entries have no known failures; only advisory cases may be listed`,
        { path: list.path },
      );
  }
}

/**
 * Entries of the list that match no selected case on this platform (stale or mistyped). Only
 * entries of suites that were selected count: `--suite vectors` says nothing about nasties.
 */
export function unusedKnownFailures(
  list: KnownFailureList,
  ids: readonly string[],
  p: PlatformFacts,
): KnownFailure[] {
  const suites = new Set(ids.map((id) => id.slice(0, id.indexOf('/'))));
  return list.failures.filter(
    (f) =>
      suites.has(f.id.slice(0, f.id.indexOf('/'))) &&
      scopeMatches(f.platform, p) &&
      !ids.some((id) => matchesFilter(id, f.id)),
  );
}
