/**
 * The run loop: list the selected suites' cases, run each, seal entries, build the manifest.
 * A case that throws is a harness fault (`error`), never a pass. Wall-clock times go only to
 * `_volatile`.
 */
import { IcnError } from '../../core/errors.js';
import { buildManifest, sealEntry } from '../manifest/build.js';
import { currentPlatform } from '../manifest/platform.js';
import type { Manifest, ManifestEntry } from '../manifest/types.js';
import { SUITES } from '../suites/registry.js';
import type { CaseSpec, Suite, SuiteContext } from '../suites/types.js';
import { selectCases, type Selection } from './select.js';
import { GENERATOR } from '../version.js';
import { contentHash, DOMAIN } from '../../core/hash/index.js';

export interface RunOptions extends Selection {
  suites: string[];
  context: SuiteContext;
  /** Called after each case (progress display). */
  onCase?: (done: number, total: number, entry: ManifestEntry) => void;
  /** Wall clock for `_volatile` timings only. */
  nowMs: () => number;
}

export async function loadSuites(names: string[]): Promise<Suite[]> {
  const known = SUITES.map((s) => s.name);
  for (const n of names) {
    if (!known.includes(n)) throw new IcnError('RUN_UNKNOWN_SUITE', `unknown suite ${JSON.stringify(n)} (known: ${known.join(', ')})`);
  }
  const chosen = names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name));
  return Promise.all(chosen.map((s) => s.load()));
}

export async function listCases(opts: Pick<RunOptions, 'suites' | 'filters' | 'tags' | 'context'>): Promise<{ suite: Suite; spec: CaseSpec }[]> {
  const suites = await loadSuites(opts.suites);
  const out: { suite: Suite; spec: CaseSpec }[] = [];
  for (const suite of suites) {
    for (const spec of selectCases(await suite.list(opts.context), opts)) out.push({ suite, spec });
  }
  return out;
}

export async function runCase(suite: Suite, spec: CaseSpec, ctx: SuiteContext): Promise<ManifestEntry> {
  try {
    const o = await suite.run(spec, ctx);
    return sealEntry({ id: spec.id, suite: spec.suite, class: spec.class, tags: spec.tags, ...o });
  } catch (e) {
    const why = e instanceof IcnError ? `${e.code}: ${e.message}` : `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
    return sealEntry({
      id: spec.id,
      suite: spec.suite,
      class: spec.class,
      tags: spec.tags,
      inputs: contentHash(DOMAIN.manifestInputs, { id: spec.id }),
      outputs: {},
      status: 'error',
      reason: `harness fault: ${why}`,
    });
  }
}

export async function runSelected(opts: RunOptions): Promise<Manifest> {
  const started = opts.nowMs();
  const cases = await listCases(opts);
  const entries: ManifestEntry[] = [];
  const timings: Record<string, number> = {};
  for (const { suite, spec } of cases) {
    const t0 = opts.nowMs();
    const entry = await runCase(suite, spec, opts.context);
    timings[spec.id] = opts.nowMs() - t0;
    entries.push(entry);
    opts.onCase?.(entries.length, cases.length, entry);
  }
  return buildManifest({
    entries,
    platform: currentPlatform(),
    generator: GENERATOR,
    volatile: { startedAtMs: started, durationMs: opts.nowMs() - started, caseMs: timings },
  });
}
