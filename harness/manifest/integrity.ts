/**
 * The integrity check of every manifest reader (diff, gate and its golden, merge, report, replay):
 * the manifest must be exactly what the harness wrote. Every stored hash, root and count is
 * recomputed from the content; any mismatch is bad input naming the field, stored vs computed.
 * Nothing is "repaired": a recomputed value never silently replaces a stored one.
 *
 * What covers what:
 *   - entries[].hash covers {id, class, inputs, outputs, status, reason, trace.root};
 *   - entries[].suite must be the id's prefix (it picks the suite root the entry lands in);
 *   - trace.root covers trace.steps and trace.checkpoints;
 *   - root.* and counts are recomputed from the entries;
 *   - `seal` covers the whole manifest except `seal` and `_volatile` (generator, platform, run,
 *     tiers, determinism, tags, reproduce, source, and any header field added later: a new field
 *     needs only its schema entry, it is sealed without code here).
 * Only `_volatile` (times, paths, argv, benchmark ratios) is free: documented in docs/manifest.md.
 */
import { canonicalString } from '../../core/canonical/index.js';
import { UsageError } from '../io/files.js';
import {
  computeRoot,
  countStatuses,
  entryHash,
  manifestSeal,
  suiteOfId,
  traceRoot,
} from './build.js';
import type { Manifest } from './types.js';

export class IntegrityError extends UsageError {
  constructor(where: string, field: string, stored: unknown, computed: unknown) {
    const show = (v: unknown) => (typeof v === 'string' ? v : canonicalString(v ?? null));
    super(
      'MANIFEST_INTEGRITY',
      `${where}: ${field}: stored ${show(stored)}, computed ${show(computed)}`,
      { path: where, field },
    );
  }
}

/**
 * Check a schema-valid manifest against itself. `where` names it in errors (a file path).
 * Throws IntegrityError (code MANIFEST_INTEGRITY) or UsageError (MANIFEST_DUPLICATE, MANIFEST_ORDER).
 */
export function verifyManifest(m: Manifest, where: string): void {
  const entries = m.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const at = `$.entries[${i}]`;
    if (i > 0) {
      const prev = entries[i - 1]!.id;
      if (prev === e.id)
        throw new UsageError(
          'MANIFEST_DUPLICATE',
          `${where}: ${at}.id: duplicate entry id ${e.id}`,
          { path: where, field: `${at}.id` },
        );
      if (!(prev < e.id))
        throw new UsageError(
          'MANIFEST_ORDER',
          `${where}: ${at}.id: entries not sorted by id (${e.id} after ${prev})`,
          { path: where, field: `${at}.id` },
        );
    }
    if (e.suite !== suiteOfId(e.id))
      throw new IntegrityError(where, `${at}.suite`, e.suite, suiteOfId(e.id));
    if (e.trace) {
      const t = traceRoot(e.trace.steps, e.trace.checkpoints);
      if (t !== e.trace.root) throw new IntegrityError(where, `${at}.trace.root`, e.trace.root, t);
    }
    const h = entryHash(e);
    if (h !== e.hash) throw new IntegrityError(where, `${at}.hash`, e.hash, h);
  }
  const root = computeRoot(entries, m.corpus);
  if (m.root.lc !== root.lc) throw new IntegrityError(where, '$.root.lc', m.root.lc, root.lc);
  if (m.root.all !== root.all) throw new IntegrityError(where, '$.root.all', m.root.all, root.all);
  for (const name of new Set([...Object.keys(m.root.suites), ...Object.keys(root.suites)])) {
    const stored = m.root.suites[name];
    const computed = root.suites[name];
    if (canonicalString(stored ?? null) !== canonicalString(computed ?? null))
      throw new IntegrityError(where, `$.root.suites[${JSON.stringify(name)}]`, stored, computed);
  }
  const counts = countStatuses(entries);
  for (const k of Object.keys(counts) as (keyof typeof counts)[]) {
    if (m.counts[k] !== counts[k])
      throw new IntegrityError(where, `$.counts.${k}`, m.counts[k], counts[k]);
  }
  const seal = manifestSeal(m);
  if (m.seal !== seal) throw new IntegrityError(where, '$.seal', m.seal ?? 'none', seal);
}
