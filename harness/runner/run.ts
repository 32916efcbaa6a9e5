/**
 * The run loop: select cases, run them (in this process, or in a pool of child processes for
 * `--jobs`, `--tiers` and the determinism check), apply the known-failure list, build manifests.
 * A case that throws is a harness fault (`error`), never a pass. Wall-clock times go only to
 * `_volatile`. Results never depend on the number of workers or on the shard split: entries are
 * sealed one by one and the manifest sorts them.
 */
import { buildManifest } from '../manifest/build.js';
import { fieldDiffs } from '../manifest/diff.js';
import { currentPlatform } from '../manifest/platform.js';
import { firstTraceDivergence } from '../manifest/trace.js';
import type {
  DeterminismCheck,
  Manifest,
  ManifestEntry,
  PlatformFingerprint,
  RunInfo,
  TierRun,
} from '../manifest/types.js';
import type { CaseSpec, Suite, SuiteContext } from '../suites/types.js';
import { GENERATOR } from '../version.js';
import { listCases, runCase, selectionCorpus } from './exec.js';
import {
  applyKnownFailure,
  refuseLcKnownFailures,
  unusedKnownFailures,
  type KnownFailure,
  type KnownFailureList,
  type PlatformFacts,
} from './known-failures.js';
import { prespawn, runPool, type WorkerLaunch } from './pool.js';
import type { Selection } from './select.js';
import { poolOrder } from './schedule.js';
import { selectionHash, shardOf, type Shard } from './shard.js';
import { execArgvForTier } from './tiers.js';

export { listCases, loadSuites, runCase } from './exec.js';

export interface RunOptions extends Selection {
  suites: string[];
  /** Suites left out (`--skip-suite`); recorded in `run.skipped`. */
  skipSuites?: string[];
  context: SuiteContext;
  /** Called after each case of each pass (progress display). */
  onCase?: (done: number, total: number, entry: ManifestEntry, pass: string) => void;
  /** Wall clock for `_volatile` timings only. */
  nowMs: () => number;
  /** Worker processes (default 1: in this process unless tiers or determinism need children). */
  jobs?: number;
  shard?: Shard;
  /** Tiers to run, each in its own child processes; the first is the primary manifest. */
  tiers?: string[];
  /** Run the selection N times (same configuration); every run must reproduce the first. */
  repeat?: number;
  /** One more run in fresh, perturbed processes (reverse order, TZ, locale, V8 seed). */
  checkDeterminism?: boolean;
  knownFailures?: KnownFailureList;
  /** Per-case limit in worker processes (default 300 s). */
  timeoutMs?: number;
  /**
   * `--jobs N`: every case in one of N forked workers (the per-case limit and crash isolation
   * apply to all). Default: this process is one of the N and runs cases as `--jobs 1` does.
   */
  isolate?: boolean;
}

export interface RunResult {
  /** The primary run (first tier). */
  manifest: Manifest;
  /** The other tiers' manifests, in the order asked. */
  tierManifests: Manifest[];
  unusedKnownFailures: KnownFailure[];
}

type Picked = { suite: Suite; spec: CaseSpec };
type PassResult = {
  entries: Map<string, { entry: ManifestEntry; ms: number }>;
  platform: PlatformFingerprint;
  stopped: boolean;
};

const facts = (p: PlatformFingerprint): PlatformFacts => ({
  arch: p.arch,
  os: p.os,
  node: p.node,
  tier: p.tier,
});

/** Perturbations of the determinism run: anything that must not change a result. */
const PERTURB_ENV = { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' };
const PERTURB_FLAGS = ['--random-seed=7919'];

async function executePass(
  cases: readonly Picked[],
  how: {
    inProcess: boolean;
    /** This process is one of the pool's workers (only jobs - 1 forked). */
    parentWorks: boolean;
    jobs: number;
    launch: WorkerLaunch;
    context: SuiteContext;
    timeoutMs: number;
    onEntry: (e: ManifestEntry) => void;
    shouldStop?: (e: ManifestEntry) => boolean;
  },
): Promise<PassResult> {
  if (!how.inProcess) {
    const suiteOf = new Map(cases.map((c) => [c.spec.id, c.suite]));
    const r = await runPool({
      cases: cases.map((c) => c.spec),
      jobs: how.jobs,
      launch: how.launch,
      context: how.context,
      timeoutMs: how.timeoutMs,
      onEntry: how.onEntry,
      shouldStop: how.shouldStop,
      local: how.parentWorks
        ? (spec) => runCase(suiteOf.get(spec.id)!, spec, how.context)
        : undefined,
    });
    return { entries: r.entries, platform: r.platform ?? currentPlatform(), stopped: r.stopped };
  }
  const entries = new Map<string, { entry: ManifestEntry; ms: number }>();
  for (const { suite, spec } of cases) {
    const t0 = performance.now();
    const entry = await runCase(suite, spec, how.context);
    entries.set(entry.id, { entry, ms: Math.round(performance.now() - t0) });
    how.onEntry(entry);
    if (how.shouldStop?.(entry)) return { entries, platform: currentPlatform(), stopped: true };
  }
  return { entries, platform: currentPlatform(), stopped: false };
}

/** Fields in which two runs of one entry differ, and for traced entries the first differing step. */
export function compareEntries(
  a: ManifestEntry,
  b: ManifestEntry,
): { fields: string[]; lastCommonStep?: number; firstDifferingStep?: number } | undefined {
  if (a.hash === b.hash) return undefined;
  const out: { fields: string[]; lastCommonStep?: number; firstDifferingStep?: number } = {
    fields: fieldDiffs(a, b).map((f) => f.field),
  };
  const t = firstTraceDivergence([a.trace, b.trace]);
  if (t) {
    if (t.lastCommonStep !== null) out.lastCommonStep = t.lastCommonStep;
    if (t.firstDifferingStep !== null) out.firstDifferingStep = t.firstDifferingStep;
  }
  return out;
}

type TierExtra = {
  order?: 'reverse';
  env?: NodeJS.ProcessEnv;
  flags?: string[];
  forceChild?: boolean;
  /** Every case in new worker processes (repeats: state carried in this process must not show). */
  freshProcesses?: boolean;
  shouldStop?: (e: ManifestEntry) => boolean;
};
type TierPass = { r: PassResult; entries: ManifestEntry[] };
type RunTier = (tier: string, label: string, extra?: TierExtra) => Promise<TierPass>;

/** The selection, sharded, with the run header and the corpus record. */
async function selectCases(opts: RunOptions): Promise<{
  listed: Picked[];
  cases: Picked[];
  run: RunInfo;
  corpus: ReturnType<typeof selectionCorpus>;
}> {
  const listed = await listCases(opts);
  if (opts.knownFailures)
    refuseLcKnownFailures(
      opts.knownFailures,
      listed.map((c) => c.spec),
    );
  const run: RunInfo = {
    seed: opts.context.seed.toString(),
    suites: [...opts.suites],
    filters: [...opts.filters],
    tags: [...opts.tags],
  };
  if (opts.skipSuites?.length) run.skipped = [...opts.skipSuites];
  // Before sharding: every shard of a run records the same corpus, even one without a spec case.
  const corpus = selectionCorpus(listed, opts.context);
  let cases: Picked[] = listed;
  if (opts.shard) {
    cases = shardOf(listed, opts.shard);
    run.shard = {
      index: opts.shard.index,
      count: opts.shard.count,
      selected: listed.length,
      selection: selectionHash(listed.map((c) => c.spec.id)),
    };
  }
  if (opts.knownFailures) run.knownFailures = opts.knownFailures.hash;
  return { listed, cases, run, corpus };
}

/** One pass over the cases under a tier (in this process, or in children), timed into `passes`. */
function tierRunner(
  opts: RunOptions,
  cases: readonly Picked[],
  passes: { pass: string; ms: number }[],
): RunTier {
  const jobs = opts.jobs ?? 1;
  return async (tier, label, extra = {}) => {
    const t0 = opts.nowMs();
    const parentTier = opts.tiers === undefined && !extra.forceChild;
    const inProcess = parentTier && jobs === 1;
    // workers take the longest cases first; the determinism run keeps its plain reverse order
    const ordered =
      extra.order === 'reverse' ? [...cases].reverse() : inProcess ? cases : poolOrder(cases);
    let done = 0;
    const context: SuiteContext = { ...opts.context, tiers: [tier] };
    // Children run on this machine and Node; only the tier differs.
    const p: PlatformFacts = {
      arch: process.arch,
      os: process.platform,
      node: process.version,
      tier,
    };
    const r = await executePass(ordered, {
      inProcess,
      parentWorks: parentTier && !extra.freshProcesses && !opts.isolate,
      jobs,
      launch: {
        execArgv: [...execArgvForTier(tier), ...(extra.flags ?? [])],
        env: extra.env ? { ...process.env, ...extra.env } : undefined,
      },
      context,
      timeoutMs: opts.timeoutMs ?? 300_000,
      onEntry: (e) =>
        opts.onCase?.(++done, ordered.length, applyKnownFailure(e, opts.knownFailures, p), label),
      shouldStop: extra.shouldStop,
    });
    passes.push({ pass: label, ms: opts.nowMs() - t0 });
    const entries = [...r.entries.values()].map(({ entry }) =>
      applyKnownFailure(entry, opts.knownFailures, p),
    );
    return { r, entries };
  };
}

/** Self-determinism: repeated runs, then one perturbed run; stop at the first differing entry. */
async function determinismCheck(
  opts: RunOptions,
  primary: TierPass,
  tier: string,
  runTier: RunTier,
): Promise<DeterminismCheck | undefined> {
  const repeat = opts.repeat ?? 1;
  if (repeat <= 1 && !opts.checkDeterminism) return undefined;
  const perturbations: string[] = [];
  const d: DeterminismCheck = {
    mode: opts.checkDeterminism ? 'perturbed' : 'repeat',
    runs: 1,
    perturbations,
    compared: 0,
  };
  const check = (runNo: number) => (raw: ManifestEntry) => {
    const mine = primary.r.entries.get(raw.id)?.entry;
    d.compared++;
    if (!mine) return false;
    const delta = compareEntries(mine, raw);
    if (!delta) return false;
    d.divergence = { run: runNo, id: raw.id, ...delta };
    return true;
  };
  const inChildren = opts.tiers !== undefined || (opts.jobs ?? 1) > 1;
  for (let k = 2; k <= repeat && !d.divergence; k++) {
    if (k === 2)
      perturbations.push(
        inChildren
          ? 'repeated in new worker processes'
          : 'repeated in the same process (state carried between runs shows)',
      );
    await runTier(tier, `repeat ${k}`, { shouldStop: check(k), freshProcesses: inChildren });
    d.runs = k;
  }
  if (opts.checkDeterminism && !d.divergence) {
    const runNo = d.runs + 1;
    perturbations.push(
      'fresh child processes',
      'reverse case order',
      ...Object.entries(PERTURB_ENV).map(([k, v]) => `${k}=${v}`),
      ...PERTURB_FLAGS.map((f) => `node ${f}`),
    );
    await runTier(tier, 'determinism', {
      order: 'reverse',
      env: PERTURB_ENV,
      flags: PERTURB_FLAGS,
      forceChild: true,
      shouldStop: check(runNo),
    });
    d.runs = runNo;
  }
  return d;
}

/** Another tier's pass against the primary: its manifest and the entries that differ. */
function compareTier(
  tier: string,
  t: TierPass,
  primaryById: Map<string, ManifestEntry>,
  header: { run: RunInfo; corpus: ReturnType<typeof selectionCorpus> },
): { manifest: Manifest; tierRun: TierRun } {
  const m = buildManifest({
    entries: t.entries,
    platform: t.r.platform,
    generator: GENERATOR,
    corpus: header.corpus,
  });
  m.run = header.run;
  const ids = [...new Set([...primaryById.keys(), ...t.entries.map((e) => e.id)])].sort();
  const theirs = new Map(t.entries.map((e) => [e.id, e]));
  const divergent: TierRun['divergent'] = [];
  for (const id of ids) {
    const a = primaryById.get(id);
    const b = theirs.get(id);
    if (a && b && a.hash === b.hash) continue;
    divergent.push({
      id,
      class: (a ?? b)!.class,
      hash: b?.hash ?? null,
      fields:
        a && b ? fieldDiffs(a, b).map((f) => f.field) : [b ? 'only-in-tier' : 'missing-in-tier'],
    });
  }
  return {
    manifest: m,
    tierRun: {
      tier,
      v8Flags: t.r.platform.v8Flags,
      lc: m.root.lc,
      all: m.root.all,
      entries: m.entries.length,
      divergent,
    },
  };
}

/**
 * Fork the primary pass's workers now, so that they boot while this process loads modules and
 * lists the cases (the CLI calls it first thing; runAll again, which then forks nothing more).
 * Returns the function that ends the ones no pool took.
 */
export function prespawnPrimary(opts: Pick<RunOptions, 'jobs' | 'tiers' | 'isolate'>): () => void {
  const jobs = opts.jobs ?? 1;
  if (opts.tiers !== undefined || jobs <= 1) return () => {};
  return prespawn({ execArgv: execArgvForTier('default') }, opts.isolate ? jobs : jobs - 1);
}

export async function runAll(opts: RunOptions): Promise<RunResult> {
  const release = prespawnPrimary(opts);
  try {
    return await runAllWith(opts);
  } finally {
    release();
  }
}

async function runAllWith(opts: RunOptions): Promise<RunResult> {
  const started = opts.nowMs();
  const { listed, cases, run, corpus } = await selectCases(opts);
  const tiers = opts.tiers ?? ['default'];
  const passes: { pass: string; ms: number }[] = [];
  const runTier = tierRunner(opts, cases, passes);

  const primary = await runTier(tiers[0]!, tiers[0]!);
  const primaryById = new Map(primary.entries.map((e) => [e.id, e]));
  const caseMs: Record<string, number> = {};
  for (const [id, { ms }] of primary.r.entries) caseMs[id] = ms;
  const determinism = await determinismCheck(opts, primary, tiers[0]!, runTier);

  // Other tiers, each compared with the primary.
  const tierManifests: Manifest[] = [];
  const tierRuns: TierRun[] = [];
  for (const tier of tiers.slice(1)) {
    const { manifest: m, tierRun } = compareTier(tier, await runTier(tier, tier), primaryById, {
      run,
      corpus,
    });
    tierManifests.push(m);
    tierRuns.push(tierRun);
  }

  const manifest = buildManifest({
    entries: primary.entries,
    platform: primary.r.platform,
    generator: GENERATOR,
    volatile: {
      startedAtMs: started,
      durationMs: opts.nowMs() - started,
      jobs: opts.jobs ?? 1,
      passes,
      caseMs,
    },
    corpus,
  });
  manifest.run = run;
  if (tierRuns.length) manifest.tiers = tierRuns;
  if (determinism) manifest.determinism = determinism;
  const unused = opts.knownFailures
    ? unusedKnownFailures(
        opts.knownFailures,
        listed.map((c) => c.spec.id),
        facts(primary.r.platform),
      )
    : [];
  return { manifest, tierManifests, unusedKnownFailures: unused };
}

/** The primary manifest alone (the foundation's API). */
export async function runSelected(opts: RunOptions): Promise<Manifest> {
  return (await runAll(opts)).manifest;
}
