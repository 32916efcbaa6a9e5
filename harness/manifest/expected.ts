/**
 * Declared expected divergences (`harness/expected-divergences.json`): advisory entries that are
 * meant to differ between platforms (raw V8 float bits on x86_64 vs aarch64, tier-dependent NaN
 * payloads). `diff` labels them and reports those that did not appear: a check that stopped firing.
 *
 *   { "format": "icn-expected-divergences/v1",
 *     "divergences": [ { "id": "nasties/…", "differsBy": "arch", "reason": "…" } ] }
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, UsageError } from '../io/files.js';
import type { ExpectedDivergence } from './diff.js';

export const EXPECTED_FORMAT = 'icn-expected-divergences/v1';
const BY = ['arch', 'os', 'node', 'v8', 'tier', 'cpuFeatures'];

export function parseExpectedDivergences(data: unknown, path: string): ExpectedDivergence[] {
  const bad = (where: string, why: string): never => {
    throw new UsageError('EXPECTED_DIVERGENCES', `${path}: ${where}: ${why}`, { path });
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    bad('$', 'expected an object');
  const d = data as Record<string, unknown>;
  if (d.format !== EXPECTED_FORMAT) bad('$.format', `expected "${EXPECTED_FORMAT}"`);
  if (!Array.isArray(d.divergences)) bad('$.divergences', 'expected an array');
  return (d.divergences as unknown[]).map((x, i) => {
    const at = `$.divergences[${i}]`;
    const o = (x ?? {}) as Record<string, unknown>;
    if (typeof o.id !== 'string' || !/^[a-z0-9][a-z0-9_-]*\/\S*$/.test(o.id))
      bad(`${at}.id`, "expected an entry id or pattern 'suite/name[::case]'");
    if (typeof o.differsBy !== 'string' || !BY.includes(o.differsBy))
      bad(`${at}.differsBy`, `expected one of ${BY.join(', ')}`);
    if (typeof o.reason !== 'string' || o.reason.trim().length < 8)
      bad(`${at}.reason`, 'every expected divergence needs a reason');
    return {
      id: o.id as string,
      differsBy: o.differsBy as ExpectedDivergence['differsBy'],
      reason: o.reason as string,
    };
  });
}

export function loadExpectedDivergences(path: string): ExpectedDivergence[] {
  return parseExpectedDivergences(readJsonFile(path), path);
}

export function defaultExpectedPath(repoRoot: string): string | undefined {
  const p = join(repoRoot, 'harness', 'expected-divergences.json');
  return existsSync(p) ? p : undefined;
}
