import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { parsePositiveInt, parseSeed } from '../options.js';
import type { ScenarioDef, ScenarioOptions, ScenarioResult } from '../../sim/scenario-types.js';

interface ScenarioFlags {
  seed: string;
  seeds?: string;
  nodes?: string;
  faults?: string;
  checkDeterminism?: boolean;
  list?: boolean;
  json?: boolean;
  quiet?: boolean;
  backend: string;
}

export function register(program: Command): void {
  program
    .command('scenario')
    .description(
      "run a multi-node scenario in the deterministic simulator: prints the run header (every fault parameter), the checks, each node's state root and the trace root. Exit 0 all checks passed (and runs identical with --check-determinism), 1 a check failed or the runs diverged, 2 usage",
    )
    .argument('[name]', 'scenario name (scenarios/<name>.json); --list shows them')
    .option('--seed <n>', 'root seed (one seed reproduces everything)', '1')
    .option('--seeds <k>', 'run seeds seed..seed+k-1 and summarise')
    .option('--nodes <n>', 'override the node count')
    .option(
      '--faults <spec>',
      "faults on top of the scenario's: none | random | loss=P,dup=P,delay=MIN-MAX,tail=P:MS,skew=MS,storage-loss=P,partition=sym|asym:START-END:A|B,crash=NODE:AT[-RESTART] (P: 20% or 200000ppm)",
    )
    .option(
      '--check-determinism',
      'run each seed twice (the second perturbed: reversed construction and peer order) and stop at the first differing step',
    )
    .option('--list', 'list the scenarios and exit')
    .option('--json', 'print results as JSON')
    .option('--quiet', 'only failures and the summary')
    .option(
      '--backend <name>',
      "sim | process (icn-node daemons on loopback; final roots compared with the sim's) | containers",
      'sim',
    )
    .action(action('scenario', runScenarioCommand));
}

type Out = (s: string) => void;

async function runScenarioCommand(name: string | undefined, o: ScenarioFlags): Promise<number> {
  const { repoRoot } = await import('../repo.js');
  const { loadScenarios, loadScenario } = await import('../../suites/scenarios/load.js');
  const { UsageError } = await import('../../io/files.js');
  const root = repoRoot();
  if (o.list) {
    for (const d of loadScenarios(root))
      process.stdout.write(`${d.name.padEnd(24)} ${d.nodes} nodes  ${d.description}\n`);
    return EXIT.ok;
  }
  if (!name)
    throw new UsageError(
      'USAGE_ARGS',
      'scenario needs a NAME (icn-harness scenario --list shows them)',
    );
  const def = loadScenario(root, name);
  const seed0 = parseSeed(o.seed);
  const count = o.seeds === undefined ? 1 : parsePositiveInt('--seeds', o.seeds, 100_000);
  const nodes = o.nodes === undefined ? undefined : parsePositiveInt('--nodes', o.nodes, 100_000);
  const out: Out = (s: string) => process.stdout.write(`${s}\n`);
  if (!['sim', 'process', 'containers'].includes(o.backend))
    throw new UsageError('USAGE_ARGS', `--backend ${o.backend}: sim, process or containers`);
  if (o.backend !== 'sim') {
    if (o.checkDeterminism)
      throw new UsageError(
        'USAGE_ARGS',
        '--check-determinism is a simulator check (--backend sim)',
      );
    const { runBackend } = await import('../../backends/command.js');
    const seeds = Array.from({ length: count }, (_, k) => seed0 + BigInt(k));
    return runBackend(o.backend as 'process' | 'containers', {
      def,
      repoRoot: root,
      seeds,
      ...(nodes ? { nodes } : {}),
      ...(o.faults ? { faults: o.faults } : {}),
      ...(o.json ? { json: true } : {}),
      out,
    });
  }
  const results: unknown[] = [];
  let failed = 0;
  for (let k = 0; k < count; k++) {
    const seed = seed0 + BigInt(k);
    const opts = {
      seed,
      repoRoot: root,
      ...(nodes ? { nodes } : {}),
      ...(o.faults ? { faults: o.faults } : {}),
    };
    const run = o.checkDeterminism ? determinismSeed : scenarioSeed;
    const r = await run(def, opts, o, out);
    results.push(r.result);
    if (!r.ok) failed++;
  }
  if (o.json) out(JSON.stringify(results, null, 2));
  else if (count > 1 || o.checkDeterminism) {
    const what = o.checkDeterminism ? 'deterministic' : 'passed';
    out(`${def.name}: ${count - failed}/${count} seeds ${what}`);
  }
  return failed ? EXIT.negative : EXIT.ok;
}

/** One seed's outcome: its JSON result and whether it passed. */
interface SeedRun {
  result: unknown;
  ok: boolean;
}

/** --check-determinism: the seed run twice; the first differing step, or the common trace. */
async function determinismSeed(
  def: ScenarioDef,
  opts: ScenarioOptions,
  o: ScenarioFlags,
  out: Out,
): Promise<SeedRun> {
  const { checkDeterminism } = await import('../../sim/determinism.js');
  const seed = opts.seed;
  const d = await checkDeterminism(def, opts);
  const result = { seed: seed.toString(), determinism: d };
  if (!d.ok) {
    out(`seed ${seed}: NONDETERMINISTIC: runs diverge at step ${d.divergence!.step}`);
    out(`  first run:  ${d.divergence!.first}`);
    out(`  second run: ${d.divergence!.second}`);
    const nodes = opts.nodes ? ` --nodes ${opts.nodes}` : '';
    const faults = o.faults ? ` --faults '${o.faults}'` : '';
    out(
      `  reproduce: icn-harness scenario ${def.name} --seed ${seed}${nodes}${faults}` +
        ' --check-determinism',
    );
  } else if (!o.quiet && !o.json)
    out(
      `seed ${seed}: deterministic: ${d.steps} steps identical in both runs, ` +
        `trace root ${d.traceRoots[0]}`,
    );
  return { result, ok: d.ok };
}

/** One seed's run: its checks, state roots and stats (failures always, the rest unless quiet). */
async function scenarioSeed(
  def: ScenarioDef,
  opts: ScenarioOptions,
  o: ScenarioFlags,
  out: Out,
): Promise<SeedRun> {
  const { runScenario } = await import('../../sim/scenario.js');
  const r = await runScenario(def, opts);
  const result = {
    seed: opts.seed.toString(),
    ok: r.ok,
    checks: r.checks,
    convergedAtMs: r.convergedAtMs,
    stateRoots: r.stateRoots,
    trace: { root: r.trace.root, steps: r.trace.steps },
    stats: r.stats,
    reproduce: r.reproduce,
  };
  if (o.json) return { result, ok: r.ok };
  if (!o.quiet || !r.ok) printRun(r, out);
  if (!r.ok) out(`  reproduce: ${r.reproduce}`);
  return { result, ok: r.ok };
}

function printRun(r: ScenarioResult, out: Out): void {
  for (const l of r.header) out(l);
  for (const c of r.checks) out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`);
  const distinct = [...new Set(r.stateRoots.map((h) => h ?? 'down'))];
  const roots =
    distinct.length === 1
      ? `all ${r.nodes} nodes ${distinct[0]}`
      : r.stateRoots.map((h, i) => `${i}:${h ?? 'down'}`).join(' ');
  out(`  state roots: ${roots}`);
  const s = r.stats;
  const converged = r.convergedAtMs === null ? 'never' : `${r.convergedAtMs}ms`;
  out(
    `  converged at: ${converged}; ${s.steps} steps; messages sent ${s.sent}, ` +
      `delivered ${s.delivered}, lost ${s.lost}, duplicated ${s.duplicated}, ` +
      `cut by partitions ${s.blockedByPartition}`,
  );
  out(`  trace root: ${r.trace.root}`);
}
