/**
 * Running one case, in whatever process: the run loop (in-process), the worker (child process)
 * and `replay` all go through `runCase`, so an entry is sealed the same way everywhere.
 */
import { IcnError } from '../../core/errors.js';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { sealEntry } from '../manifest/build.js';
import type { CorpusRecord, ManifestEntry } from '../manifest/types.js';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SUITES, type SuiteInfo } from '../suites/registry.js';
import type { CaseSpec, Suite, SuiteContext } from '../suites/types.js';
import { filterMayMatchSuite, selectCases, type Selection } from './select.js';

const loaded = new Map<string, Promise<Suite>>();

/**
 * Out-of-tree suites: `ICN_HARNESS_EXTRA_SUITES` lists ES module files (comma-separated), each
 * exporting `name`, `description` and `createSuite()`. Child processes inherit the variable, so
 * such suites run under `--jobs`, `--tiers` and `--check-determinism` like built-in ones. The
 * harness's own tests use it to prove that the determinism check fires.
 */
export function allSuites(): SuiteInfo[] {
  const extra = (process.env.ICN_HARNESS_EXTRA_SUITES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const infos: SuiteInfo[] = [...SUITES];
  for (const file of extra) {
    const name = basename(file)
      .replace(/\.(m?js)$/, '')
      .replace(/-suite$/, '');
    if (infos.some((i) => i.name === name)) continue;
    infos.push({
      name,
      description: `extra suite from ${file}`,
      load: async () => {
        const mod = (await import(pathToFileURL(resolve(file)).href)) as {
          createSuite?: () => Suite | Promise<Suite>;
        };
        if (typeof mod.createSuite !== 'function')
          throw new IcnError(
            'RUN_EXTRA_SUITE',
            `${file}: an extra suite module must export createSuite()`,
          );
        const suite = await mod.createSuite();
        if (suite.name !== name)
          throw new IcnError(
            'RUN_EXTRA_SUITE',
            `${file}: suite name ${JSON.stringify(suite.name)} must match the file name (${name})`,
          );
        return suite;
      },
    });
  }
  return infos;
}

/** Load one suite by name (cached per process). */
export function loadSuite(name: string): Promise<Suite> {
  const all = allSuites();
  const info = all.find((s) => s.name === name);
  if (!info)
    return Promise.reject(
      new IcnError(
        'RUN_UNKNOWN_SUITE',
        `unknown suite ${JSON.stringify(name)} (known: ${all.map((s) => s.name).join(', ')})`,
      ),
    );
  let p = loaded.get(name);
  if (!p) {
    p = info.load();
    loaded.set(name, p);
  }
  return p;
}

export async function loadSuites(names: string[], skip: readonly string[] = []): Promise<Suite[]> {
  const all = allSuites();
  const known = all.map((s) => s.name);
  for (const n of [...names, ...skip]) {
    if (!known.includes(n))
      throw new IcnError(
        'RUN_UNKNOWN_SUITE',
        `unknown suite ${JSON.stringify(n)} (known: ${known.join(', ')})`,
      );
  }
  const both = names.filter((n) => skip.includes(n));
  if (both.length)
    throw new IcnError(
      'RUN_SUITE_CONFLICT',
      `--suite and --skip-suite both name ${both.join(', ')}`,
    );
  const chosen = (names.length === 0 ? all : all.filter((s) => names.includes(s.name))).filter(
    (s) => !skip.includes(s.name),
  );
  return Promise.all(chosen.map((s) => loadSuite(s.name)));
}

export interface ListOptions extends Selection {
  suites: string[];
  /** Suites left out (`--skip-suite`): how a user opts out of one, said in the summary. */
  skipSuites?: string[];
  context: SuiteContext;
}

/**
 * Every selected case, in run order (suite registry order, then the suite's own order). A suite
 * that no filter can reach is not listed (its inputs, e.g. the spec corpus, are not needed).
 */
export async function listCases(opts: ListOptions): Promise<{ suite: Suite; spec: CaseSpec }[]> {
  const suites = await loadSuites(opts.suites, opts.skipSuites);
  const out: { suite: Suite; spec: CaseSpec }[] = [];
  for (const suite of suites) {
    if (opts.filters.length > 0 && !opts.filters.some((f) => filterMayMatchSuite(f, suite.name)))
      continue;
    for (const spec of selectCases(await suite.list(opts.context), opts)) out.push({ suite, spec });
  }
  return out;
}

/** The corpus record of the selection: from the suites that have a case in it (at most one corpus). */
export function selectionCorpus(
  listed: readonly { suite: Suite }[],
  ctx: SuiteContext,
): CorpusRecord | undefined {
  const suites = [...new Set(listed.map((c) => c.suite))].filter((s) => s.corpus);
  if (suites.length > 1)
    throw new IcnError(
      'HARNESS_FAULT',
      `suites ${suites.map((s) => s.name).join(', ')} each pin a corpus; a manifest records one`,
    );
  return suites[0]?.corpus?.(ctx);
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

export async function runCase(
  suite: Suite,
  spec: CaseSpec,
  ctx: SuiteContext,
): Promise<ManifestEntry> {
  try {
    const o = await suite.run(spec, ctx);
    return sealEntry({ id: spec.id, suite: spec.suite, class: spec.class, tags: spec.tags, ...o });
  } catch (e) {
    const why =
      e instanceof IcnError
        ? `${e.code}: ${e.message}`
        : `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
    return faultEntry(spec, why);
  }
}
