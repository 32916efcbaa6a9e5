/**
 * Running one case, in whatever process: the run loop (in-process), the worker (child process)
 * and `replay` all go through `runCase`, so an entry is sealed the same way everywhere.
 */
import { IcnError } from '../../core/errors.js';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { sealEntry } from '../manifest/build.js';
import type { ManifestEntry } from '../manifest/types.js';
import { SUITES } from '../suites/registry.js';
import type { CaseSpec, Suite, SuiteContext } from '../suites/types.js';
import { selectCases, type Selection } from './select.js';

const loaded = new Map<string, Promise<Suite>>();

/** Load one suite by name (cached per process). */
export function loadSuite(name: string): Promise<Suite> {
  const info = SUITES.find((s) => s.name === name);
  if (!info) throw new IcnError('RUN_UNKNOWN_SUITE', `unknown suite ${JSON.stringify(name)} (known: ${SUITES.map((s) => s.name).join(', ')})`);
  let p = loaded.get(name);
  if (!p) {
    p = info.load();
    loaded.set(name, p);
  }
  return p;
}

export async function loadSuites(names: string[]): Promise<Suite[]> {
  const known = SUITES.map((s) => s.name);
  for (const n of names) {
    if (!known.includes(n)) throw new IcnError('RUN_UNKNOWN_SUITE', `unknown suite ${JSON.stringify(n)} (known: ${known.join(', ')})`);
  }
  const chosen = names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name));
  return Promise.all(chosen.map((s) => loadSuite(s.name)));
}

export interface ListOptions extends Selection {
  suites: string[];
  context: SuiteContext;
}

/** Every selected case, in run order (suite registry order, then the suite's own order). */
export async function listCases(opts: ListOptions): Promise<{ suite: Suite; spec: CaseSpec }[]> {
  const suites = await loadSuites(opts.suites);
  const out: { suite: Suite; spec: CaseSpec }[] = [];
  for (const suite of suites) {
    for (const spec of selectCases(await suite.list(opts.context), opts)) out.push({ suite, spec });
  }
  return out;
}

/** The entry of a case the harness could not run: status `error`, never a pass or a fail. */
export function faultEntry(spec: CaseSpec, why: string): ManifestEntry {
  return sealEntry({
    id: spec.id,
    suite: spec.suite,
    class: spec.class,
    tags: spec.tags,
    inputs: contentHash(DOMAIN.manifestInputs, { id: spec.id }),
    outputs: {},
    status: 'error',
    reason: `harness fault: ${why}`,
    reproduce: `icn-harness run --filter '${spec.id}'`,
  });
}

export async function runCase(suite: Suite, spec: CaseSpec, ctx: SuiteContext): Promise<ManifestEntry> {
  try {
    const o = await suite.run(spec, ctx);
    return sealEntry({ id: spec.id, suite: spec.suite, class: spec.class, tags: spec.tags, ...o });
  } catch (e) {
    const why = e instanceof IcnError ? `${e.code}: ${e.message}` : `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
    return faultEntry(spec, why);
  }
}
